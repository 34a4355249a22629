"""mailcheck: checks a sender of transactional and list email against its provider's obligations."""

__version__ = "0.1.0"
