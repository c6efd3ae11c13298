"""The TwiML the voice line answers with, built with the twilio package's VoiceResponse.

Every URL given to Twilio is a path of this channel with the call's state in its query
(``lang``, ``step``, ``page``, ``tries``, ``polls``): Twilio signs the URL it calls, query
included, so the state comes back as it was given, on any replica, without a table.
"""

from __future__ import annotations

from typing import Any, Iterable, Optional
from urllib.parse import urlencode

from twilio.twiml.voice_response import Gather, VoiceResponse

from bot.channels.voice.languages import NEXT_PAGE, VoiceLanguages, VoicePrompts
from bot.channels.voice.spec import SPEC

BASE_PATH = f"/webhooks/{SPEC.input_name}/"
MENU_TIMEOUT = 6  # seconds of silence before the menu is read again
HOLD_PAUSE = 1  # seconds of silence between "one moment" and the next poll


def url(route: str, **state: Any) -> str:
    """The absolute path of ``route`` with the call's state (Twilio resolves it against the
    URL it called: same scheme and host)."""
    query = urlencode({k: v for k, v in state.items() if v is not None})
    return f"{BASE_PATH}{route}" + (f"?{query}" if query else "")


class TwimlBuilder:
    """Builds each answer of the call flow (docs/voice.md, "The call")."""

    def __init__(self, languages: VoiceLanguages, prompts: VoicePrompts, *,
                 speech_timeout: str = "auto", record_seconds: int = 120) -> None:
        self.languages = languages
        self.prompts = prompts
        self.speech_timeout = speech_timeout
        self.record_seconds = record_seconds

    def say(self, node: Any, text: str, lang: str) -> None:
        voice = self.languages.voice(lang)
        node.say(text, language=voice.say, voice=voice.voice or None)

    def prompt(self, node: Any, key: str, lang: str) -> None:
        self.say(node, self.prompts.render(key, lang), lang)

    def menu(self, page: int = 0, tries: int = 0) -> str:
        """Menu page ``page``: each language's line in that language; 0 for the next page,
        said in the next page's languages (page 0: in its own)."""
        response = VoiceResponse()
        number = page % len(self.languages.pages)
        gather = Gather(input="dtmf", num_digits=1, timeout=MENU_TIMEOUT,
                        action=url("language", page=number), method="POST")
        for lang in self.languages.page(number):
            self.prompt(gather, "menu", lang)
        if len(self.languages.pages) > 1:
            told = self.languages.page(number if number == 0 else number + 1)
            for lang in told:
                self.prompt(gather, "others", lang)
        response.append(gather)
        response.redirect(url("menu", page=number, tries=tries + 1), method="POST")
        return str(response)

    def listen(self, lang: str, step: int, texts: Iterable[str] = (),
               prompt: Optional[str] = None) -> str:
        """Say ``texts``, then listen for speech (``prompt`` said while listening); silence
        goes to the ``silence`` route."""
        response = VoiceResponse()
        for text in texts:
            self.say(response, text, lang)
        gather = Gather(input="speech", language=self.languages.voice(lang).speech,
                        speech_timeout=self.speech_timeout, action_on_empty_result=False,
                        action=url("speech", lang=lang, step=step), method="POST")
        if prompt:
            self.prompt(gather, prompt, lang)
        response.append(gather)
        response.redirect(url("silence", lang=lang, step=step), method="POST")
        return str(response)

    def hold(self, lang: str, step: int, polls: int) -> str:
        """"Saved, one moment", then Twilio asks again (the ``wait`` route)."""
        response = VoiceResponse()
        self.prompt(response, "wait", lang)
        response.pause(length=HOLD_PAUSE)
        response.redirect(url("wait", lang=lang, step=step, polls=polls), method="POST")
        return str(response)

    def record(self, lang: str) -> str:
        """Nothing was heard: offer a recorded message, transcribed by Twilio."""
        response = VoiceResponse()
        self.prompt(response, "didnt_hear", lang)
        self.prompt(response, "record", lang)
        response.record(action=url("recorded", lang=lang), method="POST",
                        max_length=self.record_seconds, finish_on_key="#", play_beep=True,
                        timeout=5, transcribe=True,
                        transcribe_callback=url("transcription", lang=lang))
        return self.goodbye(lang, response=response)

    def goodbye(self, lang: str, *keys: str, texts: Iterable[str] = (),
                response: Optional[VoiceResponse] = None) -> str:
        """Say ``texts`` and the prompts ``keys``, then goodbye, and hang up."""
        response = response or VoiceResponse()
        for text in texts:
            self.say(response, text, lang)
        for key in (*keys, "goodbye"):
            self.prompt(response, key, lang)
        response.hangup()
        return str(response)


def empty() -> str:
    """The answer to a callback that plays nothing (transcriptions)."""
    return str(VoiceResponse())


__all__ = ["NEXT_PAGE", "TwimlBuilder", "empty", "url"]
