"""The checks of one bundled document on its own (docs/verify.md, "Checks"): ``inclusion`` (its record's
receipt proves it under the bundle's checkpoint), ``digest`` (its bytes hash to the digest its record names),
``signature`` (its Data Integrity proof verifies and its issuer is the signing key) and ``contexts`` (every
``@context`` allow-listed, each loadable one hashing to its pinned digest).

The credential is parsed and verified once, by :func:`passport.records.prepare` (the same function the log's
pipeline admits documents with); its :class:`~passport.records.Prepared` value is what the replay of
:mod:`verifier.replay` judges. A public bundle's attestations carry no body: their digest, signature and
contexts are not checked (never passed), their inclusion is.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field

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

__all__ = ["Doc", "check_document"]


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


def _prepare(doc: Doc) -> Prepared:
    """Parse and verify the body; the errors sorted into the check they concern."""
    assert doc.body is not None
    try:
        return prepare(doc.body)
    except (ContextNotAllowedError, ContextDigestError) as e:
        raise ContextError(e.message, document=doc.digest, field="/@context") from e
    except ProofError as e:
        raise SignatureError(f"{e.code}: {e.message}", document=doc.digest, field="/proof") from e
    except (PassportError, IdentifierError) as e:
        raise RecordError(
            f"the credential makes no record: {e.code}: {e.message}", document=doc.digest
        ) from e


def _digest_of(body: bytes) -> str | None:
    try:
        return SignedDocument.from_bytes(body).digest
    except MalformedCredentialError:
        return None


def _context_urls(document: SignedDocument) -> list[str]:
    """Every context URL the document names. The common case is answered without walking the document: when
    its bytes hold one ``"@context"`` key and no ``\\u`` escape (which could spell another), that key is the
    top-level one, and only its value names contexts."""
    raw, data = document.raw, document.data
    top = data.get("@context")
    if top is not None and raw.count(b'"@context"') == 1 and b"\\u" not in raw:
        return context_urls({"@context": top})
    return context_urls(data)


def _contexts(prepared: Prepared, store: ContextStore) -> str:
    named_only = set()
    for url in _context_urls(prepared.document):
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


def check_document(doc: Doc, note: bytes, head: Checkpoint, *, full: bool, store: ContextStore) -> None:
    """Make a document's own checks (module docstring) and keep its credential, parsed and verified, on
    ``doc.prepared`` when every one of them passed."""
    digest = doc.digest
    doc.add(run("inclusion", ReceiptError.code, digest, lambda: _inclusion(doc.record, note, head, digest)))
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
        prepared = _prepare(doc)
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
    if not hmac.compare_digest(prepared.document.digest, digest):
        doc.add(
            failed("digest", DigestError("the credential's bytes do not hash to its record's digest"), digest)
        )
        for name in names[1:]:
            doc.add(not_checked(name, UNDECIDED, "its bytes are not the logged credential's", digest))
        return
    doc.add(passed("digest", DigestError.code, digest))
    doc.add(passed("signature", SignatureError.code, digest, "eddsa proof by the issuer's key"))
    doc.add(run("contexts", ContextError.code, digest, lambda: _contexts(prepared, store)))
    if doc.ok("contexts"):
        doc.prepared = prepared
