"""Privacy of tipsters: keyed hashes, reversible encryption of addresses, log redaction."""
