"""Building a bundle (docs/verify.md, "The bundle"): a product's current passport and everything it rests on,
read from the database, with a receipt per record against one checkpoint.

What is included, from the root passport down: every upstream passport its components link (recursively),
the attestations they link, the factor datasets and benchmark each passport used, every endorsement of an
included attestation, every revocation of an included credential and every credential that supersedes one,
and the registry entries of every organisation that signed an included document plus every entry about the
registrar. A public bundle leaves out the attestations' bodies; their records and receipts stay.

The checkpoint is read after the document rows (``logservice.batch_receipts``), so it covers every record; a
document logged in between is simply not in the bundle. Older checkpoints that the passports' embedded
receipts name get a consistency proof to it.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from api.errors import NotFoundError
from api.logservice import Log, batch_receipts
from api.orm import AttestationRow, Credential, Document, EndorsementRow, PassportRow, PublicationRow
from api.passportview import latest_passport
from ledger.receipt import parse_receipt
from ledger.storage.orm import LogEntry
from passport.document import SignedDocument
from passport.dpp_parse import check_passport
from passport.records import KIND_ATTESTATION, KIND_REGISTRY

BUNDLE_TYPE = "carbontrail-bundle/v1"
SCOPES = ("public", "full")
CHUNK = 500


@dataclass
class _Gathered:
    """What a walk from the root passport found: every digest to include, the organisations that signed them,
    and the receipts embedded in the passports' links (their checkpoints need consistency proofs)."""

    digests: set[str] = field(default_factory=set)
    attestations: set[str] = field(default_factory=set)
    orgs: set[str] = field(default_factory=set)
    embedded: list[str] = field(default_factory=list)


def _chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    items = sorted(values)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _bodies(conn: Connection, digests: Iterable[str]) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for chunk in _chunks(digests):
        rows = conn.execute(select(Credential.digest, Credential.body).where(Credential.digest.in_(chunk)))
        found.update((r.digest, bytes(r.body)) for r in rows)
    return found


def _walk(conn: Connection, root: str) -> _Gathered:
    """Every passport reachable from ``root`` through component links, and what each links."""
    out = _Gathered()
    frontier = [root]
    seen_passports: set[str] = set()
    while frontier:
        bodies = _bodies(conn, frontier)
        linked: set[str] = set()
        for digest in frontier:
            seen_passports.add(digest)
            out.digests.add(digest)
            passport = check_passport(SignedDocument.from_bytes(bodies[digest]).parse())
            for link in passport.components:
                out.digests.add(link.credential)
                if link.receipt is not None:
                    out.embedded.append(link.receipt)
                if link.kind == "component":
                    linked.add(link.credential)
            if passport.benchmark is not None:
                out.digests.add(passport.benchmark)
            if passport.spec is not None:
                out.digests.update(d.credential for d in passport.spec.datasets if d.credential)
        upstream_passports: set[str] = set()
        for chunk in _chunks(linked):
            upstream_passports.update(
                conn.execute(select(PassportRow.digest).where(PassportRow.digest.in_(chunk))).scalars()
            )
        out.attestations.update(linked - upstream_passports)
        frontier = sorted(upstream_passports - seen_passports)
    return out


def _related(conn: Connection, found: _Gathered) -> None:
    """Add what bears on the found documents' standing (endorsements, revocations, successors) and the
    organisations that signed any of them."""
    att, end, pp, pub = AttestationRow, EndorsementRow, PassportRow, PublicationRow
    for chunk in _chunks(found.attestations):
        for row in conn.execute(
            select(att.org, att.revoked_by, att.superseded_by).where(att.digest.in_(chunk))
        ):
            found.orgs.add(row.org)
            found.digests.update(d for d in (row.revoked_by, row.superseded_by) if d is not None)
        for endorsement in conn.execute(select(end.digest, end.org).where(end.endorses.in_(chunk))):
            found.digests.add(endorsement.digest)
            found.orgs.add(endorsement.org)
    for chunk in _chunks(list(found.digests)):
        query = select(pp.org, pp.superseded_by, pp.revoked_by).where(pp.digest.in_(chunk))
        for passport in conn.execute(query):
            found.orgs.add(passport.org)
            found.digests.update(d for d in (passport.superseded_by, passport.revoked_by) if d is not None)
        found.orgs.update(conn.execute(select(pub.org).where(pub.digest.in_(chunk))).scalars())
        found.orgs.update(conn.execute(select(att.org).where(att.digest.in_(chunk))).scalars())


