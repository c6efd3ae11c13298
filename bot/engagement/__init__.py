"""Anonymous feedback after a tip and community surveys (docs/engagement.md)."""
