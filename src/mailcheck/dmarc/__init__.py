"""DMARC records: discovery and parsing."""
