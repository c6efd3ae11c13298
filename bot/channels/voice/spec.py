"""The voice line (Twilio Voice) as the rest of the tip line sees it (bot/channels/spec.py)."""

from bot.channels.spec import ChannelLimits, ChannelSpec

SPEC = ChannelSpec(
    name="voice",
    input_name="tipline_voice",  # webhooks: /webhooks/tipline_voice/call, ... (docs/voice.md)
    input_class="bot.channels.voice.VoiceTipChannel",
    label="voice",
    # a spoken turn or a transcription is short; a caller's pace is far below web chat's
    limits=ChannelLimits(max_chars="webchat_max_chars", rate_limit="webchat_rate_limit"),
    sender=None,  # nobody to call back: the caller's number is not kept (docs/voice.md)
)
