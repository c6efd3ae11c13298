"""REST channel (tests, benchmarks, integrations): Rasa's REST input made durable.

``SPEC`` (spec.py) describes the channel to the rest of the tip line; its input class,
``bot.channels.rest.DurableRestInput``, is the name in credentials.yml; its path
stays ``/webhooks/rest/webhook``.
"""

from __future__ import annotations

from typing import Any

from bot.channels.rest.spec import SPEC

__all__ = ["SPEC", "DurableRestInput"]


def __getattr__(name: str) -> Any:  # imported lazily: Rasa is only needed by the channel
    if name == "DurableRestInput":
        from bot.channels.rest.channel import DurableRestInput

        return DurableRestInput
    raise AttributeError(name)
