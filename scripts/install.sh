#!/usr/bin/env bash
# Install the Python environment of the tip line into a cache outside the clone, keyed by
# the hash of requirements/lock.txt, and link it as .venv. Idempotent: a second run with
# the same lock only re-links (well under a second).
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE="${TIPLINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tipline}"
PYTHON="${TIPLINE_PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null || PYTHON=python3
key=$( { cat requirements/lock.txt; "$PYTHON" -c 'import sys; print(sys.version)'; } | sha256sum | cut -c1-16)
venv="$CACHE/venv-$key"
mkdir -p "$CACHE"

if [ ! -f "$venv/.complete" ]; then
  exec 9>"$CACHE/venv-$key.lock"
  flock 9
  if [ ! -f "$venv/.complete" ]; then
    echo "install: building $venv (first run for this lock, a few minutes)"
    rm -rf "$venv"
    "$PYTHON" -m venv "$venv"
    # --no-deps makes --ignore-requires-python safe: the lock is complete, nothing is resolved.
    "$venv/bin/pip" install --quiet --no-deps --ignore-requires-python \
      -r requirements/lock.txt 2>&1 | grep -v "is ignored: it is neither a file nor a directory" || true
    "$venv/bin/python" -c "import rasa, rasa_sdk, langdetect, lingua, deep_translator, sqlalchemy, twilio, alembic"
    touch "$venv/.complete"
  fi
fi
ln -sfn "$venv" .venv
echo "install: .venv -> $venv"
