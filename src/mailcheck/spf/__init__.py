"""SPF (RFC 7208) for the `spf.*` rules and `mailcheck spf`.

`record` selects and parses a domain's SPF record term by term; `tree` walks the include/redirect
tree through the run's resolver and counts the DNS lookups of the static worst case; `checkhost`
runs RFC 7208 `check_host()` (pyspf) over the same resolver; `advice` writes the corrected records
that the rules give as fixes; `view` shows a tree to people (rich) and machines (dict).
"""
