"""Answers to what residents ask before they report, from data/awareness/ (docs/awareness.md)."""
