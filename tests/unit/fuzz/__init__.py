"""Property-based tests (hypothesis) of what reads hostile input: payloads, gazetteer, segmenter,
rules loader."""
