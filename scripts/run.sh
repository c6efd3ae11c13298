#!/usr/bin/env bash
# Start the whole tip line on its embedded default (SQLite): the processes of the Procfile
# (action server, Rasa server with its channels on http://127.0.0.1:$TIPLINE_RASA_PORT, the
# duty officers' console on http://127.0.0.1:$TIPLINE_CONSOLE_PORT, the background jobs),
# under bot/supervise.py: a process that dies is restarted, the others keep serving.
# Ctrl-C stops them all.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$TIPLINE_ROOT"
# SMS over Twilio (docs/sms.md): credentials.yml names these; empty means not configured
# (webhooks refused with 403, no replies sent).
export TIPLINE_TWILIO_ACCOUNT_SID="${TIPLINE_TWILIO_ACCOUNT_SID:-}"
export TIPLINE_TWILIO_AUTH_TOKEN="${TIPLINE_TWILIO_AUTH_TOKEN:-}"
export TIPLINE_TWILIO_FROM_NUMBER="${TIPLINE_TWILIO_FROM_NUMBER:-}"
export TIPLINE_TWILIO_MESSAGING_SERVICE_SID="${TIPLINE_TWILIO_MESSAGING_SERVICE_SID:-}"
export TIPLINE_TWILIO_PUBLIC_URL="${TIPLINE_TWILIO_PUBLIC_URL:-}"
"$PY" -m bot.cli check-config
"$PY" -m bot.cli db upgrade
# the Procfile says `python`: the project's environment
export PATH="$TIPLINE_ROOT/.venv/bin:$PATH"
echo "run: Rasa on http://127.0.0.1:$TIPLINE_RASA_PORT, actions on :$TIPLINE_ACTIONS_PORT," \
  "console on http://127.0.0.1:$TIPLINE_CONSOLE_PORT, background jobs (bot.jobs)"
echo "run: first console administrator: ./bin/tipline create-admin NAME (asks for a password)"
exec "$PY" -m bot.supervise Procfile
