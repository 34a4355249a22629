"""One module per command: `check`, `message`, `domain`, `spf`, `recheck`, `history`,
`deadlines`, `hygiene`, `rules` (with `explain`) and `schema`. The commands are the only code
that knows the command line's options; the modules starting with `_` are what several share:
the options (`_options`), writing a report (`_report`), a batch's report (`_batch`) and
recording a run in the store (`_store`)."""
