"""The tip line running for real, for tests and benchmarks alike: start the stack (Rasa,
actions, gateway, console, web chat), sign webhooks, read the tips store, check replies."""
