"""``X-Twilio-Signature`` validation with the twilio package's RequestValidator.

Twilio signs the URL it called (as configured in its console, scheme and host included)
followed by the sorted POST parameters, with HMAC-SHA1 keyed by the account's auth token.
Behind a proxy, the URL Rasa sees (http://10.0.0.5:5005/...) is not the one Twilio called
(https://tips.example.org/...): ``public_url`` gives the public one, either in full or as
a base to which the request's path is appended.

Several tokens may be given (comma-separated): during a rotation of the auth token,
requests signed with the old or the new one are accepted.
"""

from __future__ import annotations

from typing import Iterable, List, Mapping, Optional, Sequence, Union
from urllib.parse import urlsplit

from twilio.request_validator import RequestValidator

SIGNATURE_HEADER = "X-Twilio-Signature"
FormValues = Mapping[str, Union[str, Sequence[str]]]


class _Params(dict):
    """POST parameters with every value of a repeated field (RequestValidator's getlist)."""

    def getlist(self, name: str) -> List[str]:
        return list(self[name])


def _as_lists(params: FormValues) -> _Params:
    out = _Params()
    getlist = getattr(params, "getlist", None)
    for name in params:
        value = getlist(name) if getlist else params[name]
        out[name] = [value] if isinstance(value, str) else [str(v) for v in value]
    return out


def split_tokens(tokens: Union[str, Iterable[str]]) -> List[str]:
    """Auth tokens from "tok1,tok2" or a list; empty entries dropped."""
    items = tokens.split(",") if isinstance(tokens, str) else list(tokens)
    return [t.strip() for t in items if t and t.strip()]


class SignatureChecker:
    """Checks that a webhook request was signed by Twilio for this tip line."""

    def __init__(self, auth_tokens: Union[str, Iterable[str]], public_url: str = "") -> None:
        self._validators = [RequestValidator(t) for t in split_tokens(auth_tokens)]
        self.public_url = public_url.strip()

    @property
    def configured(self) -> bool:
        return bool(self._validators)

    def signed_url(self, request_url: str) -> str:
        """The URL Twilio signed for a request Rasa received at ``request_url``."""
        if not self.public_url:
            return request_url
        public = urlsplit(self.public_url)
        try:
            seen = urlsplit(request_url)
        except ValueError:  # a forged Host header ("[::1"): nothing of it is signed anyway
            seen = urlsplit("")
        path = public.path if public.path not in ("", "/") else seen.path
        query = public.query or seen.query
        url = f"{public.scheme}://{public.netloc}{path}"
        return f"{url}?{query}" if query else url

    def is_valid(self, request_url: str, params: FormValues, signature: Optional[str]) -> bool:
        """True if ``signature`` is Twilio's for this URL and these parameters."""
        if not signature or not self._validators:
            return False
        url = self.signed_url(request_url)
        values = _as_lists(params)
        try:
            return any(v.validate(url, values, signature) for v in self._validators)
        except ValueError:  # a URL Twilio cannot have called (port "abc" in a forged Host)
            return False
