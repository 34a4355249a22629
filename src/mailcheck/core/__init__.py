"""Shared records and helpers every layer may use: errors, findings, wording, dates."""
