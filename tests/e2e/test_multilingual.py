"""Every community language end to end, translation off: real Rasa, action server, SQLite.

A tip in each of the 21 languages is stored with its category and queue and answered in
its language (REST and SMS); urgent tips get the 911 advice first; short answers in other
languages fill the form; a message the NLU cannot place is stored, never dropped.
"""

from __future__ import annotations

import uuid

import pytest

from bot.messages import get_catalog
from harness.db import TipsDb
from harness.fakes.twilio_api import FakeTwilioApi
from harness.replies import all_in
from harness.servers import TipLineStack
from tests.e2e.test_sms import Sms, number

# language, category, queue (side from the place named), tip written natively
TIPS = [
    ("en", "drug_smuggling", "RCMP",
     "two guys hid bags of cocaine in the spare tire of a pickup near Lacolle"),
    ("fr", "human_smuggling", "USBP",
     "un passeur fait traverser des familles a pied par la foret a Derby Line contre de l'argent"),
    ("es", "contraband", "CBP",
     "un camion lleno de cigarrillos sin declarar cruza cada semana por Blaine"),
    ("pt", "weapons_smuggling", "RCMP",
     "um homem esta levando pistolas escondidas no carro para Surrey, do lado canadense"),
    ("de", "drug_smuggling", "HSI",
     "jemand schmuggelt Kokain in Lastwagen nach Detroit, auf der amerikanischen Seite"),
    ("it", "human_trafficking", "RCMP",
     "a Windsor tengono delle ragazze chiuse in una casa e gli hanno preso i passaporti"),
    ("nl", "contraband", "CBSA",
     "ze smokkelen sloffen sigaretten zonder aangifte naar Sarnia aan de Canadese kant"),
    ("ar", "human_smuggling", "USBP",
     "مهرب يأخذ المال من العائلات ليعبر بهم الحدود مشياً إلى بلين في أمريكا"),
    ("zh", "cybercrime", "IBET_JOINT",
     "有人在微信上冒充边境官员，要求大家转账才能办签证，这是诈骗"),
    ("ru", "weapons_smuggling", "HSI",
     "через границу в Детройт везут оружие, спрятанное в грузовике"),
    ("uk", "drug_smuggling", "RCMP",
     "сусід перевозить наркотики через кордон у Сарнію на канадській стороні"),
    ("pa", "human_trafficking", "RCMP",
     "ਸਰੀ ਵਿੱਚ ਕੁਝ ਕੁੜੀਆਂ ਨੂੰ ਘਰ ਵਿੱਚ ਬੰਦ ਕਰਕੇ ਰੱਖਿਆ ਹੈ, ਉਨ੍ਹਾਂ ਦੇ ਪਾਸਪੋਰਟ ਖੋਹ ਲਏ ਹਨ"),
    ("hi", "drug_smuggling", "RCMP",
     "एक ट्रक ड्राइवर हर हफ्ते ट्रक में छिपाकर ड्रग्स सरी लाता है"),
    ("ur", "human_smuggling", "USBP",
     "ایک ایجنٹ پیسے لے کر لوگوں کو جنگل کے راستے بلین امریکہ پہنچاتا ہے"),
    ("tl", "contraband", "CBSA",
     "may nagpupuslit ng kahon-kahong sigarilyo at alak na hindi dineklara sa customs "
     "papuntang Windsor sa canada side"),
    ("vi", "drug_smuggling", "HSI",
     "co nguoi giau ma tuy trong xe tai roi cho qua bien gioi sang Detroit ben My"),
    ("ko", "weapons_smuggling", "RCMP",
     "누군가 트럭에 총을 숨겨서 국경을 넘어 캐나다 쪽 써리로 가져가고 있어요"),
    ("ja", "human_smuggling", "USBP",
     "お金を取って人々を森から歩かせてアメリカ側のブレインへ密入国させている男がいます"),
    ("pl", "contraband", "CBP",
     "przemycaja niezadeklarowany alkohol i papierosy ciezarowka do Blaine "
     "po stronie amerykanskiej"),
    ("so", "drug_smuggling", "RCMP",
     "nin ayaa daroogo iyo maandooriye ka iibiya Surrey, wuxuu ka keenaa xuduudda dhanka Kanada"),
    ("fa", "human_trafficking", "RCMP",
     "در Surrey چند زن را در خانه ای زندانی کرده اند و پاسپورتشان را گرفته اند"),
]

# urgent tips in other languages: language, tip
URGENT = [
    ("pa", "ਹੁਣੇ ਇੱਕ ਬੰਦੇ ਕੋਲ ਬੰਦੂਕ ਹੈ ਤੇ ਉਹ ਲੋਕਾਂ ਨੂੰ ਧਮਕਾ ਰਿਹਾ ਹੈ, ਜਲਦੀ ਮਦਦ ਕਰੋ"),
    ("hi", "अभी इसी वक्त एक लड़की को ट्रक में बंद करके ले जा रहे हैं, मदद करो"),
    ("ar", "الآن رجل يحمل سلاحاً ويهدد الناس عند المعبر، ساعدونا بسرعة"),
    ("zh", "现在有人在河边被关在车里，他们有枪，快来救命"),
    ("ru", "прямо сейчас девушку держат в подвале против её воли, помогите"),
    ("pt", "agora mesmo estao atravessando o rio com criancas num bote, socorro"),
    ("tl", "tulong po, may babae na nakakulong ngayon sa van at may baril sila"),
]

