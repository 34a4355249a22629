"""All HTTP the tool does: the One-Click unsubscribe probe (with its address policy) and the
webhook notification of re-check changes. Nothing else opens an HTTP connection."""
