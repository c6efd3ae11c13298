"""The border tip line: everything that is not a Rasa action."""
