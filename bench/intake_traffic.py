"""Traffic of bench/intake_load.py: tipsters' SMS conversations and web chat sessions.

A sender's conversation is rounds of four messages in its own language: a held-out tip
(bench/data/), an answer to "where?", an answer to "when?" and a follow-up ("one more
thing about my report..."). Texts are kept only if the model reads them as intended
(tips as a tip category, answers and follow-ups as anything but a tip or a fallback), so
the tips expected are known before the run: one per tip message.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import aiohttp
import socketio
import yaml

from harness.twilio import TwilioWebhooks, fake_number, new_sid
from harness.webchat import COMMUNITY_SITE

DATA = Path(__file__).parent / "data"
CATEGORIES = {"drug_smuggling", "human_trafficking", "human_smuggling", "weapons_smuggling",
              "contraband", "suspicious_activity", "cybercrime"}
NOT_AN_ANSWER = CATEGORIES | {"nlu_fallback", "greet", "goodbye", "thank", "ask_anonymity",
                              "ask_ibet", "ask_how_it_works", "check_status", "forget_me"}
# (where?, when?, follow-up) per language, written for this benchmark; a place answer is a
# few words naming a gazetteer place (bot/nlu/place_answer.py reads it as the answer).
ANSWERS: Dict[str, Tuple[List[str], List[str], List[str]]] = {
    "en": (["near Lacolle", "by the Stanstead crossing", "at Fort Erie"],
           ["last night around 11", "yesterday around 3 in the afternoon", "this morning at 6"],
           ["one more thing about my report, the van was dark blue",
            "forgot to add to my report, the plate started with GKT",
            "another detail on my tip, the driver had a red cap"]),
    "fr": (["pres de Lacolle", "a Stanstead", "au poste de Lacolle"],
           ["hier soir vers 23h", "hier vers 15h", "ce matin a 6h"],
           ["autre detail sur mon signalement, le camion etait bleu fonce",
            "j'ai oublie de dire qu'il y avait 3 personnes dans la camionnette",
            "je veux ajouter a mon signalement que le chauffeur avait une casquette rouge"]),
    "es": (["cerca de Blaine", "en Stanstead", "por Fort Erie"],
           ["anoche como a las 11", "ayer como a las 3 de la tarde", "hoy en la manana a las 6"],
           ["otro detalle de mi reporte, la camioneta era azul oscuro",
            "se me olvido decir en mi reporte que la camioneta era blanca",
            "quiero agregar a mi reporte que el chofer traia una gorra roja"]),
    "pt": (["perto de Lacolle", "em Stanstead"],
           ["ontem a noite por volta das 23h", "hoje de manha as 6"],
           ["mais um detalhe sobre a minha denuncia, a carrinha era azul escura",
            "esqueci de dizer que eram 3 pessoas no carro"]),
    "de": (["bei Emerson", "in Stanstead"],
           ["gestern Abend gegen 23 Uhr", "heute Morgen um 6"],
           ["noch ein Detail zu meinem Hinweis, der Transporter war dunkelblau",
            "ich habe vergessen zu sagen, dass drei Leute im Wagen waren"]),
}
KINDS = ("tip", "where", "when", "follow-up")


def held_out_tips() -> Dict[str, List[str]]:
    """Held-out tip texts by language (never used for training)."""
    tips: Dict[str, List[str]] = {}
    for name in ("heldout_tips.yml", "heldout_multilingual.yml"):
        for tip in yaml.safe_load((DATA / name).read_text(encoding="utf-8"))["tips"]:
            if tip["language"] in ANSWERS:
                tips.setdefault(tip["language"], []).append(tip["text"])
    return tips


def usable_texts(parse: Callable[[str], dict]) -> Dict[str, Dict[str, List[str]]]:
    """Per language and kind, the texts the model reads as intended (languages lacking
    one kind are dropped)."""
    def intent(text: str) -> str:
        return parse(text)["intent"]["name"]

    texts: Dict[str, Dict[str, List[str]]] = {}
    for language, tips in held_out_tips().items():
        where, when, follow = ANSWERS[language]
        kinds = {"tip": [t for t in tips if intent(t) in CATEGORIES],
                 "where": [t for t in where if intent(t) not in NOT_AN_ANSWER],
                 "when": [t for t in when if intent(t) not in NOT_AN_ANSWER],
                 "follow-up": [t for t in follow if intent(t) not in NOT_AN_ANSWER]}
        if all(kinds.values()):
            texts[language] = kinds
    return texts


def sms_scripts(texts: Dict[str, Dict[str, List[str]]], senders: int,
                messages: int) -> Dict[str, List[Tuple[str, str]]]:
    """(kind, text) messages of each sender (a fresh number, languages in turn): rounds of
    a tip, where, when and a follow-up."""
    languages = sorted(texts)

    def pick(i: int, kind: str, round_: int) -> str:
        own = texts[languages[i % len(languages)]][kind]
        return own[(i + round_) % len(own)]

    return {fake_number(): [(KINDS[n % 4], pick(i, KINDS[n % 4], n // 4))
                            for n in range(messages)] for i in range(senders)}


def chat_tips(texts: Dict[str, Dict[str, List[str]]], count: int) -> List[Tuple[str, str]]:
    """(tip, language) of each web chat session, languages in turn."""
    languages = sorted(texts)
    return [(texts[lang]["tip"][j % len(texts[lang]["tip"])], lang)
            for j, lang in ((j, languages[j % len(languages)]) for j in range(count))]


@dataclass
class SmsResults:
    """What the SMS clients saw: ack times, statuses, and each MessageSid's (sender, kind)."""

    acks: List[float] = field(default_factory=list)
    statuses: Dict[int, int] = field(default_factory=dict)
    sent: Dict[str, Tuple[str, str]] = field(default_factory=dict)
    wall: float = 0.0


