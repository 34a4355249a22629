"""Sample messages: read once per run and shared by every message rule.

`sample` reads a file (size, raw header fields, a bounded parse of the body), `sample_store`
keeps the run's samples on the Context, `obligations` says which obligations a sample carries,
`listheaders` judges RFC 2369 fields on their raw value, `signatures` reads the DKIM-Signature
fields' tags and `text` extracts readable text.
"""
