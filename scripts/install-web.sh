#!/usr/bin/env bash
# Install the web chat's browser assets (web/package-lock.json: rasa-webchat, axe-core)
# into a cache outside the clone, keyed by the hash of the lock, and link it as
# web/node_modules. npm ci runs only when the lock changed; otherwise this only re-links.
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE="${TIPLINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tipline}"
command -v npm >/dev/null || { echo "install-web: npm (Node 18 or newer) is required" >&2; exit 1; }
key=$( { cat web/package.json web/package-lock.json web/.npmrc; node --version; } | sha256sum | cut -c1-16)
dir="$CACHE/web-$key"
mkdir -p "$CACHE"

if [ ! -f "$dir/.complete" ]; then
  exec 8>"$CACHE/web-$key.lock"
  flock 8
  if [ ! -f "$dir/.complete" ]; then
    echo "install-web: npm ci into $dir (first run for this lock)"
    rm -rf "$dir"
    mkdir -p "$dir"
    cp web/package.json web/package-lock.json web/.npmrc "$dir/"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    test -f "$dir/node_modules/rasa-webchat/lib/index.js"
    test -f "$dir/node_modules/axe-core/axe.min.js"
    test -f "$dir/node_modules/chart.js/dist/chart.umd.min.js"  # the console's dashboard
    touch "$dir/.complete"
  fi
fi
# a real directory left by a manual `npm install` in web/ is replaced by the cached one
[ -L web/node_modules ] || rm -rf web/node_modules
ln -sfn "$dir/node_modules" web/node_modules
echo "install-web: web/node_modules -> $dir/node_modules"
