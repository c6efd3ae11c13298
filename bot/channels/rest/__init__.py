"""REST channel (tests, benchmarks, integrations): Rasa's REST input made durable.

``bot.channels.rest.DurableRestInput`` is the name to use in credentials.yml; its path
stays ``/webhooks/rest/webhook``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["DurableRestInput"]


def __getattr__(name: str) -> Any:  # imported lazily: Rasa is only needed by the channel
    if name == "DurableRestInput":
        from bot.channels.rest.channel import DurableRestInput

        return DurableRestInput
    raise AttributeError(name)
