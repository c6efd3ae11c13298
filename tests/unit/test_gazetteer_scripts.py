"""Place names in the residents' scripts inside real sentences (ru/uk cases, Arabic prefixes,
ko/ja particles, zh/ja without spaces) and provinces/states as side phrases, found by the router."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.routing.gazetteer import Gazetteer
from bot.routing.lexicon import Lexicon
from bot.routing.router import Router
from bot.routing.rules import RoutingTable
from bot.routing.text import normalise, phrase_starts

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.load(DATA / "gazetteer" / "places.yml")


# (language, sentence, side, first place named): the place inside a sentence as residents write
# it, in the case form or with the prefix the sentence needs.
SENTENCES = [
    # ru: genitive, locative, dative, a lake with its noun in the dative
    ("ru", "Мужик берёт деньги, чтобы провести людей через лес у Стэнстеда", "CA", "Stanstead"),
    ("ru", "В Виннипеге девушек держат в квартире, паспорта забрали", "CA", "Winnipeg"),
    ("ru", "Груз забирают в Сиэтле и ночью везут на север", "US", "Seattle"),
    ("ru", "Лодка без огней всю ночь ходила по озеру Эри", "unknown", "Lake Erie"),
    ("ru", "на Ниагарском водопаде с канадской стороны стоит фургон", "CA", "Niagara Falls"),
    # uk: locative with г→з, genitive, a river in the locative next to a Canadian town
    ("uk", "У Вінніпезі дівчат тримають у квартирі, паспорти забрали", "CA", "Winnipeg"),
    ("uk", "Чоловік щоночі переправляє людей біля Емерсона", "CA", "Emerson"),
    ("uk", "Човен без вогнів ходить по річці Святого Лаврентія біля Корнвола", "CA",
     "St. Lawrence River"),
    ("uk", "Бачив вантажівку в Сіетлі біля порту", "US", "Seattle"),
    # ar: ب (in) and و (and) joined to the name; a river with its noun
    ("ar", "في شاحنة واقفة بوندسور كل ليلة وضواها مطفية", "CA", "Windsor"),
    ("ar", "شفت ناس بتحمّل صناديق بسياتل قرب الميناء", "US", "Seattle"),
    ("ar", "في قارب رايح جاي بين ويندسور وديترويت بالليل", "unknown", "Windsor"),
    ("ar", "عم يعدّوا ناس بالقارب عبر نهر سانت لورانس قرب كورنوال", "CA",
     "St. Lawrence River"),
    # fa
    ("fa", "یه ون سفید هر شب نزدیک پورت هیورون بسته خالی میکنه", "US", "Port Huron"),
    ("fa", "تو وینیپگ چند تا دختر رو زندونی کردن", "CA", "Winnipeg"),
    ("fa", "از امرسون آدم رد میکنن", "CA", "Emerson"),
    # ur
    ("ur", "سیاٹل سے ایک ٹرک آتا ہے جس میں اسلحہ چھپا ہوتا ہے", "US", "Seattle"),
    ("ur", "ونی پیگ میں ایک گھر میں لڑکیوں کو بند رکھا ہے", "CA", "Winnipeg"),
    ("ur", "پورٹ ہیورن کے پل کے نیچے کشتی کھڑی تھی", "US", "Port Huron"),
    # hi
    ("hi", "सार्निया के पास पुल के नीचे रोज़ नाव आती है", "CA", "Sarnia"),
    ("hi", "सिएटल से ट्रक में हथियार छुपा कर लाते हैं", "US", "Seattle"),
    ("hi", "एरी झील में दो नावें बक्से बदल रही थीं", "unknown", "Lake Erie"),
    ("hi", "डंकी वाला एजेंट कहता है इमर्सन से पैदल पार करवा देगा", "CA", "Emerson"),
    # pa
    ("pa", "ਕੂਟਸ ਬਾਰਡਰ ਤੇ ਇੱਕ ਟਰੱਕ ਵਿੱਚ ਬੰਦੇ ਲੁਕਾਏ ਹੋਏ ਸੀ", "CA", "Coutts"),
    ("pa", "ਸਿਆਟਲ ਤੋਂ ਚਿੱਟਾ ਟਰੱਕਾਂ ਵਿੱਚ ਆਉਂਦਾ", "US", "Seattle"),
    ("pa", "ਵਿਨੀਪੈਗ ਵਿੱਚ ਇੱਕ ਏਜੰਟ ਮੁੰਡਿਆਂ ਦੇ ਪਾਸਪੋਰਟ ਰੱਖਦਾ", "CA", "Winnipeg"),
    ("pa", "ਸਵੀਟਗ੍ਰਾਸ ਤੋਂ ਟਰੱਕ ਲੰਘਾਉਂਦੇ ਨੇ", "US", "Sweet Grass, Montana"),
    # ko: the particle follows the name
    ("ko", "시애틀에서 현금 가방을 가져온대요", "US", "Seattle"),
    ("ko", "위니펙 근처 농장에서 노동자들 여권을 뺏었어요", "CA", "Winnipeg"),
    ("ko", "세인트로렌스강에서 불 꺼진 보트가 왔다갔다 해요", "unknown", "St. Lawrence River"),
    ("ko", "사니아 근처 강에서 보트가 계속 왔다갔다 해요", "CA", "Sarnia"),
    # zh, simplified and traditional: no spaces, the longest name wins
    ("zh", "有人从西雅图开车运现金过来", "US", "Seattle"),
    ("zh", "温尼伯有个中介扣了留学生的护照", "CA", "Winnipeg"),
    ("zh", "在圣劳伦斯河上看到一条没开灯的船，靠近康沃尔", "CA", "St. Lawrence River"),
    ("zh", "在安大略湖上有船交接箱子", "unknown", "Lake Ontario"),
    ("zh-Hant", "有人在西雅圖收現金，再帶過邊境", "US", "Seattle"),
    ("zh-Hant", "聖勞倫斯河上有船半夜卸貨", "unknown", "St. Lawrence River"),
    ("zh-Hant", "溫尼伯有人扣留工人的護照", "CA", "Winnipeg"),
    # ja: katakana names between kanji and particles
    ("ja", "サリーのゼロアベニューで夜中に誰かがバッグを投げてる", "CA", "Surrey"),
    ("ja", "シアトルから現金を運ぶ人を募集してる", "US", "Seattle"),
    ("ja", "ウィニペグの農場で労働者のパスポートが取り上げられてる", "CA", "Winnipeg"),
    ("ja", "オンタリオ湖でボート同士が箱を受け渡ししてた", "unknown", "Lake Ontario"),
]


@pytest.mark.parametrize(("language", "text", "side", "place"), SENTENCES,
                         ids=[f"{s[0]}-{i}" for i, s in enumerate(SENTENCES)])
def test_a_place_named_in_a_sentence_of_each_script(gazetteer: Gazetteer, language: str,
                                                     text: str, side: str, place: str) -> None:
    location = gazetteer.resolve([text])
    assert (location.side, location.place) == (side, place)


def test_every_language_and_script_is_covered() -> None:
    assert {s[0] for s in SENTENCES} == {"ru", "uk", "ar", "fa", "ur", "hi", "pa", "ko", "zh",
                                         "zh-Hant", "ja"}


def test_every_form_of_a_declined_name_is_found(gazetteer: Gazetteer) -> None:
    forms = {"Детройт": "Detroit", "Детройта": "Detroit", "Детройту": "Detroit",
             "Детройтом": "Detroit", "Детройте": "Detroit", "Детройті": "Detroit",
             "Виндзор": "Windsor", "Виндзора": "Windsor", "Виндзоре": "Windsor",
             "Віндзорі": "Windsor", "Віндзором": "Windsor",
             "Сарния": "Sarnia", "Сарнии": "Sarnia", "Сарнією": "Sarnia",
             "Вінніпезі": "Winnipeg", "Виннипега": "Winnipeg"}
    for form, name in forms.items():
        found = gazetteer.find_places(f"вчера возле {form} видел грузовик")
        assert [p.name for _, p in found] == [name], form


# (text, why no place): spellings that are common words; katakana names inside katakana words.
NOT_PLACES = [
    ("偽ブランドのアクセサリーを国境の向こうから持ち込んでる", "アクセサリー is not サリー"),
    ("ブレインストーミングで決めた", "ブレインストーミング is not ブレイン"),
    ("یه سری آدم از مرز رد شدن", "Persian سری (a bunch of) is not Surrey"),
    ("서리가 내린 밤에 국경 근처에서 차를 봤어요", "서리 (frost) is not Surrey"),
    ("我们公司参加来自美国的展会", "参加来 is not 加来 (Calais is no alias)"),
    ("в кале нашли следы наркотиков", "кале is not Calais"),
    ("تم تهريب السجائر بشاحنة", "no place"),
]


@pytest.mark.parametrize(("text", "why"), NOT_PLACES)
def test_common_words_are_not_places(gazetteer: Gazetteer, text: str, why: str) -> None:
    assert gazetteer.find_places(text) == [], why


@pytest.mark.parametrize(
    ("haystack", "phrase", "kana_words", "found"),
    [
        ("アクセサリーを売る", "サリー", True, False),
        ("サリーで見た", "サリー", True, True),
        ("昨日サリー", "サリー", True, True),
        ("ナイアガラの滝", "ナイアガラ", True, True),
        ("ノースバンクーバーで", "バンクーバー", True, False),
        ("モーターボートで", "ボート", False, True),  # the water lexicon keeps finding ボート
        ("我在底特律看到", "底特律", True, True),  # Han is not katakana: still found inside
    ],
)
def test_a_katakana_name_is_a_katakana_word(haystack: str, phrase: str, kana_words: bool,
                                            found: bool) -> None:
    starts = list(phrase_starts(normalise(haystack), normalise(phrase), kana_words=kana_words))
    assert bool(starts) is found


# (language, text in a province, side): "in <province/state>" in each language.
REGION_SENTENCES = [
    ("ru", "Склад с оружием находится в Мичигане, недалеко от границы", "US"),
    ("ru", "в Онтарио на ферме держат рабочих без документов", "CA"),
    ("uk", "Зброю ховають на складі у Вермонті", "US"),
    ("uk", "у Британській Колумбії хтось переправляє людей", "CA"),
    ("ar", "في مستودع أسلحة في ميشيغان قرب الحدود", "US"),
    ("ar", "في مزرعة في أونتاريو بيشغلوا عمال بلا أوراق", "CA"),
    ("fa", "انبار اسلحه در میشیگان نزدیک مرزه", "US"),
    ("fa", "تو کبک یه گروه آدم رد میکنه", "CA"),
    ("ur", "اونٹاریو میں ایک گودام میں سگریٹ چھپاتے ہیں", "CA"),
    ("ur", "نیویارک میں ایک ایجنٹ پاسپورٹ رکھتا ہے", "US"),
    ("hi", "मिशिगन में एक गोदाम है जहाँ बंदूकें रखते हैं", "US"),
    ("hi", "ओंटारियो में एक फ़ार्म पर मज़दूर बंद हैं", "CA"),
    ("pa", "ਓਨਟਾਰੀਓ ਵਿੱਚ ਇੱਕ ਗੋਦਾਮ ਵਿੱਚ ਨਕਲੀ ਸਿਗਰਟਾਂ", "CA"),
    ("pa", "ਨਿਊਯਾਰਕ 'ਚ ਇੱਕ ਏਜੰਟ ਬੈਠਾ ਹੈ", "US"),
    ("ko", "미시간주에서 밤마다 보트가 강을 건너요", "US"),
    ("ko", "퀘벡에서 사람들을 국경으로 태워다 줘요", "CA"),
    ("zh", "在密歇根有个仓库专门藏枪", "US"),
    ("zh", "在魁北克有人收钱带人过境", "CA"),
    ("ja", "ミシガン州で銃を買って持ち込んでる", "US"),
    ("ja", "ケベック州で人を集めて国境まで運んでる", "CA"),
]


@pytest.mark.parametrize(("language", "text", "side"), REGION_SENTENCES)
def test_a_province_or_state_states_the_side(gazetteer: Gazetteer, language: str, text: str,
                                             side: str) -> None:
    assert gazetteer.stated_side(text) == side
    assert gazetteer.resolve([text]).side == side


@pytest.mark.parametrize("text", ["在安大略湖上有船", "온타리오호에서 보트를 봤어요",
                                  "オンタリオ湖でボートを見た", "на озере Онтарио лодка",
                                  "جھیل ایری میں کشتی", "لوگ ورمونٹ سے سامان لاتے ہیں",
                                  "люди везут ящики водки из Вермонта"])
def test_a_lake_or_a_place_of_origin_states_no_side(gazetteer: Gazetteer, text: str) -> None:
    # Lake Ontario is on both sides; "from Vermont" is where goods came from
    assert gazetteer.stated_side(text) is None


@pytest.mark.parametrize(
    ("category", "text", "queue"),
    [
        ("human_smuggling", "Мужик переводит людей через лес у Стэнстеда", "RCMP"),
        ("human_smuggling", "ਸਵੀਟਗ੍ਰਾਸ ਤੋਂ ਟਰੱਕ ਵਿੱਚ ਬੰਦੇ ਲੰਘਾਉਂਦੇ ਨੇ", "USBP"),
        ("weapons_smuggling", "في ناس بتبيع مسدسات بوندسور", "RCMP"),
        ("weapons_smuggling", "시애틀에서 총을 사서 트럭에 숨겨요", "HSI"),
        ("drug_smuggling", "在圣劳伦斯河上有船卸货", "IBET_JOINT"),
    ],
)
def test_the_router_sends_the_tip_to_the_queue_of_its_side(gazetteer: Gazetteer, category: str,
                                                           text: str, queue: str) -> None:
    router = Router(RoutingTable.load(DATA / "routing" / "rules.yml"), gazetteer,
                    Lexicon.load(DATA / "routing" / "lexicon.yml"))
    assert router.route(category, [text]).queue == queue
