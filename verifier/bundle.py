"""The bundle format, ``carbontrail-bundle/v1`` (docs/verify.md, "The bundle"): parsed strictly, written back
exactly.

A bundle is one JSON object: the scope (``public`` or ``full``), the product, the root passport's digest, one
cosigned checkpoint note, the leaf records (exact bytes, in log order, each with its ``tlog-proof@v1``
receipt), the credentials (digest to exact bytes) and consistency proofs from older checkpoints. Parsing
checks shapes only (every member known and typed, every record a leaf record, every receipt a receipt, every
credential named by a record); whether any of it is *true* is for :mod:`verifier.verify`. Unknown members are
refused: a member the verifier ignores would be trusted by whoever reads it.

:func:`dump_bundle` writes the file form (the builder in ``api/bundles.py`` and the tests use it) and
:func:`parse_bundle` reads it back; the two round-trip: records, receipts and credentials are kept as the
exact text they arrived as, never re-serialised.
"""

from __future__ import annotations

import binascii
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ledger.checkpoint import Checkpoint, parse_checkpoint
from ledger.errors import LedgerError
from ledger.hashing import HASH_SIZE
from ledger.note import Note, parse_note
from ledger.receipt import Receipt, parse_receipt
from passport.document import parse_json
from passport.errors import PassportError
from verifier.errors import BundleError

__all__ = [
    "BUNDLE_TYPE",
    "SCOPES",
    "Bundle",
    "BundleRecord",
    "ConsistencyProof",
    "LeafRecord",
    "bundle_from_json",
    "bundle_to_json",
    "dump_bundle",
    "parse_bundle",
]

BUNDLE_TYPE = "carbontrail-bundle/v1"
SCOPE_PUBLIC = "public"
SCOPE_FULL = "full"
SCOPES = (SCOPE_PUBLIC, SCOPE_FULL)
_MEMBERS = ("type", "scope", "product", "passport", "checkpoint", "records", "credentials", "consistency")
_RECORD_MEMBERS = ("index", "record", "receipt")
_LEAF_MEMBERS = frozenset({"v", "kind", "credential", "subject", "issuer", "time"})
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}\Z")


@dataclass(frozen=True)
class LeafRecord:
    """A leaf record's fields (``docs/attestations-api.md``, "Leaf records"), as the bundle states them."""

    kind: str
    credential: str
    subject: str
    issuer: str
    time: str


@dataclass(frozen=True)
class BundleRecord:
    """One logged record: its log index, its exact bytes, and its receipt's exact bytes.

    ``fields()`` and ``parsed_receipt()`` parse once and keep the result (the bytes are immutable).
    """

    index: int
    record: bytes
    receipt: bytes
    _fields: LeafRecord | None = field(default=None, init=False, repr=False, compare=False)
    _receipt: Receipt | None = field(default=None, init=False, repr=False, compare=False)

    def fields(self) -> LeafRecord:
        """The record's fields.

        Raises:
            BundleError: the record is not a leaf record (``verify.bundle``).
        """
        if self._fields is None:
            object.__setattr__(self, "_fields", _leaf_record(self.record, self.index))
        assert self._fields is not None
        return self._fields

    def parsed_receipt(self) -> Receipt:
        """The receipt, parsed.

        Raises:
            BundleError: the receipt is not a tlog-proof@v1 (``verify.bundle``).
        """
        if self._receipt is None:
            try:
                object.__setattr__(self, "_receipt", parse_receipt(self.receipt))
            except LedgerError as e:
                raise BundleError(f"record {self.index}: receipt: {e}", field=f"/records/{self.index}") from e
        assert self._receipt is not None
        return self._receipt


@dataclass(frozen=True)
class ConsistencyProof:
    """An RFC 9162 consistency proof from the tree of ``size`` leaves to the bundle's checkpoint."""

    size: int
    proof: tuple[bytes, ...]


