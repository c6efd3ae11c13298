"""Routing of tips to agency queues: rules table, border gazetteer and lexicons."""
