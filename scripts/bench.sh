#!/usr/bin/env bash
# Run the benchmarks and print their figures (record them in docs/benchmarks.md).
#   ./scripts/bench.sh            language id, NLU + routing on held-out tips, turn latency
#   ./scripts/bench.sh --full     also training time (fresh train) and 3-fold cross-validation
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$TIPLINE_ROOT"
echo "== language identification (bench/langid.py)"
"$PY" -m bench.langid
echo "== NLU and routing on held-out tips (bench/nlu_routing.py)"
"$PY" -m bench.nlu_routing
echo "== REST tip turn vs /model/parse (bench/turn_latency.py)"
"$PY" -m bench.turn_latency --requests 200 --concurrency 8
if [ "${1:-}" = "--full" ]; then
  out=$(mktemp -d)
  echo "== training time (fresh rasa train, config.yml)"
  start=$SECONDS
  "$PY" -m bot.serve rasa train --config config.yml --domain domain.yml \
    --data data/nlu data/rules --out "$out" --force --quiet >"$out/train.log" 2>&1
  echo "training: $((SECONDS - start)) s"
  echo "== 3-fold cross-validation (rasa test nlu), F1 per intent"
  "$PY" -m bot.serve rasa test nlu --nlu data/nlu --config config.yml --cross-validation \
    --folds 3 --out "$out/cv" >/dev/null 2>&1
  "$PY" -m bench.cv_report "$out/cv/intent_report.json"
fi
