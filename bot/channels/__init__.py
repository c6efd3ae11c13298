"""Input channels of the Rasa server, one package per channel, all of the same shape.

Each channel package (``bot/channels/<name>/``) holds:

* ``channel.py``: the Rasa ``InputChannel`` (named in credentials.yml), a thin adapter;
* ``gateway.py``: the channel's work, independent of Sanic (testable without Rasa):
  authenticate, store the inbound message first (idempotent on the provider's id), answer
  fast, then run the bot turn in the background with the contact hash as sender id;
* ``sender.py``: outbound delivery, registered with ``bot.outbound.register_sender``;
* ``store.py``: what the channel persists; plus channel-specific helpers.

Channel names map to the SPEC's channel names in ``bot.conversation.CHANNEL_NAMES``.
"""
