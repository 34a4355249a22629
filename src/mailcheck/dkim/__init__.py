"""DKIM keys as published in DNS: fetching, judging, the record to publish."""
