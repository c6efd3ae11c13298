"""The WhatsApp channel as the rest of the tip line sees it (bot/channels/spec.py)."""

from bot.channels.spec import ChannelLimits, ChannelSpec

SPEC = ChannelSpec(
    name="whatsapp",
    input_name="tipline_whatsapp",  # webhook: /webhooks/tipline_whatsapp/webhook
    input_class="bot.channels.whatsapp.WhatsAppTipChannel",
    label="WhatsApp",
    # its rate limit is TIPLINE_WHATSAPP_RATE_LIMIT (WhatsAppSettings), applied by the gateway
    limits=ChannelLimits(max_chars="whatsapp_max_chars"),
    # within the 24-hour window, as a template, or held until the tipster writes (sender.py,
    # window.py), through the background jobs, which retry a failed reply (bot/jobs/sms.py)
    sender="bot.jobs.sms:officer_sender",
    models=("bot.channels.whatsapp.store",),
)
