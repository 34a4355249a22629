"""BIMI (Brand Indicators for Message Identification): the assertion record a domain publishes
at `<selector>._bimi.<domain>` (`assertion`), and the SVG Tiny Portable/Secure logo it points
to, read with a bounded parser that never loads an entity or an external resource (`tinyps`).
Parsing only: the DNS question and the HTTPS fetch are the rule's."""
