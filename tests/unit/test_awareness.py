"""The awareness catalogue (data/awareness/): complete in every language, checked by
check-config, and the topic chosen by the multilingual encoder in any language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.awareness.catalogue import TOPICS, CatalogueError, load_catalogue, validate_awareness
from bot.awareness.topics import TopicChooser
from bot.language.config import load_language_config
from bot.nlu.encoders import EncoderSpec, get_encoder
from bot.settings import DATA_DIR

AWARENESS = DATA_DIR / "awareness"
COMMUNITY = load_language_config(DATA_DIR / "languages.yml").community
ARABIC, GURMUKHI, CJK, HANGUL = ("\u0600-\u06ff", "\u0a00-\u0a7f", "\u4e00-\u9fff",
                                 "\uac00-\ud7af")


def copy_catalogue(target: Path) -> Path:
    target.mkdir()
    for path in AWARENESS.glob("*.yml"):
        (target / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    return target


def test_the_catalogue_is_complete_in_the_21_languages() -> None:
    assert len(COMMUNITY) == 21
    assert validate_awareness(AWARENESS, COMMUNITY) == []
    catalogue = load_catalogue(AWARENESS, COMMUNITY)
    assert sorted(catalogue.languages) == sorted(COMMUNITY)
    assert catalogue.topics() == list(TOPICS)
    english = {topic: catalogue.answer(topic, "en") for topic in TOPICS}
    for lang in COMMUNITY:
        for topic in TOPICS:
            answer = catalogue.answer(topic, lang)
            assert 20 < len(answer) <= 320, (lang, topic, len(answer))  # two SMS at most
            assert lang == "en" or answer != english[topic], (lang, topic)
        assert "911" in catalogue.look(lang)["safety"], lang
        assert catalogue.link(lang, "https://x.test/look").endswith("https://x.test/look")


@pytest.mark.parametrize("lang, script", [("ar", ARABIC), ("pa", GURMUKHI), ("zh", CJK),
                                          ("ko", HANGUL), ("fa", ARABIC), ("ur", ARABIC)])
def test_non_latin_answers_are_written_in_their_script(lang: str, script: str) -> None:
    catalogue = load_catalogue(AWARENESS)
    for topic in TOPICS:
        answer = catalogue.answer(topic, lang)
        assert len(re.findall(f"[{script}]", answer)) > 3 * len(re.findall("[A-Za-z]", answer))


def test_rewards_say_plainly_there_are_none_by_default() -> None:
    assert "does not pay rewards" in load_catalogue(AWARENESS).answer("rewards", "en")


def test_a_missing_key_is_refused(tmp_path: Path) -> None:
    directory = copy_catalogue(tmp_path / "awareness")
    raw = yaml.safe_load((directory / "pa.yml").read_text(encoding="utf-8"))
    del raw["topics"]["rewards"]["answer"]
    raw["look"]["details"] = []
    raw["link"] = "ਵੇਖੋ: {adres}"
    (directory / "pa.yml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    (directory / "so.yml").unlink()
    problems = validate_awareness(directory, COMMUNITY)
    assert f"{directory}/pa.yml: missing key topics.rewards.answer" in problems
    assert f"{directory}/pa.yml: look.details: expected a non-empty list of texts" in problems
    assert f"{directory}/pa.yml: link: placeholders {{adres}}, expected {{url}}" in problems
    assert f"{directory}/so.yml: no catalogue for language so" in problems
    with pytest.raises(CatalogueError, match="topics.rewards.answer"):
        load_catalogue(directory, COMMUNITY)


def test_an_empty_answer_and_a_missing_topic_are_refused(tmp_path: Path) -> None:
    directory = copy_catalogue(tmp_path / "awareness")
    raw = yaml.safe_load((directory / "en.yml").read_text(encoding="utf-8"))
    del raw["topics"]["when_unsure"]
    raw["topics"]["rewards"]["answer"] = "  "
    (directory / "en.yml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    problems = validate_awareness(directory, COMMUNITY)
    assert f"{directory}/en.yml: missing topic when_unsure" in problems
    assert f"{directory}/en.yml: topics.rewards.answer: empty or not a text" in problems
    assert f"{directory}/fr.yml: extra key topics.when_unsure.answer (not in en.yml)" in problems


def test_check_config_refuses_a_broken_catalogue(tmp_path: Path, monkeypatch, capsys) -> None:
    from bot.cli import cmd_check_config
    from bot.settings import get_settings

    directory = copy_catalogue(tmp_path / "awareness")
    raw = yaml.safe_load((directory / "ja.yml").read_text(encoding="utf-8"))
    del raw["look"]["title"]
    (directory / "ja.yml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("TIPLINE_AWARENESS_DIR", str(directory))
    get_settings.cache_clear()
    try:
        assert cmd_check_config(None) == 1  # type: ignore[arg-type]
        assert f"{directory}/ja.yml: missing key look.title" in capsys.readouterr().out
        monkeypatch.delenv("TIPLINE_AWARENESS_DIR")
        get_settings.cache_clear()
        assert cmd_check_config(None) == 0  # type: ignore[arg-type]
    finally:
        get_settings.cache_clear()


@pytest.fixture(scope="module")
def chooser(tmp_path_factory: pytest.TempPathFactory) -> TopicChooser:
    return TopicChooser(load_catalogue(AWARENESS), get_encoder(EncoderSpec()), 0.86,
                        tmp_path_factory.mktemp("cache"))


@pytest.mark.parametrize("text, topic", [
    ("do you pay money for tips?", "rewards"),
    ("how do I know if it's trafficking or smuggling", "trafficking_vs_smuggling"),
    ("¿me van a pagar algo por avisar?", "rewards"),
    ("et si je me trompe, je le dis quand même?", "when_unsure"),
    ("هل في مكافأة إذا بلغت؟", "rewards"),
    ("ਕੀ ਪੁਲਿਸ ਮੈਨੂੰ ਫ਼ੋਨ ਕਰੇਗੀ?", "will_i_be_contacted"),
    ("人口走私和贩卖有啥不同", "trafficking_vs_smuggling"),
    ("Какие признаки торговли людьми?", "trafficking_vs_smuggling"),
    ("제가 누군지 경찰이 알게 되나요?", "anonymity"),
])
def test_the_encoder_picks_the_topic_in_any_language(chooser: TopicChooser, text: str,
                                                     topic: str) -> None:
    choice = chooser.choose(text)
    assert choice.topic == topic, (text, choice)


@pytest.mark.parametrize("text", ["what's the weather like this weekend", "ok", ""])
def test_below_the_threshold_no_topic_is_chosen(chooser: TopicChooser, text: str) -> None:
    assert chooser.choose(text).topic is None


def test_the_question_vectors_are_kept_across_restarts(chooser: TopicChooser) -> None:
    chooser.choose("is there a reward")
    path = chooser._cache_file()
    assert path is not None and path.is_file()
    again = TopicChooser(chooser.catalogue, chooser.encoder, 0.86, path.parent)
    assert again._load_or_encode().shape == (len(chooser.catalogue.questions()),
                                             chooser.encoder.dim)
