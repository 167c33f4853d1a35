"""What each kind of logged document is, and how its leaf record is made.

A document arrives as a signed credential (exact bytes). ``prepare`` parses it, verifies its Data
Integrity proof, recognises its kind and derives the small canonical leaf record the log holds (DESIGN.md,
"What a leaf holds"): ``{"v":1,"kind":..,"credential":"sha256:<hex>","subject":..,"issuer":..,"time":..}``
in JCS. Every field comes from the credential itself, so the same credential always makes the same record and
a resubmission gets its first index. ``judge`` decides, at the exact log index the document would take,
whether its signer may say it; for a registry entry that is the registry's own ``apply``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from api.errors import ApiError
from identifiers.registry import RegistryState
from identifiers.registry_ops import RegistryOperation
from passport.document import SignedDocument, canonical_json
from passport.registry import is_registry_entry, parse_registry_entry

RECORD_VERSION = 1
KIND_REGISTRY = "registry"


class UnknownKindError(ApiError):
    """A credential of a type carbontrail does not log."""

    code = "api.unknown_kind"
    status = 422


class WrongKindError(ApiError):
    """A credential of a kind carbontrail logs, sent where another kind is expected (e.g. to /registry)."""

    code = "api.wrong_kind"
    status = 422


@dataclass(frozen=True)
class Prepared:
    """A verified document ready to log: its kind, subject, issuer, signer key and leaf record."""

    document: SignedDocument
    kind: str
    subject: str
    issuer: str
    time: str
    signer: bytes
    record: bytes
    operation: RegistryOperation | None = None


def leaf_record(kind: str, digest: str, subject: str, issuer: str, time: str) -> bytes:
    """The JCS leaf record that commits to a credential by digest."""
    return canonical_json(
        {
            "v": RECORD_VERSION,
            "kind": kind,
            "credential": digest,
            "subject": subject,
            "issuer": issuer,
            "time": time,
        }
    )


def is_leaf_record(entry: bytes) -> bool:
    """Whether a log entry is (or poses as) a leaf record: a JSON object with a ``credential`` digest."""
    try:
        data = json.loads(entry)
    except (ValueError, RecursionError):
        return False
    return isinstance(data, dict) and "credential" in data and data.get("v") == RECORD_VERSION


def _issuer(data: Mapping[str, Any]) -> str:
    issuer = data.get("issuer")
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    if not isinstance(issuer, str) or not issuer:
        raise ApiError("the credential has no issuer")
    return issuer


def _time(data: Mapping[str, Any]) -> str:
    time = data.get("validFrom")
    if not isinstance(time, str):
        proof = data.get("proof")
        time = proof.get("created") if isinstance(proof, Mapping) else None
    if not isinstance(time, str):
        raise ApiError("the credential has neither validFrom nor a proof creation time")
    return time


def prepare(raw: bytes) -> Prepared:
    """Parse, verify and classify one signed document.

    Raises:
        PassportError: the bytes are not a credential, or its proof does not verify.
        IdentifierError: a field that must be an identifier is not one.
        UnknownKindError: a credential of a type carbontrail does not log.
    """
    document = SignedDocument.from_bytes(raw)
    data = document.data
    if is_registry_entry(data):
        operation, signer = parse_registry_entry(document)
        subject = operation.uscc or "registrar"
        issuer, time = _issuer(data), _time(data)
        record = leaf_record(KIND_REGISTRY, document.digest, subject, issuer, time)
        return Prepared(document, KIND_REGISTRY, subject, issuer, time, signer, record, operation)
    raise UnknownKindError("carbontrail logs registry entries; this credential is of no kind it knows")


def judge(state: RegistryState, prepared: Prepared, index: int) -> RegistryState:
    """Return the registry state after ``prepared`` at ``index``, or raise why its signer may not say it.

    Raises:
        RegistryError: the signer has no authority for this document at this index.
    """
    if prepared.operation is not None:
        return state.apply(prepared.operation, prepared.signer, index)
    return state
