"""Turning the verifier's errors into named checks at the edge (docs/verify.md, "Checks"; STYLE.md, rule 3).

Each check is a function that raises a :class:`~verifier.errors.VerifyError` when it fails, raises
:class:`NotChecked` when the bundle does not carry what it needs, and otherwise returns (optionally with a
short message). :func:`run` makes a :class:`~verifier.report.Check` of either outcome; nothing else in the
verifier builds a passed check, so a check is passed only when its function ran to the end.
"""

from __future__ import annotations

from collections.abc import Callable

from verifier.errors import VerifyError
from verifier.report import Check, Status

WITHHELD = "verify.withheld"
"""Why a check was not made: the document's body is withheld from a public bundle."""
AGGREGATED = "verify.aggregated"
"""Why a roll-up was not recomputed: the passport discloses only totals."""
UNDECIDED = "verify.undecided"
"""Why a check was not made: an earlier check of the same document failed, so this one would prove nothing."""


class NotChecked(Exception):  # noqa: N818 - an outcome, not an error: the check could not be made
    """A check the bundle cannot make; ``code`` says why (:data:`WITHHELD`, ...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def run(name: str, code: str, document: str | None, check: Callable[[], str | None]) -> Check:
    """Run one check: passed if ``check`` returns (its return value is the message), failed with the error's
    code, document and field if it raises a :class:`VerifyError`, not checked if it raises
    :class:`NotChecked`."""
    try:
        message = check()
    except VerifyError as e:
        return Check(name, Status.FAILED, e.code, e.message, e.document or document, e.field)
    except NotChecked as e:
        return Check(name, Status.NOT_CHECKED, e.code, e.message, document)
    return Check(name, Status.PASSED, code, message or "", document)


def not_checked(name: str, reason: str, message: str, document: str | None) -> Check:
    """A check not made, for ``reason`` (a ``verify.*`` reason code)."""
    return Check(name, Status.NOT_CHECKED, reason, message, document)


def failed(name: str, error: VerifyError, document: str | None) -> Check:
    """A failed check from an error already caught."""
    return Check(name, Status.FAILED, error.code, error.message, error.document or document, error.field)


def passed(name: str, code: str, document: str | None, message: str = "") -> Check:
    """A check that passed (for a check whose work was done elsewhere, e.g. in the replay)."""
    return Check(name, Status.PASSED, code, message, document)
