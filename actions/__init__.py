"""Custom actions of the tip line: thin rasa_sdk wrappers around ``bot``.

Importing the package validates the deployment's configuration (routing rules, gazetteer,
lexicons), so an action server with a bad rules file refuses to start and says why, and
reads the reply catalogues once, at start, not during the first tipster's turn.
"""

from bot.awareness.catalogue import get_awareness
from bot.messages import get_catalog
from bot.routing.router import get_router

get_router()
get_awareness()  # data/awareness/ is checked too (docs/awareness.md)
get_catalog()
