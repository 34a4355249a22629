"""Defaults the command line shows in its help, kept here so `mailcheck --help` imports nothing
heavy to show them."""

DEFAULT_CONCURRENCY = 128
"""DNS questions in flight at once: enough for a fast resolver, too few to flood a public one."""
