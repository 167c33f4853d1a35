"""The checks of one bundled document on its own (docs/verify.md, "Checks"): ``inclusion`` (its record's
receipt proves it under the bundle's checkpoint), ``digest`` (its bytes hash to the digest its record names),
``signature`` (its Data Integrity proof verifies and its issuer is the signing key) and ``contexts`` (every
``@context`` allow-listed, each loadable one hashing to its pinned digest).

The credential is parsed and verified once, by :func:`passport.records.prepare` (the same function the log's
pipeline admits documents with), here or, for a large bundle, in worker processes (:func:`prepare_bodies`,
``verifier.verify``); its :class:`~passport.records.Prepared` value is what the replay of
:mod:`verifier.replay` judges. A public bundle's attestations carry no body: their digest, signature and
contexts are not checked (never passed), their inclusion is.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from typing import TypeAlias

from identifiers.errors import IdentifierError
from ledger.checkpoint import Checkpoint
from ledger.errors import LedgerError
from ledger.hashing import leaf_hash
from ledger.verify import verify_inclusion
from passport.contexts import ALLOW_LIST, ContextStore, context_urls
from passport.document import SignedDocument
from passport.errors import (
    ContextDigestError,
    ContextNotAllowedError,
    MalformedCredentialError,
    PassportError,
    ProofError,
)
from passport.records import KIND_ATTESTATION, Prepared, prepare
from verifier.bundle import BundleRecord, LeafRecord
from verifier.checks import UNDECIDED, WITHHELD, failed, not_checked, passed, run
from verifier.errors import (
    ContextError,
    DigestError,
    MissingError,
    ReceiptError,
    RecordError,
    SignatureError,
    VerifyError,
)
from verifier.report import Check, Status

__all__ = ["Doc", "Outcome", "Ready", "check_body", "check_inclusion", "prepare_bodies"]


@dataclass
class Doc:
    """One record of the bundle as the verification goes: its record and fields, its body (None when the
    bundle withholds it), the credential parsed and verified (None when it could not be), and its checks so
    far, by name, in the order made."""

    record: BundleRecord
    fields: LeafRecord
    body: bytes | None
    prepared: Prepared | None = None
    checks: dict[str, Check] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        """The digest the record names."""
        return self.fields.credential

    @property
    def index(self) -> int:
        """The record's log index."""
        return self.record.index

    def add(self, check: Check) -> None:
        """Record a check (a later check of the same name replaces an earlier one)."""
        self.checks[check.name] = check

    def ok(self, name: str) -> bool:
        """Whether the check ``name`` was made and passed."""
        check = self.checks.get(name)
        return check is not None and check.status is Status.PASSED


def _inclusion(record: BundleRecord, note: bytes, head: Checkpoint, digest: str) -> str:
    receipt = record.parsed_receipt()
    if not hmac.compare_digest(receipt.checkpoint, note):
        raise ReceiptError(
            f"the receipt of index {record.index} embeds another checkpoint than the bundle's",
            document=digest,
        )
    try:
        verify_inclusion(leaf_hash(record.record), record.index, head.size, receipt.proof, head.root)
    except LedgerError as e:
        raise ReceiptError(f"index {record.index}: {e}", document=digest) from e
    return f"index {record.index} of {head.size}"


@dataclass(frozen=True)
class Ready:
    """A body parsed and verified: the credential, and the context URLs it names (found where it was parsed,
    so a worker's answer needs no parse again here)."""

    prepared: Prepared
    contexts: tuple[str, ...]


def _prepare(digest: str, body: bytes) -> Ready:
    """Parse and verify a body; the errors sorted into the check they concern."""
    try:
        prepared = prepare(body)
    except (ContextNotAllowedError, ContextDigestError) as e:
        raise ContextError(e.message, document=digest, field="/@context") from e
    except ProofError as e:
        raise SignatureError(f"{e.code}: {e.message}", document=digest, field="/proof") from e
    except (PassportError, IdentifierError) as e:
        raise RecordError(f"the credential makes no record: {e.code}: {e.message}", document=digest) from e
    return Ready(prepared, tuple(_context_urls(prepared.document)))


Outcome: TypeAlias = Ready | VerifyError
"""What preparing a body gives: the credential parsed and verified, or the check failure it makes."""


def prepare_bodies(items: list[tuple[str, bytes]]) -> list[Outcome]:
    """Each (digest, body)'s credential parsed and verified, or the failure it makes, in order (a worker
    process's task, ``verifier.verify``: nothing here depends on another body, and no exception but a bug's
    leaves)."""
    out: list[Outcome] = []
    for digest, body in items:
        try:
            out.append(_prepare(digest, body))
        except VerifyError as e:
            out.append(e)
    return out


