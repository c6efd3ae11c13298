"""Input channels of the Rasa server, one package per channel, all of the same shape.

Each channel package (``bot/channels/<package>/``: twilio, webchat, rest) holds:

* ``spec.py``: ``SPEC``, the channel described once (bot/channels/spec.py): its stored
  name, Rasa input name, input class, sender, tables and limits;
* ``__init__.py``: exposes ``SPEC`` and, lazily (Rasa is only needed by the channel), the
  input class that credentials.yml names;
* ``channel.py``: the Rasa ``InputChannel`` (routes, start, stop): each message is checked
  (signature, origin or fields; the SPEC's limits), stored in the shared inbox
  (``bot/inbox/``; idempotent on the provider's id) and answered fast, by the channel or
  a helper of its package (SMS: ``gateway.py``);
* ``turns.py``: the inbox worker's handler: run a stored message's turn (sender id = the
  channel's contact key), deliver its replies, the ``delayed`` notice. A message counts as
  done only once the actions marked its effect durable, else it is retried
  (docs/reliability.md);
* ``sender.py``, if officers can answer on the channel (``SPEC.sender``): outbound
  delivery, found by ``bot.outbound.sender_for`` in any process;
* ``store.py``, if the channel has tables of its own (``SPEC.models``), with their
  migration in bot/store/migrations/versions/;
* channel-specific helpers (SMS: ``gateway.py`` webhook acceptance, ``drains.py`` per-sender
  worker and recovery, signatures, keywords, segments, media; web chat: socket.io, origins,
  pages, outbox delivery).

Its unit tests are in tests/unit/channels/<package>/. The list of channels is
``bot.channels.registry.CHANNELS``: stored channel values, ``bot.conversation.channel_of``,
senders, the modules with tables and the inbox limits derive from it, and
tests/unit/channels/test_registry.py checks it against both credentials files.
"""
