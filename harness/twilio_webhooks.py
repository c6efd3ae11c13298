"""Incoming SMS/MMS as Twilio posts them: the form, its signature, the POST, media URLs.

``TwilioWebhooks`` builds the form Twilio posts for an incoming SMS/MMS (or a status
callback of an outbound message: ``status_form``), signs it with the
``twilio`` package's RequestValidator exactly as Twilio does (URL + sorted parameters,
HMAC-SHA1 with the auth token) and posts it to the tip line.
"""

from __future__ import annotations

import secrets
from typing import Dict, List, Optional, Sequence, Tuple

import requests
from twilio.request_validator import RequestValidator

from harness.twilio_account import ACCOUNT_SID, AUTH_TOKEN, TIP_LINE_NUMBER


def new_sid(prefix: str = "SM") -> str:
    return prefix + secrets.token_hex(16)


class TwilioWebhooks:
    """Posts incoming-message webhooks to the tip line, signed like Twilio."""

    def __init__(self, post_url: str, auth_token: str = AUTH_TOKEN,
                 signed_url: Optional[str] = None, account_sid: str = ACCOUNT_SID,
                 to_number: str = TIP_LINE_NUMBER) -> None:
        self.post_url = post_url
        self.signed_url = signed_url or post_url
        self.validator = RequestValidator(auth_token)
        self.account_sid = account_sid
        self.to_number = to_number
        self.session = requests.Session()

    def form(self, from_: str, body: Optional[str], sid: Optional[str] = None,
             media: Sequence[Tuple[str, str]] = ()) -> Dict[str, str]:
        """The parameters Twilio posts for an incoming SMS (MMS with ``media``)."""
        sid = sid or new_sid("MM" if media else "SM")
        params = {
            "ToCountry": "CA", "ToState": "QC", "SmsMessageSid": sid, "NumMedia": str(len(media)),
            "ToCity": "", "FromZip": "", "SmsSid": sid, "FromState": "QC", "SmsStatus": "received",
            "FromCity": "", "FromCountry": "CA", "To": self.to_number, "ToZip": "",
            "NumSegments": "1", "MessageSid": sid, "AccountSid": self.account_sid,
            "From": from_, "ApiVersion": "2010-04-01",
        }
        if body is not None:
            params["Body"] = body
        for index, (url, content_type) in enumerate(media):
            params[f"MediaUrl{index}"] = url
            params[f"MediaContentType{index}"] = content_type
        return params

    def sign(self, params: Dict[str, str], url: Optional[str] = None) -> str:
        return self.validator.compute_signature(url or self.signed_url, params)

    def post(self, params: Dict[str, str], signature: Optional[str] = "sign",
             url: Optional[str] = None, timeout: float = 20) -> requests.Response:
        """POST ``params``; ``signature="sign"`` signs them, None sends no signature."""
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "User-Agent": "TwilioProxy/1.1", "I-Twilio-Idempotency-Token": new_sid("")}
        if signature == "sign":
            signature = self.sign(params, url)
        if signature is not None:
            headers["X-Twilio-Signature"] = signature
        return self.session.post(self.post_url, data=params, headers=headers, timeout=timeout)

    def status_form(self, sid: str, status: str, to: str,
                    error_code: Optional[int] = None) -> Dict[str, str]:
        """The parameters Twilio posts to a status callback URL for an outbound message."""
        params = {"SmsSid": sid, "SmsStatus": status, "MessageStatus": status, "To": to,
                  "MessageSid": sid, "AccountSid": self.account_sid, "From": self.to_number,
                  "ApiVersion": "2010-04-01"}
        if error_code is not None:
            params["ErrorCode"] = str(error_code)
        return params

    def send(self, from_: str, body: Optional[str], media: Sequence[Tuple[str, str]] = (),
             sid: Optional[str] = None) -> Tuple[requests.Response, str]:
        """One signed incoming message; (response, MessageSid)."""
        params = self.form(from_, body, sid, media)
        return self.post(params), params["MessageSid"]


def media_urls(count: int, account_sid: str = ACCOUNT_SID) -> List[Tuple[str, str]]:
    """Media URLs shaped like Twilio's, with content types."""
    message = new_sid("MM")
    return [(f"https://api.twilio.com/2010-04-01/Accounts/{account_sid}/Messages/{message}/"
             f"Media/{new_sid('ME')}", "image/jpeg") for _ in range(count)]
