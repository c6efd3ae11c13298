#!/usr/bin/env bash
# Re-resolve requirements/lock.txt from requirements/rasa.txt (Rasa's working set on
# Python 3.11) and requirements/app.in (the tip line's own dependencies). Run after
# editing app.in; commit the new lock.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
python3.11 -m venv "$tmp/venv"
"$tmp/venv/bin/pip" install -q --no-deps --ignore-requires-python -r requirements/rasa.txt
"$tmp/venv/bin/pip" install -q -c requirements/rasa.txt -r requirements/app.in
{
  echo "# Full lock of the tip line's Python environment (Python 3.11, Linux x86_64)."
  echo "# Installed with: pip install --no-deps --ignore-requires-python -r requirements/lock.txt"
  echo "# Rebuilt from requirements/rasa.txt + requirements/app.in by scripts/lock.sh."
  "$tmp/venv/bin/pip" freeze --all | grep -v '^pip=='
} > requirements/lock.txt
rm -rf "$tmp"
echo "lock: requirements/lock.txt rewritten"