def _documents(conn: Connection, found: _Gathered) -> list[tuple[int, str, str]]:
    """(log index, digest, kind) of every record to include, in log order: the found documents and the
    registry entries about their signers and the registrar."""
    rows: dict[int, tuple[int, str, str]] = {}
    doc = Document
    for chunk in _chunks(found.digests):
        for row in conn.execute(select(doc.log_index, doc.digest, doc.kind).where(doc.digest.in_(chunk))):
            rows[row.log_index] = (row.log_index, row.digest, row.kind)
    subjects = sorted(found.orgs | {"registrar"})
    for chunk in _chunks(subjects):
        query = select(doc.log_index, doc.digest, doc.kind).where(
            doc.kind == KIND_REGISTRY, doc.subject.in_(chunk)
        )
        for row in conn.execute(query):
            rows[row.log_index] = (row.log_index, row.digest, row.kind)
    return [rows[i] for i in sorted(rows)]


def build_bundle(log: Log, product: str, *, full: bool = False) -> dict[str, Any]:
    """The bundle of ``product``'s current passport (canonical identifier), as a JSON-ready object.

    Raises:
        NotFoundError: the product has no valid passport.
        StorageError: the log has no checkpoint yet.
    """
    with log.store.engine.connect() as conn:
        found_root = latest_passport(conn, product)
        if found_root is None:
            raise NotFoundError(f"no valid passport of {product} is logged")
        root = str(found_root[0]["credential"])
        found = _walk(conn, root)
        _related(conn, found)
        documents = _documents(conn, found)
        withheld = set() if full else {d for _, d, kind in documents if kind == KIND_ATTESTATION}
        bodies = _bodies(conn, {d for _, d, _ in documents} - withheld)
    checkpoint, receipts = batch_receipts(log, [i for i, _, _ in documents])
    entries = _entries(log, [i for i, _, _ in documents])
    return {
        "type": BUNDLE_TYPE,
        "scope": "full" if full else "public",
        "product": product,
        "passport": root,
        "checkpoint": checkpoint.cosigned_note.decode(),
        "records": [
            {"index": i, "record": entries[i].decode(), "receipt": receipts[i]} for i, _, _ in documents
        ],
        "credentials": {d: bodies[d].decode() for d in sorted(bodies)},
        "consistency": _consistency(log, found.embedded, checkpoint.size),
    }


def _entries(log: Log, indices: list[int]) -> dict[int, bytes]:
    """The log entries at ``indices``, read in chunks of one query each (not one query per entry)."""
    found: dict[int, bytes] = {}
    with log.store.engine.connect() as conn:
        for chunk in _chunks(indices):
            rows = conn.execute(select(LogEntry.idx, LogEntry.data).where(LogEntry.idx.in_(chunk)))
            found.update((int(idx), bytes(data)) for idx, data in rows)
    return found


def _consistency(log: Log, embedded: Sequence[str], size: int) -> list[dict[str, Any]]:
    """A consistency proof from each older checkpoint an embedded receipt names to ``size``."""
    sizes = sorted({parse_receipt(r.encode()).tree_head().size for r in embedded} - {size})
    return [
        {
            "size": old,
            "proof": [base64.b64encode(h).decode() for h in log.store.consistency_proof(old, size)],
        }
        for old in sizes
    ]