async def sms_burst(hooks: TwilioWebhooks, scripts: Dict[str, List[Tuple[str, str]]],
                    in_flight: int) -> SmsResults:
    """Every sender's messages, in order, all senders at once, ``in_flight`` at most."""
    results = SmsResults()
    gate = asyncio.Semaphore(in_flight)
    started = time.perf_counter()
    connector = aiohttp.TCPConnector(limit=in_flight)
    async with aiohttp.ClientSession(connector=connector) as http:
        async def sender(phone: str, script: List[Tuple[str, str]]) -> None:
            for kind, text in script:
                params = hooks.form(phone, text)
                headers = {"X-Twilio-Signature": hooks.sign(params),
                           "User-Agent": "TwilioProxy/1.1",
                           "I-Twilio-Idempotency-Token": new_sid("")}
                async with gate:
                    t0 = time.perf_counter()
                    async with http.post(hooks.post_url, data=params, headers=headers,
                                         timeout=aiohttp.ClientTimeout(total=60)) as response:
                        await response.read()
                    results.acks.append(time.perf_counter() - t0)
                results.statuses[response.status] = results.statuses.get(response.status, 0) + 1
                results.sent[params["MessageSid"]] = (phone, kind)

        await asyncio.gather(*(sender(p, s) for p, s in scripts.items()))
    results.wall = time.perf_counter() - started
    return results


@dataclass
class ChatSession:
    """One resident's web chat: the session id and the time to the first bot reply."""

    url: str
    session_id: str = ""
    first_reply: float = float("nan")
    replies: List[str] = field(default_factory=list)
    sio: socketio.AsyncClient = field(default_factory=lambda: socketio.AsyncClient(
        reconnection=False))

    async def tip(self, text: str, language: str, timeout: float) -> None:
        confirmed, replied = asyncio.Event(), asyncio.Event()

        async def on_confirm(data: str) -> None:
            self.session_id = data
            confirmed.set()

        async def on_reply(data: dict) -> None:
            self.replies.append(data.get("text", ""))
            replied.set()

        self.sio.on("session_confirm", on_confirm)
        self.sio.on("bot_uttered", on_reply)
        await self.sio.connect(self.url, headers={"Origin": COMMUNITY_SITE},
                               transports=["polling", "websocket"])
        await self.sio.emit("session_request", {"session_id": None})
        await asyncio.wait_for(confirmed.wait(), timeout)
        t0 = time.perf_counter()
        await self.sio.emit("user_uttered", {"message": text, "session_id": self.session_id,
                                             "customData": {"language": language}})
        await asyncio.wait_for(replied.wait(), timeout)
        self.first_reply = time.perf_counter() - t0

    async def close(self) -> None:
        await self.sio.disconnect()


async def warm_up(hooks: TwilioWebhooks, url: str, texts: Dict[str, Dict[str, List[str]]]) -> None:
    """Three SMS tips and one web chat tip (not counted)."""
    for i, language in enumerate(sorted(texts)[:3]):
        await asyncio.to_thread(hooks.send, fake_number(), texts[language]["tip"][i])
    chat = ChatSession(url)
    await chat.tip(texts["en"]["tip"][0], "en", timeout=120)
    await chat.close()
