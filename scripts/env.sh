# Sourced by the scripts: paths, ports and development secrets of the tip line.
# Secrets already in the environment win; otherwise development values are generated once
# into var/secrets.env (outside version control).
TIPLINE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export TIPLINE_ROOT
export PYTHONPATH="$TIPLINE_ROOT${PYTHONPATH:+:$PYTHONPATH}"
export TIPLINE_CACHE="${TIPLINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tipline}"
export TIPLINE_RASA_PORT="${TIPLINE_RASA_PORT:-5005}"
export TIPLINE_ACTIONS_PORT="${TIPLINE_ACTIONS_PORT:-5055}"
# Servers listen on loopback unless the deployment says otherwise.
export TIPLINE_BIND="${TIPLINE_BIND:-127.0.0.1}"
export SANIC_HOST="${SANIC_HOST:-$TIPLINE_BIND}"
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
export SQLALCHEMY_SILENCE_UBER_WARNING=1
export PYTHONWARNINGS="${PYTHONWARNINGS:-ignore::DeprecationWarning}"
PY="$TIPLINE_ROOT/.venv/bin/python"

mkdir -p "$TIPLINE_ROOT/var"
if [ ! -f "$TIPLINE_ROOT/var/secrets.env" ]; then
  umask 077
  "$PY" - > "$TIPLINE_ROOT/var/secrets.env" <<'PYEOF'
import secrets
from cryptography.fernet import Fernet
print(f'export TIPLINE_HASH_KEY="${{TIPLINE_HASH_KEY:-{secrets.token_hex(32)}}}"')
print(f'export TIPLINE_ENCRYPTION_KEYS="${{TIPLINE_ENCRYPTION_KEYS:-{Fernet.generate_key().decode()}}}"')
print(f'export TIPLINE_CONSOLE_SECRET="${{TIPLINE_CONSOLE_SECRET:-{secrets.token_hex(32)}}}"')
PYEOF
fi
# Secrets added after a checkout first generated var/secrets.env are appended once.
# TIPLINE_RASA_API_TOKEN: only used if Rasa's HTTP API is turned on (docs/operations.md).
for name in TIPLINE_CONSOLE_SECRET TIPLINE_RASA_API_TOKEN; do
  if ! grep -q "$name" "$TIPLINE_ROOT/var/secrets.env"; then
    (umask 077; "$PY" -c 'import secrets, sys; n = sys.argv[1]; print(f"export {n}=\"${{{n}:-{secrets.token_hex(32)}}}\"")' "$name" \
      >> "$TIPLINE_ROOT/var/secrets.env")
  fi
done
export TIPLINE_CONSOLE_PORT="${TIPLINE_CONSOLE_PORT:-8000}"
# shellcheck disable=SC1091
. "$TIPLINE_ROOT/var/secrets.env"
