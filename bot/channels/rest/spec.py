"""The REST channel as the rest of the tip line sees it (bot/channels/spec.py)."""

from bot.channels.spec import ChannelLimits, ChannelSpec

SPEC = ChannelSpec(
    name="rest",
    input_name="rest",  # Rasa's REST path, as before: /webhooks/rest/webhook
    input_class="bot.channels.rest.DurableRestInput",
    label="REST",
    limits=ChannelLimits(max_chars="rest_max_chars", rate_limit="rest_rate_limit"),
    sender=None,  # the caller gets the replies in the HTTP answer; officers cannot write
    production=False,  # unauthenticated: never in docker/credentials.prod.yml
)
