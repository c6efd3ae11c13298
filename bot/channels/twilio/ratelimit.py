"""The SMS channel's rate limit: the inbox's per-sender limit (bot/inbox/ratelimit.py)."""

from bot.inbox.ratelimit import NAMESPACE, SenderRateLimit

__all__ = ["NAMESPACE", "SenderRateLimit"]
