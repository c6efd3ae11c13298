#!/usr/bin/env bash
# Install the test tools that cannot share the main venv (schemathesis 4 needs newer
# jsonschema and attrs than Rasa pins) into their own venv in the cache, keyed by the hash
# of requirements/tools-schemathesis.txt and the Python version, and link it as
# $TIPLINE_CACHE/schemathesis, where the tests find `bin/st` (TIPLINE_SCHEMATHESIS=/path/to/st
# overrides it). Idempotent: a second run with the same requirements only re-links.
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE="${TIPLINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tipline}"
PYTHON="${TIPLINE_PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null || PYTHON=python3
requirements=requirements/tools-schemathesis.txt
key=$( { cat "$requirements"; "$PYTHON" -c 'import sys; print(sys.version)'; } | sha256sum | cut -c1-16)
venv="$CACHE/schemathesis-$key"
mkdir -p "$CACHE"

if [ ! -f "$venv/.complete" ]; then
  exec 9>"$venv.lock"
  flock 9
  if [ ! -f "$venv/.complete" ]; then
    echo "install-tools: building $venv (first run for these requirements, under a minute)"
    rm -rf "$venv"  # a build that stopped half-way has no .complete: start it again
    "$PYTHON" -m venv "$venv"
    # Every package of the set is pinned: nothing is resolved, so --no-deps is safe.
    "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps \
      -r "$requirements" 2>&1 | grep -v "is ignored: it is neither a file nor a directory" || true
    "$venv/bin/st" --version >/dev/null
    "$venv/bin/python" -c "import openapi_spec_validator, schemathesis"
    touch "$venv/.complete"
  fi
fi
ln -sfn "$venv" "$CACHE/schemathesis"
echo "install-tools: $CACHE/schemathesis -> $venv ($("$venv/bin/st" --version))"

# The Kubernetes manifest validator (tests/unit/test_k8s_manifests.py), the same way:
# its own venv keyed by requirements/tools-k8s.txt, linked as $TIPLINE_CACHE/k8s.
requirements=requirements/tools-k8s.txt
key=$( { cat "$requirements"; "$PYTHON" -c 'import sys; print(sys.version)'; } | sha256sum | cut -c1-16)
venv="$CACHE/k8s-$key"
if [ ! -f "$venv/.complete" ]; then
  exec 8>"$venv.lock"
  flock 8
  if [ ! -f "$venv/.complete" ]; then
    rm -rf "$venv"
    "$PYTHON" -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps \
      -r "$requirements" 2>&1 | grep -v "is ignored: it is neither a file nor a directory" || true
    "$venv/bin/kubernetes-validate" --version >/dev/null
    touch "$venv/.complete"
  fi
fi
ln -sfn "$venv" "$CACHE/k8s"
echo "install-tools: $CACHE/k8s -> $venv (kubernetes-validate $("$venv/bin/kubernetes-validate" --version))"
