"""The independent, expensive part of an audit's record checks: each credential hashed against the digest its
record names, parsed, its proof verified and its kind's rules checked (``passport.records.prepare``), and its
leaf record compared with the log's entry; run in worker processes (``verifier.records``), a chunk of records
per task.

Nothing here depends on an earlier record: authority is judged afterwards, in log order, in the auditing
process. A task answers each record with its :class:`~passport.records.Prepared` or an
:class:`~verifier.audit.AuditProblem` (exceptions never cross the process boundary).

A record an earlier audit verified is *classified* instead (``passport.records.classify``: every shape rule,
the signer taken from the proof's verification method, the proof not verified again): its body hashes to the
digest its entry names, and that entry hashes to the root the earlier audit verified, so these are the very
bytes whose proof was verified then.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from passport.records import Prepared, classify, prepare
from verifier.auditrun import AuditProblem
from verifier.errors import (
    AuditCredentialDigestError,
    AuditCredentialError,
    AuditCredentialMissingError,
    AuditRecordError,
)

__all__ = ["RecordTask", "code_of", "work"]


@dataclass(frozen=True)
class RecordTask:
    """One record to check: its log index, the entry, the digest it names and the stored body (None if the
    store does not hold it)."""

    index: int
    entry: bytes
    digest: str
    body: bytes | None


def code_of(e: Exception) -> str:
    """The stable code of a domain error; any other exception (a bug) is raised again."""
    code = getattr(e, "code", None)
    if not isinstance(code, str):
        raise e
    return code


def _one(task: RecordTask, verify: bool) -> Prepared | AuditProblem:
    index, digest, body = task.index, task.digest, task.body
    if body is None:
        error = AuditCredentialMissingError(f"the credential {digest} is not stored", index=index)
        return AuditProblem.of(error)
    if not hmac.compare_digest("sha256:" + hashlib.sha256(body).hexdigest(), digest):
        message = f"the stored credential {digest} does not hash to its digest: it was rewritten"
        return AuditProblem.of(AuditCredentialDigestError(message, index=index))
    try:
        prepared = prepare(body) if verify else classify(body)
    except Exception as e:
        code = code_of(e)
        message = f"the credential {digest} is refused: {' '.join(str(e).split())} ({code})"
        return AuditProblem(AuditCredentialError.code, index, message, code)
    if prepared.record is not None and prepared.record != task.entry:
        message = f"the entry is not the record the credential {digest} makes"
        return AuditProblem.of(AuditRecordError(message, index=index))
    return prepared


def work(tasks: list[RecordTask], verify: bool) -> list[Prepared | AuditProblem]:
    """Each record's outcome, in order (a worker process's task; ``verify=False`` for records an earlier audit
    verified: module docstring)."""
    return [_one(task, verify) for task in tasks]
