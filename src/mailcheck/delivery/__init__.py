"""Delivery reports: the CSV files a provider exports of each send, bounce, complaint and
unsubscribe, read in one streaming pass for the hygiene and capacity rules.

`reader` finds the columns of any dialect and yields the rows (a `.gz` file, the members of a
`.zip` archive and standard input too), `analysis` counts what the rules judge in that pass,
`intervals` keeps sends per 5-minute interval in bounded memory, `providers` groups receiving
domains by mailbox provider, and `places` says where in a report an event is.
"""
