"""The CRF entity taggers trained once per model, not at every start (installed by bot/speed.py).

Rasa 3.6's ``CRFEntityExtractor`` stores its training sentences in the model, not the
trained taggers, and ``load`` trains them again: about 15 s of every ``rasa run`` here,
the largest part of the model load. Here ``train_model`` keeps what it trained (the
crfsuite model files) in ``$TIPLINE_CACHE/crf/<key>/`` (default ``~/.cache/tipline``),
keyed by the sentences, the component's configuration, the tagger order and the crfsuite
versions; the next start with the same model opens those files instead of training.
A missing or unreadable entry is trained again, as Rasa does.

    python -m bot.speed_crf models/current.tar.gz   # fill the cache (after a training)
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sys
import tempfile
from collections import OrderedDict
from importlib.metadata import version
from pathlib import Path
from typing import Any, Dict, List

log = logging.getLogger(__name__)
_MARK = "_tipline_crf_cache"


def cache_root() -> Path:
    return Path(os.environ.get("TIPLINE_CACHE", Path.home() / ".cache" / "tipline")) / "crf"


def cache_key(dataset: List[List[Any]], config: Dict[str, Any], order: List[str]) -> str:
    digest = hashlib.sha256()
    for part in ([[t.to_dict() for t in sentence] for sentence in dataset], config, order,
                 [version("sklearn-crfsuite"), version("python-crfsuite")]):
        digest.update(json.dumps(part, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:24]


def _tagger(config: Dict[str, Any], path: Path) -> Any:
    import sklearn_crfsuite

    tagger = sklearn_crfsuite.CRF(algorithm="lbfgs", c1=config["L1_c"], c2=config["L2_c"],
                                  max_iterations=config["max_iterations"],
                                  all_possible_transitions=True, model_filename=str(path))
    if tagger.tagger_ is None:  # opens the model file now: a bad file fails here
        raise ValueError(f"no CRF model in {path}")
    return tagger


def _load(folder: Path, config: Dict[str, Any], order: List[str]) -> OrderedDict[str, Any]:
    return OrderedDict((name, _tagger(config, folder / f"{name}.crfsuite")) for name in order)


def _keep(taggers: OrderedDict[str, Any], folder: Path) -> None:
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="staging-", dir=folder.parent))
    for name, tagger in taggers.items():
        shutil.copyfile(tagger.modelfile.name, staging / f"{name}.crfsuite")
    try:
        staging.rename(folder)  # atomic: a concurrent start sees all files or none
    except OSError:  # another process kept the same entry first
        shutil.rmtree(staging, ignore_errors=True)


def install() -> None:
    from rasa.nlu.extractors.crf_entity_extractor import CRFEntityExtractor

    train = CRFEntityExtractor.train_model
    if getattr(train, _MARK, False):
        return

    def train_model(cls: Any, df_train: List[List[Any]], config: Dict[str, Any],
                    crf_order: List[str]) -> OrderedDict[str, Any]:
        folder = cache_root() / cache_key(df_train, config, crf_order)
        if folder.is_dir():
            try:
                return _load(folder, config, crf_order)
            except Exception as error:  # trained again below, as Rasa does
                log.warning("CRF cache %s unreadable (%s)", folder.name, type(error).__name__)
                shutil.rmtree(folder, ignore_errors=True)
        taggers = train.__func__(cls, df_train, config, crf_order)
        try:
            _keep(taggers, folder)
        except OSError as error:
            log.warning("CRF cache not written (%s)", type(error).__name__)
        return taggers

    setattr(train_model, _MARK, True)
    CRFEntityExtractor.train_model = classmethod(train_model)  # type: ignore[method-assign]


def warm(model: str) -> None:
    """Load ``model``'s NLU graph once, so that the cache holds its taggers."""
    from rasa.core.agent import Agent

    install()
    Agent.load(model)


if __name__ == "__main__":
    warm(sys.argv[1] if len(sys.argv) > 1 else "models/current.tar.gz")
