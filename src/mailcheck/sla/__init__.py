"""What a provider promised and the logs of what it did: availability, credits and claim
deadlines from an incident log, reaction times from a ticket log.

`terms` reads a provider's terms (the bundled files of the seeds in `bundled/`, or a user's own
file in the same format), `incidents` and `tickets` read the logs (CSV or YAML, through
`logfile`), `downtime` merges and splits incidents into a billing month's availability and
credit, and `service_hours` counts the time inside a support window. `review` is what a run
hands to the rules. This package knows nothing of rules.
"""
