#!/usr/bin/env bash
# Start the whole tip line on its embedded default (SQLite): the action server, the
# Rasa server (REST channel on http://127.0.0.1:$TIPLINE_RASA_PORT) and the duty officers'
# console (http://127.0.0.1:$TIPLINE_CONSOLE_PORT). Ctrl-C stops them all.
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
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait || true; }
trap cleanup EXIT INT TERM
"$PY" -m bot.serve actions --actions actions --port "$TIPLINE_ACTIONS_PORT" &
pids+=($!)
"$PY" -m bot.serve rasa run --model models/current.tar.gz --enable-api -i "$TIPLINE_BIND" \
  --port "$TIPLINE_RASA_PORT" --endpoints endpoints.yml --credentials credentials.yml &
pids+=($!)
"$PY" -m bot.console --server waitress --bind "$TIPLINE_BIND" --port "$TIPLINE_CONSOLE_PORT" &
pids+=($!)
( while sleep 300; do "$PY" -m bot.cli retry-translations >/dev/null || true; done ) &
pids+=($!)
echo "run: Rasa on http://127.0.0.1:$TIPLINE_RASA_PORT, actions on :$TIPLINE_ACTIONS_PORT," \
  "console on http://127.0.0.1:$TIPLINE_CONSOLE_PORT"
echo "run: first console administrator: ./bin/tipline create-admin NAME (asks for a password)"
wait -n "${pids[@]}"
