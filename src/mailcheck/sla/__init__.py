"""What a provider promised and the logs of what it did: availability, credits and claim
deadlines and maintenance notice from an incident log, reaction times from a ticket log.

`terms` reads a provider's terms (the bundled files of the seeds in `bundled/`, or a user's own
file in the same format; `durations` reads its limits and notices), `incidents` and `tickets`
read the logs (CSV or YAML, through `logfile`), and `fit` checks that a log gives what the terms
need of it. `downtime` merges and splits incidents into a billing month's availability and
credit, `maintenance` judges each maintenance by its notice, `service_hours` counts the time
inside a support window and `reaction` judges a ticket by the terms' reaction table. `review` is
what a run hands to the rules. This package knows nothing of rules.
"""
