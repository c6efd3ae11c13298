"""Durable intake shared by every channel: stored first, run, marked, retried (docs/reliability.md).

* ``text``: the one place where inbound text is made storable (lone surrogates, NUL);
* ``store``: the ``inbound_messages`` table (parameterised SQL), leases and back-off;
* ``marks``: the mark a turn's first custom action leaves on its message (action server);
* ``group_commit``: webhooks accepted together, one transaction and one commit per batch;
* ``probe`` and ``agent``: what Rasa did in a turn (failed action calls, the tracker);
* ``turn``: one attempt at a stored message's turn; ``worker``: per-sender drains;
* ``limits``: size and rate limits per channel; ``recovery``: the periodic job's work.
"""
