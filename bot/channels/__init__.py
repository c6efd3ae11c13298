"""Input channels of the Rasa server, one package per channel, all of the same shape.

Each channel package (``bot/channels/<name>/``) holds:

* ``channel.py``: the Rasa ``InputChannel`` (named in credentials.yml), a thin adapter;
* ``gateway.py``: the channel's work, independent of Sanic (testable without Rasa):
  authenticate, store the inbound message first (idempotent on the provider's id), answer
  fast, then run the bot turn in the background with the contact hash as sender id;
* ``sender.py``: outbound delivery, registered with ``bot.outbound.register_sender``;
* ``store.py``: what the channel persists; plus channel-specific helpers.

Every channel stores each inbound message through the shared inbox (``bot/inbox/``)
before its turn: per-sender drains run the turns, a message counts as done only once the
actions marked its effect durable, else it is retried (docs/reliability.md). A channel
supplies the inbox worker's handler (``turns.py``: run a stored message's turn, deliver
its replies, the ``delayed`` notice).

Channel names map to the contract's channel names (docs/contract.md) in
``bot.conversation.CHANNEL_NAMES``.
"""
