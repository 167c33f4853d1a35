"""Hand-built bundles for the verifier's unit tests: signed documents logged in a small in-memory Merkle tree
(a naive RFC 9162 tree, written here so the tests do not rest on the code they check), a checkpoint signed by
a fresh log key and optionally cosigned, one tlog-proof@v1 receipt per record."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from identifiers.multikey import did_key_from_public_key
from identifiers.registry_ops import RegistryOperation as Op
from identifiers.uscc import uscc_check_character
from ledger import keys
from ledger.checkpoint import Checkpoint, sign_checkpoint
from ledger.cosignature import CosignatureSigner, cosign
from ledger.note import Ed25519Signer
from ledger.policy import Policy
from ledger.receipt import Receipt, format_receipt
from passport.attestation import sign_attestation
from passport.document import SignedDocument
from passport.envelope import public_key_bytes
from passport.records import leaf_record, prepare
from passport.registry import sign_registry_entry
from tests.unit.passport import chain_fixtures as cf
from verifier.bundle import BUNDLE_TYPE

ORIGIN = "unit.test/log"
WHEN = "2026-11-24T10:00:00Z"
SUPPLIER = "91320000MA0000001" + uscc_check_character("91320000MA0000001")
TIMESTAMP = 1_700_000_000


def _leaf(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 section 2.1.1, naively."""
    if len(leaves) == 1:
        return leaves[0]
    k = _split(len(leaves))
    return _node(mth(leaves[:k]), mth(leaves[k:]))


def path(m: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 9162 section 2.1.3.1, naively: the inclusion proof of leaf ``m``."""
    if len(leaves) == 1:
        return []
    k = _split(len(leaves))
    if m < k:
        return [*path(m, leaves[:k]), mth(leaves[k:])]
    return [*path(m - k, leaves[k:]), mth(leaves[:k])]


@dataclass
class Made:
    """A hand-built bundle (as JSON), the anchors to verify it under, and the documents in it."""

    bundle: dict[str, Any]
    policy: Policy
    registrar: bytes
    documents: list[SignedDocument] = field(default_factory=list)


def supplier_org(registrar: Ed25519PrivateKey, supplier: Ed25519PrivateKey) -> SignedDocument:
    """The registrar's entry registering the lithium supplier with its key and prefix 88.118.1."""
    op = Op.register_organisation(
        SUPPLIER, "Lithium", ["supplier"], prefixes=["88.118.1"], keys=[public_key_bytes(supplier)]
    )
    return sign_registry_entry(op, registrar, WHEN)


def build(
    documents: list[bytes],
    *,
    records: list[bytes] | None = None,
    scope: str = "full",
    withheld: frozenset[str] = frozenset(),
    witnesses: int = 0,
    quorum: int | None = None,
    registrar: bytes = b"",
) -> Made:
    """Log ``documents`` (or the given ``records``, one per document) in order from index 0, and bundle
    them all; ``withheld`` digests are left out of ``credentials``."""
    docs = [SignedDocument.from_bytes(raw) for raw in documents]
    if records is None:
        records = []
        for raw in documents:
            made = prepare(raw).record
            assert made is not None
            records.append(made)
    leaves = [_leaf(r) for r in records]
    root = mth(leaves)
    skey, vkey = keys.generate_log_key(ORIGIN)
    note = sign_checkpoint(Checkpoint(ORIGIN, len(leaves), root), [Ed25519Signer.from_skey(skey)])
    signers = [
        CosignatureSigner.from_skey(keys.generate_witness_key(f"w{i}.test")[0]) for i in range(witnesses)
    ]
    cosigned = note.with_signatures(
        [*note.signatures, *(cosign(note.text, s, TIMESTAMP + i) for i, s in enumerate(signers))]
    ).to_bytes()
    policy = Policy.from_keys(
        vkey, [s.verifier().vkey for s in signers], witnesses if quorum is None else quorum
    )
    bundle = {
        "type": BUNDLE_TYPE,
        "scope": scope,
        "product": "88.118.1/LI2CO3-BG",
        "passport": docs[-1].digest,
        "checkpoint": cosigned.decode(),
        "records": [
            {
                "index": i,
                "record": r.decode(),
                "receipt": format_receipt(Receipt(i, tuple(path(i, leaves)), cosigned)).decode(),
            }
            for i, r in enumerate(records)
        ],
        "credentials": {d.digest: d.canonical.decode() for d in docs if d.digest not in withheld},
        "consistency": [],
    }
    return Made(bundle, policy, registrar, docs)


def supplier_bundle(**options: Any) -> tuple[Made, Ed25519PrivateKey]:
    """A registry entry and the lithium supplier's attestation under it (the registrar key is the anchor)."""
    registrar, supplier = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    entry = supplier_org(registrar, supplier)
    attestation = sign_attestation(cf.LITHIUM_CARBONATE, supplier, WHEN)
    made = build([entry.raw, attestation.raw], registrar=public_key_bytes(registrar), **options)
    return made, supplier


def record_for(document: SignedDocument, **changes: str) -> bytes:
    """The leaf record ``document`` makes, with some of its fields changed."""
    prepared = prepare(document.raw)
    fields = {"kind": prepared.kind, "subject": prepared.subject or "", "issuer": prepared.issuer}
    fields.update(changes)
    return leaf_record(fields["kind"], document.digest, fields["subject"], fields["issuer"], prepared.time)


def did_of(key: Ed25519PrivateKey) -> str:
    """The key's did:key."""
    return did_key_from_public_key(public_key_bytes(key))
