#!/usr/bin/env bash
# Train the Rasa model if it is missing or stale. Models are cached outside the clone,
# keyed by the hash of everything that shapes them (config, domain, training data, the
# custom NLU components and the Rasa stack of requirements/rasa.txt), and linked as
# models/current.tar.gz.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$TIPLINE_ROOT"
key=$(cat config.yml domain.yml requirements/rasa.txt \
      $(find data/nlu data/rules data/urgency data/routing/lexicon.yml bot/nlu -type f \( -name '*.yml' -o -name '*.py' \) | LC_ALL=C sort) \
      | sha256sum | cut -c1-16)
store="$TIPLINE_CACHE/models"
model="$store/tipline-$key.tar.gz"
mkdir -p "$store" models
exec 9>"$store/train.lock"
flock 9  # one training at a time on this machine; a waiter reuses the result
if [ ! -f "$model" ]; then
  echo "train: training model $key (config, domain or data changed)"
  start=$(date +%s)
  # both cores for training (the encoder and scikit-learn); servers use one thread each
  OMP_NUM_THREADS="${TIPLINE_TRAIN_THREADS:-2}" "$PY" -m bot.serve rasa train --config config.yml --domain domain.yml \
    --data data/nlu data/rules --out "$store" --fixed-model-name "partial-tipline-$key" \
    --force --quiet
  mv "$store/partial-tipline-$key.tar.gz" "$model"
  echo "train: done in $(( $(date +%s) - start )) s"
  # Rasa 3.6 retrains the CRF entity taggers whenever it loads a model: keep them once per
  # model (bot/speed_crf.py), so that the first `rasa run` after a training starts fast too
  "$PY" -m bot.speed_crf "$model" >/dev/null 2>&1 || echo "train: CRF cache not filled (servers train it at start)"
fi
ln -sfn "$model" models/current.tar.gz
echo "train: models/current.tar.gz -> $model"
