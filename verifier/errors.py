"""The verifier's errors: one base class, specific subclasses, each with a stable ``code``.

Tests assert the type and the code, never the message. An audit (``verifier.audit``) turns each into an
:class:`verifier.audit.AuditProblem` carrying the same code and the log index of the damage.
"""

from __future__ import annotations


class VerifierError(Exception):
    """Base of every error the verifier raises."""

    code = "verifier.error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AuditError(VerifierError):
    """A log that does not replay to what it signed; ``index`` is the first log index concerned, if any."""

    code = "audit.error"

    def __init__(self, message: str, *, index: int | None = None) -> None:
        super().__init__(message)
        self.index = index


class AuditSourceError(AuditError):
    """The tiles' source failed (unreadable directory, HTTP error other than 404, bad URL)."""

    code = "audit.source"


class AuditMissingError(AuditError):
    """A tile, entry bundle or checkpoint the tree needs is not served (404, no file, no rows)."""

    code = "audit.missing"


class AuditMalformedError(AuditError):
    """A tile or entry bundle that does not parse: wrong length, truncated, wrong number of entries."""

    code = "audit.malformed"


class AuditCheckpointError(AuditError):
    """A checkpoint that does not open with the log's key, does not parse, or names another origin."""

    code = "audit.checkpoint"


class AuditEntryError(AuditError):
    """An entry whose hash is not the one the log's tiles hold for its index (the entry was changed)."""

    code = "audit.entry"


class AuditTileError(AuditError):
    """A served hash tile that differs from the one the entries give (the tile was changed)."""

    code = "audit.tile"


class AuditRootError(AuditError):
    """The entries do not give the root the checkpoint signs."""

    code = "audit.root"


class AuditForkError(AuditError):
    """Two checkpoints of one log that cannot both be true: a fork, a rewrite of history, a shrinking log."""

    code = "audit.fork"


class AuditStateError(AuditError):
    """An audit state file that does not parse, or belongs to another log."""

    code = "audit.state"