SHORT_ANSWERS = [("pa", "ਪਤਾ ਨਹੀਂ"), ("zh", "不知道"), ("ar", "لا أعرف"), ("ru", "не знаю")]


def sender() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="module")
def db(sqlite_stack: TipLineStack) -> TipsDb:
    return TipsDb(sqlite_stack.env["TIPLINE_DATABASE_URL"])


# Somali category accuracy is the weakest (7/12 on the held-out tips, docs/benchmarks.md):
# this tip is stored and answered in Somali but its category is not reliably right yet.
KNOWN_WEAK = {"so": "Somali tips are often misclassified (issue 8 stays open)"}


def _tip_params() -> list:
    return [pytest.param(*tip, id=tip[0], marks=pytest.mark.xfail(reason=KNOWN_WEAK[tip[0]],
                                                                  strict=False))
            if tip[0] in KNOWN_WEAK else pytest.param(*tip, id=tip[0]) for tip in TIPS]


@pytest.mark.parametrize(("language", "category", "queue", "text"), _tip_params())
def test_a_tip_in_every_language_is_routed_and_answered_in_it(
    sqlite_stack: TipLineStack, db: TipsDb, language: str, category: str, queue: str,
    text: str,
) -> None:
    who = sender()
    replies = sqlite_stack.say(who, text)
    [tip] = db.tips_of(who)
    assert (tip.language, tip.category, tip.queue) == (language, category, queue), replies
    assert tip.original_text == text  # understood from the original: no translation first
    ok, wrong = all_in(language, replies)
    assert ok, wrong
    catalog = get_catalog()  # the reference, or the form asking for what is missing
    assert tip.reference in " ".join(replies) or {
        catalog.render("ask_time", language), catalog.render("ask_location", language)
    } & set(replies), replies


@pytest.mark.parametrize(("language", "text"), URGENT, ids=[u[0] for u in URGENT])
def test_an_urgent_tip_gets_the_911_advice_first_in_its_language(
    sqlite_stack: TipLineStack, db: TipsDb, language: str, text: str,
) -> None:
    who = sender()
    replies = sqlite_stack.say(who, text)
    assert replies[0] == get_catalog().render("emergency", language), replies
    [tip] = db.tips_of(who)
    assert tip.urgency == "high"
    assert tip.category != "unknown"  # urgent tips keep a real category


@pytest.mark.parametrize(("language", "answer"), SHORT_ANSWERS,
                         ids=[s[0] for s in SHORT_ANSWERS])
def test_a_short_answer_in_another_language_fills_the_form(
    sqlite_stack: TipLineStack, db: TipsDb, language: str, answer: str,
) -> None:
    who = sender()
    text = next(t for lang, _, _, t in TIPS if lang == language)
    first = sqlite_stack.say(who, text)
    catalog = get_catalog()
    asked_time = catalog.render("ask_time", language) in first
    if not asked_time:  # the place was unknown: the form asks for it first
        assert catalog.render("ask_location", language) in first, first
        second = sqlite_stack.say(who, answer)
        assert catalog.render("ask_time", language) in second, second
    last = sqlite_stack.say(who, answer)
    [tip] = db.tips_of(who)
    assert catalog.render("tip_received", language, reference=tip.reference) in last, last


def test_a_vague_message_in_another_language_is_kept_never_dropped(sqlite_stack: TipLineStack,
                                                           db: TipsDb) -> None:
    who = sender()
    text = "ਕੱਲ੍ਹ ਰਾਤ ਨੂੰ ਖੇਤ ਦੇ ਪਿੱਛੇ ਕੁਝ ਅਜੀਬ ਚੀਜ਼ ਹੋਈ, ਮੈਨੂੰ ਸਮਝ ਨਹੀਂ ਆਈ ਕੀ ਸੀ"
    replies = sqlite_stack.say(who, text)
    [tip] = db.tips_of(who)
    assert tip.original_text == text and tip.language == "pa"
    ok, wrong = all_in("pa", replies)
    assert ok, wrong


SMS_TIPS = [t for t in TIPS if t[0] in ("pa", "ar", "ko")]


@pytest.mark.parametrize(("language", "category", "queue", "text"), SMS_TIPS,
                         ids=[t[0] for t in SMS_TIPS])
def test_an_sms_tip_in_another_script_is_routed_and_answered_in_it(
    sqlite_stack: TipLineStack, fake_twilio: FakeTwilioApi, language: str, category: str,
    queue: str, text: str,
) -> None:
    sms = Sms(sqlite_stack, fake_twilio)
    phone = number()
    replies = sms.say(phone, text)
    [tip] = sms.tips(phone)
    assert (tip.channel, tip.language, tip.category, tip.queue) == ("sms", language, category,
                                                                    queue)
    # a long reply arrives in SMS segments: the catalogue messages are in the joined text
    joined = " ".join(" ".join(replies).split())
    catalog = get_catalog()
    expected = [catalog.render(key, language, reference=tip.reference)
                for key in ("tip_received", "ask_time", "ask_location", "emergency")]
    assert any(" ".join(m.split()) in joined for m in expected), replies


def test_a_somali_tip_is_stored_and_answered_in_somali(sqlite_stack: TipLineStack,
                                                        db: TipsDb) -> None:
    who = sender()
    text = next(t for lang, _, _, t in TIPS if lang == "so")
    replies = sqlite_stack.say(who, text)
    [tip] = db.tips_of(who)
    assert (tip.language, tip.original_text) == ("so", text)
    ok, wrong = all_in("so", replies)
    assert ok, wrong
