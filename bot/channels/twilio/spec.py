"""The SMS channel as the rest of the tip line sees it (bot/channels/spec.py)."""

from bot.channels.spec import ChannelLimits, ChannelSpec

SPEC = ChannelSpec(
    name="sms",
    input_name="tipline_twilio",  # webhook: /webhooks/tipline_twilio/webhook
    input_class="bot.channels.twilio.TwilioTipChannel",
    label="SMS",
    # its rate limit is TIPLINE_TWILIO_RATE_LIMIT (TwilioSettings), applied by the gateway
    limits=ChannelLimits(max_chars="sms_max_chars"),
    # through the background jobs, which retry a failed reply (bot/jobs/sms.py)
    sender="bot.jobs.sms:officer_sender",
    # delivery reports of officers' replies (SMS and WhatsApp): reports.py, migration 0014
    models=("bot.channels.twilio.store", "bot.channels.twilio.reports"),
)
