"""The web chat channel as the rest of the tip line sees it (bot/channels/spec.py)."""

from bot.channels.spec import ChannelLimits, ChannelSpec

SPEC = ChannelSpec(
    name="webchat",
    input_name="tipline_webchat",
    input_class="bot.channels.webchat.WebChatChannel",
    label="web chat",
    limits=ChannelLimits(max_chars="webchat_max_chars", rate_limit="webchat_rate_limit"),
    sender="bot.channels.webchat.sender:officer_sender",
    models=("bot.channels.webchat.store",),
)
