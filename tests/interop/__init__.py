"""Interoperability: carbontrail's log checked by independent clients (see README.md)."""