def _digest_of(body: bytes) -> str | None:
    try:
        return SignedDocument.from_bytes(body).digest
    except MalformedCredentialError:
        return None


def _context_urls(document: SignedDocument) -> list[str]:
    """Every context URL the document names, in document order. The common case is answered without walking
    the document: when its bytes hold no ``\\u`` escape (which could spell another key) and ``"@context"``
    exactly as often as the document has a top-level ``@context`` and a ``@context`` in its top-level
    ``proof`` object, those are every ``@context`` key (each key is spelled in the bytes; duplicate keys are
    refused by the parse), and only their values name contexts (``@import`` counts only inside a context)."""
    raw, data = document.raw, document.data
    found = {
        key: {"@context": value["@context"]} if key == "proof" else value
        for key, value in data.items()
        if key == "@context" or (key == "proof" and isinstance(value, dict) and "@context" in value)
    }
    if found and raw.count(b'"@context"') == len(found) and b"\\u" not in raw:
        return context_urls(found)
    return context_urls(data)


def _contexts(urls: tuple[str, ...], store: ContextStore) -> str:
    named_only = set()
    for url in urls:
        entry = ALLOW_LIST.get(url)
        if entry is None:
            raise ContextError(f"context {url!r} is not on the allow-list", field="/@context")
        if not entry.loadable:
            named_only.add(url)
            continue
        try:
            store.read(url)
        except (ContextNotAllowedError, ContextDigestError) as e:
            raise ContextError(e.message, field="/@context") from e
    if named_only:
        return "allow-listed and pinned; named only, never loaded (eddsa-jcs-2022): " + ", ".join(
            sorted(named_only)
        )
    return "allow-listed and pinned"


def check_inclusion(doc: Doc, note: bytes, head: Checkpoint) -> None:
    """The document's ``inclusion`` check: its record's receipt proves it under the bundle's checkpoint."""
    digest = doc.digest
    doc.add(run("inclusion", ReceiptError.code, digest, lambda: _inclusion(doc.record, note, head, digest)))


def check_body(doc: Doc, *, full: bool, store: ContextStore, ready: Outcome | None = None) -> None:
    """The document's ``digest``, ``signature`` and ``contexts`` checks (after :func:`check_inclusion`); its
    credential, parsed and verified, is kept on ``doc.prepared`` when every one of them passed. ``ready`` is
    what :func:`prepare_bodies` gave for its body, if that was done already (in a worker process); otherwise
    it is done here, the same way."""
    digest = doc.digest
    names = ("digest", "signature", "contexts")
    if doc.body is None:
        if doc.fields.kind == KIND_ATTESTATION and not full:
            for name in names:
                doc.add(
                    not_checked(name, WITHHELD, "the attestation's body is withheld (public bundle)", digest)
                )
            return
        error = MissingError(f"the bundle does not carry the {doc.fields.kind} credential {digest}")
        doc.add(failed("digest", error, digest))
        for name in names[1:]:
            doc.add(not_checked(name, UNDECIDED, "the credential is not in the bundle", digest))
        return
    try:
        if ready is None:
            ready = _prepare(digest, doc.body)
        elif isinstance(ready, VerifyError):
            raise ready
    except VerifyError as e:
        # The bytes may not be the ones logged at all: then that is the failure to report.
        if _digest_of(doc.body) != digest:
            doc.add(
                failed(
                    "digest", DigestError("the credential's bytes do not hash to its record's digest"), digest
                )
            )
            for name in names[1:]:
                doc.add(not_checked(name, UNDECIDED, "its bytes are not the logged credential's", digest))
            return
        doc.add(passed("digest", DigestError.code, digest))
        name = (
            "contexts"
            if isinstance(e, ContextError)
            else "record"
            if isinstance(e, RecordError)
            else "signature"
        )
        doc.add(failed(name, e, digest))
        for name in names[1:]:
            if name not in doc.checks:
                doc.add(not_checked(name, UNDECIDED, "the credential did not verify", digest))
        return
    prepared, urls = ready.prepared, ready.contexts
    if not hmac.compare_digest(prepared.document.digest, digest):
        doc.add(
            failed("digest", DigestError("the credential's bytes do not hash to its record's digest"), digest)
        )
        for name in names[1:]:
            doc.add(not_checked(name, UNDECIDED, "its bytes are not the logged credential's", digest))
        return
    doc.add(passed("digest", DigestError.code, digest))
    doc.add(passed("signature", SignatureError.code, digest, "eddsa proof by the issuer's key"))
    doc.add(run("contexts", ContextError.code, digest, lambda: _contexts(urls, store)))
    if doc.ok("contexts"):
        doc.prepared = prepared
