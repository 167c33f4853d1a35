"""The identifiers package's errors: one base class, specific subclasses, each with a stable ``code``."""

from __future__ import annotations


class IdentifierError(ValueError):
    """Base of every identifier error. ``value`` is the text that was refused."""

    code = "identifiers.invalid"

    def __init__(self, message: str, *, value: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.value = value


class DidError(IdentifierError):
    """A DID (did:key or did:web) or Multikey value that does not parse."""

    code = "identifiers.did"