@dataclass(frozen=True)
class Bundle:
    """A parsed bundle (module docstring). ``checkpoint`` is the cosigned checkpoint note's exact bytes;
    ``credentials`` maps digests to exact credential bytes; ``records`` are in log order."""

    scope: str
    product: str
    passport: str
    checkpoint: bytes
    records: tuple[BundleRecord, ...]
    credentials: Mapping[str, bytes]
    consistency: tuple[ConsistencyProof, ...] = ()
    _note: tuple[Note, Checkpoint] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def full(self) -> bool:
        """Whether the bundle is a full one (it carries the attestations' bodies)."""
        return self.scope == SCOPE_FULL

    def note(self) -> tuple[Note, Checkpoint]:
        """The checkpoint note and its text as a checkpoint, parsed once.

        Raises:
            BundleError: the checkpoint is not a signed checkpoint note (``verify.bundle``).
        """
        if self._note is None:
            try:
                note = parse_note(self.checkpoint)
                object.__setattr__(self, "_note", (note, parse_checkpoint(note.text)))
            except LedgerError as e:
                raise BundleError(f"checkpoint: {e}", field="/checkpoint") from e
        assert self._note is not None
        return self._note


def _fail(message: str, pointer: str) -> BundleError:
    return BundleError(message, field=pointer)


def _string(value: Any, pointer: str) -> str:
    if not isinstance(value, str):
        raise _fail(f"{pointer} must be a string", pointer)
    return value


