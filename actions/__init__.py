"""Custom actions of the tip line: thin rasa_sdk wrappers around ``bot``."""
