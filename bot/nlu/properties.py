"""Names of the message properties set by the tip line's NLU components (see architecture)."""

LANGUAGE = "language"
LANGUAGE_CONFIDENCE = "language_confidence"
LANGUAGE_RELIABLE = "language_reliable"
ORIGINAL_TEXT = "original_text"
TRANSLATED_TEXT = "translated_text"
TRANSLATION_STATUS = "translation_status"
