"""The one place where domain errors become HTTP statuses and CLI exit codes.

Every package has an ``errors.py`` whose classes carry a stable ``code``. ``STATUS`` maps classes to HTTP
statuses (the most specific class listed wins); ``api/problems.py`` renders them as RFC 9457 problem+json and
the CLI as one line and a non-zero exit.
"""

from __future__ import annotations

from api.labels import LabelError
from identifiers import errors as identifier_errors
from ledger import errors as ledger_errors
from passport import errors as passport_errors
from verifier import errors as verifier_errors


class ApiError(Exception):
    """Errors that only the API and CLI raise (bad requests that no domain package sees)."""

    code = "api.error"
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFoundError(ApiError):
    """A resource (entry, checkpoint, tile, document) that does not exist."""

    code = "api.not_found"
    status = 404


class CliError(Exception):
    """A CLI command's failure with its code and exit status (2 for bad input, 1 for failed verification)."""

    def __init__(self, code: str, message: str, *, exit_code: int = 2) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.exit_code = exit_code


STATUS: dict[type[Exception], int] = {
    ledger_errors.LedgerError: 400,
    ledger_errors.RangeError: 404,
    ledger_errors.TileError: 404,
    ledger_errors.EntryTooLargeError: 413,
    ledger_errors.ConsistencyError: 409,
    ledger_errors.RefusedError: 422,
    ledger_errors.StorageError: 500,
    ledger_errors.BusyError: 503,
    identifier_errors.IdentifierError: 400,
    identifier_errors.RegistryError: 422,
    identifier_errors.RegistryConflictError: 409,
    identifier_errors.AuthorityError: 403,
    passport_errors.PassportError: 400,
    passport_errors.ContextNotAllowedError: 422,
    passport_errors.CanonicalizationError: 422,
    passport_errors.ProofError: 422,
    passport_errors.ContextDigestError: 500,
    passport_errors.RuleError: 422,
    passport_errors.UnknownKindError: 422,
    verifier_errors.VerifierError: 422,
    LabelError: 422,
}
"""HTTP status per domain error class; looked up along the exception's MRO, most specific first."""

SUBMISSION_STATUS: dict[str, int] = {
    "submission.unknown_attestation": 422,
    "submission.product_mismatch": 422,
    "submission.not_issuer": 403,
    "submission.self_endorsement": 403,
    "submission.publisher_mismatch": 403,
    "submission.revoked": 409,
    "submission.superseded": 409,
    "submission.duplicate_attestation": 409,
    "submission.version_exists": 409,
}
"""HTTP status per code of :class:`passport.errors.SubmissionError` (one class, a status per reason)."""

VERIFICATION_FAILURES: tuple[type[Exception], ...] = (
    ledger_errors.ProofError,
    ledger_errors.RootMismatchError,
    ledger_errors.SignatureError,
    ledger_errors.QuorumError,
    identifier_errors.AuthorityError,
    ledger_errors.ConsistencyError,
    passport_errors.ProofError,
    verifier_errors.VerifierError,
)
"""Errors that mean "checked, and it is not valid": the CLI exits 1 for these, 2 for other bad input."""


def http_status(error: Exception) -> int | None:
    """Return the HTTP status of a domain error, or None if it is not one of ours."""
    if isinstance(error, ApiError):
        return error.status
    if isinstance(error, ledger_errors.WitnessError):
        return error.status
    if isinstance(error, passport_errors.SubmissionError):
        return SUBMISSION_STATUS[error.code]
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return None


def status_for_code(code: str) -> int:
    """The HTTP status of a refusal known only by its code (a refusal recorded by another process's batch)."""
    if code in SUBMISSION_STATUS:
        return SUBMISSION_STATUS[code]
    for cls in (identifier_errors.AuthorityError, identifier_errors.RegistryConflictError):
        if code.startswith(cls.family + ".") and code.removeprefix(cls.family + ".") in cls.reasons:
            return STATUS[cls]
    return 422


def error_code(error: Exception) -> str | None:
    """Return the stable code of a domain error, or None if it is not one of ours."""
    code = getattr(error, "code", None)
    if http_status(error) is None or not isinstance(code, str):
        return None
    return code


def describe(error: Exception) -> tuple[str | None, str, int]:
    """Return (code, one-line message, CLI exit status) for an error; code is None for foreign errors."""
    code = error_code(error)
    message = " ".join(str(error).split())
    exit_code = 1 if isinstance(error, VERIFICATION_FAILURES) else 2
    return code, message, exit_code