def _index(value: Any, pointer: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _fail(f"{pointer} must be a non-negative integer", pointer)
    return value


def _digest(value: Any, pointer: str) -> str:
    text = _string(value, pointer)
    if _DIGEST.match(text) is None:
        raise _fail(f"{pointer} must be a digest sha256:<64 lowercase hex>", pointer)
    return text


def _exact_members(obj: Any, members: Sequence[str], pointer: str) -> Mapping[str, Any]:
    if not isinstance(obj, dict):
        raise _fail(f"{pointer or 'the bundle'} must be a JSON object", pointer)
    unknown = sorted(set(obj) - set(members))
    if unknown:
        raise _fail(f"{pointer or 'the bundle'} has unknown member(s) {', '.join(unknown)}", pointer)
    missing = [m for m in members if m not in obj]
    if missing:
        raise _fail(f"{pointer or 'the bundle'} lacks member(s) {', '.join(missing)}", pointer)
    return obj


def _leaf_record(raw: bytes, index: int) -> LeafRecord:
    pointer = f"/records/{index}/record"
    try:
        data = parse_json(raw)
    except PassportError as e:
        raise _fail(f"record {index} is not JSON: {e}", pointer) from e
    if not isinstance(data, dict) or set(data) != _LEAF_MEMBERS or data["v"] != 1:
        raise _fail(
            f"record {index} is not a leaf record (v 1, kind, credential, subject, issuer, time)", pointer
        )
    values = {k: data[k] for k in ("kind", "subject", "issuer", "time")}
    for name, value in values.items():
        _string(value, f"{pointer}/{name}")
    return LeafRecord(
        kind=values["kind"],
        credential=_digest(data["credential"], f"{pointer}/credential"),
        subject=values["subject"],
        issuer=values["issuer"],
        time=values["time"],
    )


def _record(obj: Any, position: int) -> BundleRecord:
    pointer = f"/records/{position}"
    data = _exact_members(obj, _RECORD_MEMBERS, pointer)
    record = BundleRecord(
        index=_index(data["index"], f"{pointer}/index"),
        record=_string(data["record"], f"{pointer}/record").encode(),
        receipt=_string(data["receipt"], f"{pointer}/receipt").encode(),
    )
    record.fields()
    receipt = record.parsed_receipt()
    if receipt.index != record.index:
        raise _fail(f"record {record.index}: its receipt is for index {receipt.index}", f"{pointer}/receipt")
    return record


def _consistency(obj: Any, position: int) -> ConsistencyProof:
    pointer = f"/consistency/{position}"
    data = _exact_members(obj, ("size", "proof"), pointer)
    hashes = data["proof"]
    if not isinstance(hashes, list):
        raise _fail(f"{pointer}/proof must be a list", f"{pointer}/proof")
    proof: list[bytes] = []
    for i, text in enumerate(hashes):
        try:
            digest = binascii.a2b_base64(_string(text, f"{pointer}/proof/{i}"), strict_mode=True)
        except binascii.Error as e:
            raise _fail(f"{pointer}/proof/{i} is not base64", f"{pointer}/proof/{i}") from e
        if len(digest) != HASH_SIZE:
            raise _fail(f"{pointer}/proof/{i} is not a {HASH_SIZE}-byte hash", f"{pointer}/proof/{i}")
        proof.append(digest)
    return ConsistencyProof(_index(data["size"], f"{pointer}/size"), tuple(proof))


def bundle_from_json(obj: Any) -> Bundle:
    """Check a parsed bundle's shape and make it a :class:`Bundle`.

    Raises:
        BundleError: an unknown or missing member, a member of the wrong type, a record that is not a leaf
            record, a receipt that does not parse or names another index, records out of log order, a
            credential no record names, a checkpoint that is not a signed checkpoint (``verify.bundle``).
    """
    data = _exact_members(obj, _MEMBERS, "")
    if data["type"] != BUNDLE_TYPE:
        raise _fail(f"the bundle's type must be {BUNDLE_TYPE}", "/type")
    scope = _string(data["scope"], "/scope")
    if scope not in SCOPES:
        raise _fail(f"the bundle's scope must be one of {', '.join(SCOPES)}", "/scope")
    if not isinstance(data["records"], list):
        raise _fail("/records must be a list", "/records")
    records = tuple(_record(r, i) for i, r in enumerate(data["records"]))
    for i in range(1, len(records)):
        if records[i].index <= records[i - 1].index:
            raise _fail("records must be in log order, each index once", f"/records/{i}/index")
    credentials = data["credentials"]
    if not isinstance(credentials, dict):
        raise _fail("/credentials must be an object", "/credentials")
    named = {r.fields().credential for r in records}
    bodies: dict[str, bytes] = {}
    for digest, body in credentials.items():
        pointer = "/credentials/" + digest.replace("~", "~0").replace("/", "~1")
        _digest(digest, pointer)
        if digest not in named:
            raise _fail(f"credential {digest} is named by no record", pointer)
        bodies[digest] = _string(body, pointer).encode()
    if not isinstance(data["consistency"], list):
        raise _fail("/consistency must be a list", "/consistency")
    consistency = tuple(_consistency(c, i) for i, c in enumerate(data["consistency"]))
    if len({c.size for c in consistency}) != len(consistency):
        raise _fail("one consistency proof per older size", "/consistency")
    bundle = Bundle(
        scope=scope,
        product=_string(data["product"], "/product"),
        passport=_digest(data["passport"], "/passport"),
        checkpoint=_string(data["checkpoint"], "/checkpoint").encode(),
        records=records,
        credentials=bodies,
        consistency=consistency,
    )
    bundle.note()
    return bundle


def parse_bundle(data: bytes) -> Bundle:
    """Parse a bundle file (strict UTF-8 JSON, no duplicate keys) and check its shape.

    Raises:
        BundleError: the bytes are not JSON, or the bundle's shape is wrong (:func:`bundle_from_json`).
    """
    try:
        obj = parse_json(data)
    except PassportError as e:
        raise _fail(f"the bundle is not JSON: {e}", "") from e
    return bundle_from_json(obj)


def bundle_to_json(bundle: Bundle) -> dict[str, Any]:
    """The bundle as a JSON-ready object, members in the format's order (the inverse of
    :func:`bundle_from_json`)."""
    return {
        "type": BUNDLE_TYPE,
        "scope": bundle.scope,
        "product": bundle.product,
        "passport": bundle.passport,
        "checkpoint": bundle.checkpoint.decode(),
        "records": [
            {"index": r.index, "record": r.record.decode(), "receipt": r.receipt.decode()}
            for r in bundle.records
        ],
        "credentials": {d: bundle.credentials[d].decode() for d in sorted(bundle.credentials)},
        "consistency": [
            {"size": c.size, "proof": [binascii.b2a_base64(h, newline=False).decode() for h in c.proof]}
            for c in bundle.consistency
        ],
    }


def dump_bundle(bundle: Bundle) -> bytes:
    """The bundle's file form: JSON, UTF-8, members in the format's order, one trailing newline."""
    return json.dumps(bundle_to_json(bundle), ensure_ascii=False, indent=1).encode() + b"\n"
