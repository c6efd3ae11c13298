"""Language identification: real langdetect and lingua models, no mocks."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import langdetect
import pytest
import yaml
from lingua import Language

from bot.language import (
    LanguageGuess,
    LanguageIdentifier,
    get_identifier,
    load_language_config,
    parse_language_config,
)
from bot.language.scripts import LANGUAGE_SCRIPTS, SUPPORTED_LANGUAGES, script_counts
from bot.settings import DATA_DIR

CONFIG = load_language_config(DATA_DIR / "languages.yml")

# Not in bench/data/langid.yml: the thresholds were chosen on that set.
SENTENCES = {
    "en": [
        "there are two guys loading duffel bags into a pickup by the old rail bridge",
        "my landlord keeps the passports of the girls who work at his massage place",
        "can i stay anonymous if i tell you about a boat on the lake",
    ],
    "fr": [
        "deux gars chargent des sacs dans un pick-up pres du vieux pont ce soir",
        "mon proprio garde les passeports des filles qui travaillent pour lui",
        "est ce que je peux rester anonyme si je vous parle d'un bateau sur le lac",
    ],
    "es": [
        "dos tipos estan cargando bolsas en una camioneta junto al puente viejo",
        "el dueño de la casa tiene los pasaportes de las chicas que trabajan para el",
        "puedo quedarme anonimo si les cuento de un barco en el lago",
    ],
    "de": ["zwei Männer laden heute Nacht Taschen in einen Pickup an der alten Brücke"],
    "pt": ["dois caras estao carregando sacolas numa caminhonete perto da ponte velha"],
    "it": ["due tizi stanno caricando delle borse su un furgone vicino al ponte vecchio"],
    "nl": ["twee mannen laden vannacht tassen in een bestelbus bij de oude brug"],
    "pl": ["dwóch facetów ładuje torby do samochodu przy starym moście"],
    "vi": ["hai người đàn ông đang chất túi lên xe tải gần cây cầu cũ"],
}
NON_LATIN = {
    "ar": "رجلان يحملان حقائب في شاحنة قرب الجسر القديم الليلة",
    "fa": "دو مرد امشب کیف‌ها را کنار پل قدیمی داخل وانت می‌گذارند",
    "ur": "دو آدمی آج رات پرانے پل کے پاس ٹرک میں بیگ رکھ رہے ہیں",
    "ru": "двое мужчин грузят сумки в пикап возле старого моста",
    "uk": "двоє чоловіків вантажать сумки в пікап біля старого мосту",
    "zh": "两个男人今晚在旧桥边往皮卡里装包",
    "ja": "二人の男が今夜古い橋のそばでトラックにバッグを積んでいる",
    "ko": "두 남자가 오늘 밤 오래된 다리 옆에서 트럭에 가방을 싣고 있어요",
    "pa": "ਦੋ ਬੰਦੇ ਅੱਜ ਰਾਤ ਪੁਰਾਣੇ ਪੁਲ ਕੋਲ ਟਰੱਕ ਵਿੱਚ ਬੈਗ ਲੱਦ ਰਹੇ ਹਨ",
    "hi": "दो आदमी आज रात पुराने पुल के पास ट्रक में बैग लाद रहे हैं",
}


@pytest.fixture(scope="module")
def identifier() -> LanguageIdentifier:
    return get_identifier(CONFIG)


def test_guess_is_a_frozen_dataclass(identifier: LanguageIdentifier) -> None:
    guess = identifier.identify("hello")
    assert isinstance(guess, LanguageGuess)
    with pytest.raises(AttributeError):
        guess.code = "fr"  # type: ignore[misc]


@pytest.mark.parametrize("text", ["ok", "si", "hola amigo", "je vois un camion", "ja", "2am"])
def test_same_result_twenty_times_and_in_a_new_identifier(
    identifier: LanguageIdentifier, text: str
) -> None:
    results = {identifier.identify(text) for _ in range(20)}
    assert len(results) == 1
    other = LanguageIdentifier(["en", "fr", "es", "pt", "de", "it", "nl"], 12, 0.8)
    again = other.identify(text)
    assert again.code == identifier.identify(text).code or not again.reliable


def test_same_results_from_eight_threads(identifier: LanguageIdentifier) -> None:
    texts = [t for group in SENTENCES.values() for t in group] + ["ok", "si", "hola"] * 5
    expected = [identifier.identify(t) for t in texts]
    with ThreadPoolExecutor(8) as pool:
        for _ in range(3):
            assert list(pool.map(identifier.identify, texts)) == expected


@pytest.mark.parametrize(
    ("code", "text"), [(code, text) for code, group in SENTENCES.items() for text in group]
)
def test_latin_script_sentences(identifier: LanguageIdentifier, code: str, text: str) -> None:
    guess = identifier.identify(text)
    assert (guess.code, guess.reliable) == (code, True), guess
    assert CONFIG.min_confidence <= guess.confidence <= 1


@pytest.mark.parametrize(("code", "text"), list(NON_LATIN.items()))
def test_non_latin_scripts(identifier: LanguageIdentifier, code: str, text: str) -> None:
    guess = identifier.identify(text)
    assert (guess.code, guess.reliable) == (code, True), guess


@pytest.mark.parametrize(
    ("text", "code"),
    [("ਹਾਂ ਜੀ", "pa"), ("네 맞아요", "ko"), ("はい、そうです", "ja"), ("हाँ जी", "hi")],
)
def test_a_script_of_its_own_decides_even_short_texts(
    identifier: LanguageIdentifier, text: str, code: str
) -> None:
    assert identifier.identify(text) == LanguageGuess(code, 1.0, True)


@pytest.mark.parametrize(
    "text", ["ok", "2am", "si", "yes", "oui", "no", "Lacolle", "da", "да", "ok thx", "了解"]
)
def test_short_texts_are_unreliable(identifier: LanguageIdentifier, text: str) -> None:
    guess = identifier.identify(text)
    assert guess.reliable is False
    assert guess.code in CONFIG.community


@pytest.mark.parametrize(
    "text",
    ["", "   ", "👍", "🚨🚨🚨 !!!", "🙏🏽👮‍♂️", "123 456", "2:30", "?!", "\u200b\u200f",
     "https://facebook.com/groups/123", "contact@example.org"],
)
def test_no_letters_is_undetermined(identifier: LanguageIdentifier, text: str) -> None:
    assert identifier.identify(text) == LanguageGuess("und", 0.0, False)


def test_unconfigured_script_is_undetermined(identifier: LanguageIdentifier) -> None:
    greek = identifier.identify("είδα δύο άντρες να περνούν τα σύνορα με σακίδια")
    assert greek == LanguageGuess("und", 0.0, False)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("我在Lacolle边境看到有人运毒品", "zh"),
        ("رأيت شاحنة Ford بيضاء قرب Lacolle تنقل أسلحة عبر الحدود", "ar"),
        ("i saw a white truck near the border, the driver said 毒品 twice", "en"),
        ("видел белый Ford F-150 у границы возле Lacolle сегодня ночью", "ru"),
        ("el camion decia 'Transportes Юг' y cruzo la frontera anoche por el puente", "es"),
    ],
)
def test_mixed_scripts_pick_the_dominant_one(
    identifier: LanguageIdentifier, text: str, code: str
) -> None:
    assert identifier.identify(text).code == code


@pytest.mark.parametrize(
    "text",
    ["ok 好", "Ωok", "a\u0301\u0302\u0303" * 50, "\ud800 broken surrogate", "\x00\x01\x02 nul",
     "ﷺ", "🇨🇦🇺🇸", "ǅ ǈ ǋ", "\u202eright to left override", "x" * 20000],
)
def test_odd_input_never_crashes(identifier: LanguageIdentifier, text: str) -> None:
    guess = identifier.identify(text)
    assert guess.code == "und" or guess.code in CONFIG.community
    assert 0.0 <= guess.confidence <= 1.0


def test_ten_kilobyte_text_is_fast_and_right(identifier: LanguageIdentifier) -> None:
    text = (SENTENCES["fr"][0] + ". ") * 150
    assert len(text) > 10_000
    started = time.perf_counter()
    guess = identifier.identify(text)
    assert time.perf_counter() - started < 1.0
    assert (guess.code, guess.reliable) == ("fr", True)


def test_script_counts_weigh_ideographs_and_merge_kanji_into_japanese() -> None:
    assert script_counts("ok 好") == {"Latin": 2, "Han": 3}
    assert script_counts("国境で麻薬") == {"Kana": 15}
    assert script_counts("123 !!") == {}


def test_every_supported_language_is_known_to_both_detectors() -> None:
    profiles = set(os.listdir(Path(langdetect.__file__).parent / "profiles"))
    lingua_codes = {language.iso_code_639_1.name.lower() for language in Language.all()}
    for code in SUPPORTED_LANGUAGES:
        assert code in lingua_codes, code
        assert code in profiles or f"{code}-cn" in profiles, code
    assert set(CONFIG.community) <= SUPPORTED_LANGUAGES
    assert "iu" not in LANGUAGE_SCRIPTS


def test_identifier_refuses_unknown_languages() -> None:
    with pytest.raises(ValueError, match="iu"):
        LanguageIdentifier(["en", "iu"])


# --- data/languages.yml -----------------------------------------------------------------


def test_shipped_language_file() -> None:
    assert CONFIG.default == "en"
    assert CONFIG.native == CONFIG.community  # every community language is native
    assert len(CONFIG.community) == 21
    assert {"pt", "de", "it", "ar", "zh", "pa"} <= set(CONFIG.community)
    assert CONFIG.likely == ("en", "fr", "es")
    assert (CONFIG.min_letters, CONFIG.min_confidence) == (12, 0.8)


GOOD = {"default": "en", "native": ["en", "fr"], "community": ["en", "fr", "de"],
        "likely": ["en", "fr"], "min_letters": 10, "min_confidence": 0.7}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"community": ["en", "fr", "iu"]}, "iu"),
        ({"community": ["en", "fr", "EN"]}, "ISO 639-1"),
        ({"community": []}, "community"),
        ({"default": "es"}, "default"),
        ({"native": ["en", "es"]}, "native: not in community: es"),
        ({"likely": ["en", "pt"]}, "likely: not in community: pt"),
        ({"min_letters": -1}, "min_letters"),
        ({"min_letters": "12"}, "min_letters"),
        ({"min_confidence": 1.5}, "min_confidence"),
        ({"colour": "blue"}, "unknown keys: \\['colour'\\]"),
        ({"community": ["en", "fr", "de", "de"]}, "duplicate"),
    ],
)
def test_bad_language_config_is_refused_clearly(change: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_language_config({**GOOD, **change})


def test_missing_key_and_bad_files(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="missing keys: \\['min_letters'\\]"):
        parse_language_config({k: v for k, v in GOOD.items() if k != "min_letters"})
    path = tmp_path / "languages.yml"
    path.write_text("default: [en\n")
    with pytest.raises(ValueError, match="languages.yml: cannot read"):
        load_language_config(path)
    path.write_text("- en\n- fr\n")
    with pytest.raises(ValueError, match="languages.yml: expected a mapping"):
        load_language_config(path)
    with pytest.raises(ValueError, match="cannot read"):
        load_language_config(tmp_path / "missing.yml")
    path.write_text(yaml.safe_dump(GOOD))
    assert load_language_config(path).community == ("en", "fr", "de")


# --- the Rasa component -------------------------------------------------------------------


def test_language_detector_component_sets_output_properties() -> None:
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from bot.nlu.language_detector import LanguageDetector

    context = ExecutionContext(GraphSchema({}), model_id="test")
    component = LanguageDetector.create({}, None, None, context)  # type: ignore[arg-type]
    text = "Ich habe gesehen, wie Männer Drogen über die Grenze bei Lacolle gebracht haben"
    messages = [Message({"text": text}), Message({"text": "ok"}), Message({"text": "/greet"})]
    component.process(messages)
    out = messages[0].as_dict(only_output_properties=True)
    assert out["language"] == "de" and out["language_reliable"] is True
    assert out["original_text"] == text and 0.8 <= out["language_confidence"] <= 1
    assert messages[1].get("language_reliable") is False
    assert messages[2].get("language") == "und"
    examples = [Message({"text": "hola", "intent": "greet"})]
    data = TrainingData(examples)
    assert component.process_training_data(data) is data
    assert examples[0].data == {"text": "hola", "intent": "greet"}
