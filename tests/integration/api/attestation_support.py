"""Shared by the attestation integration tests: the parties (a supplier, another supplier, a certification
body, a database publisher) registered on an installation, attestations signed by them, and a snapshot of
everything a submission may write (the log, the credential store and every document table, queried)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from api.logservice import Log
from api.orm import AttestationRow, Credential, Document, EndorsementRow, PublicationRow
from identifiers.registry_ops import RegistryOperation as Op
from ledger.storage.orm import Checkpoint, LogEntry, Pending
from passport.attestation import Attestation, sign_attestation
from passport.endorsement import Endorsement, sign_endorsement
from passport.footprint import Stages
from passport.revocation import Revocation, sign_revocation
from tests.integration.api.registry_support import (
    CERT_BODY,
    SUPPLIER,
    VALID_FROM,
    Installation,
    new_key,
    pub,
    uscc,
)

PUBLISHER, OTHER = uscc(3), uscc(4)
PRODUCT = "88.118.8/LFP-280Ah"
OTHER_PRODUCT = "88.118.9/PV-M10"


@dataclass
class Parties:
    """The registered organisations' signing keys."""

    supplier: Ed25519PrivateKey
    other: Ed25519PrivateKey
    cert: Ed25519PrivateKey
    publisher: Ed25519PrivateKey


def register_parties(inst: Installation) -> Parties:
    """Register the supplier (prefix 88.118.8), another supplier (88.118.9, a manufacturer), a certification
    body and a database publisher, each with one key."""
    parties = Parties(new_key(), new_key(), new_key(), new_key())
    inst.logged(
        Op.register_organisation(
            SUPPLIER, "Cells", ["supplier"], prefixes=["88.118.8"], keys=[pub(parties.supplier)]
        )
    )
    inst.logged(
        Op.register_organisation(
            OTHER, "Modules", ["manufacturer"], prefixes=["88.118.9"], keys=[pub(parties.other)]
        )
    )
    inst.logged(
        Op.register_organisation(CERT_BODY, "Verifier", ["certification-body"], keys=[pub(parties.cert)])
    )
    inst.logged(
        Op.register_organisation(PUBLISHER, "Database", ["database-publisher"], keys=[pub(parties.publisher)])
    )
    return parties


def attestation(**changes: Any) -> Attestation:
    """docs/attestation.md's worked example (sums hold), with ``changes``."""
    base = Attestation(
        product_id=PRODUCT,
        declared_unit="kilowatt hour",
        unitary_product_amount=Decimal("1"),
        pcf_excluding_biogenic=Decimal("62.40"),
        pcf_including_biogenic=Decimal("62.20"),
        fossil_ghg_emissions=Decimal("61.90"),
        land_use_emissions=Decimal("0.40"),
        biogenic_non_co2_emissions=Decimal("0.10"),
        biogenic_co2_uptake=Decimal("-0.20"),
        packaging_emissions_included=True,
        packaging_ghg_emissions=Decimal("0.30"),
        stages=Stages.from_items(
            {
                "rawMaterialAcquisition": Decimal("44.10"),
                "manufacturing": Decimal("16.80"),
                "distribution": Decimal("1.50"),
            }
        ),
        boundary="cradle-to-gate",
        reference_period_start="2025-01-01T00:00:00Z",
        reference_period_end="2026-01-01T00:00:00Z",
        geography="CN-JS",
        standards=("ISO14067", "GB/T 24067"),
    )
    return base.with_changes(**changes) if changes else base


def signed_attestation(key: Ed25519PrivateKey, **changes: Any) -> bytes:
    """The exact bytes of :func:`attestation` signed by ``key``."""
    return sign_attestation(attestation(**changes), key, VALID_FROM).raw


def signed_revocation(key: Ed25519PrivateKey, digest: str, product: str | None = PRODUCT) -> bytes:
    """A revocation of ``digest`` signed by ``key``."""
    return sign_revocation(Revocation(digest, product, "withdrawn"), key, VALID_FROM).raw


def signed_endorsement(key: Ed25519PrivateKey, digest: str, product: str = PRODUCT) -> bytes:
    """An endorsement of ``digest`` signed by ``key``."""
    return sign_endorsement(Endorsement(digest, product, "reasonable"), key, VALID_FROM).raw


def snapshot(log: Log) -> dict[str, Any]:
    """Every row a submission may write, queried: log entries, checkpoints, pending rows, credentials,
    documents, attestations (with their status), endorsements and publications."""
    with log.store.engine.connect() as conn:

        def rows(*columns: Any) -> list[tuple[Any, ...]]:
            return sorted(tuple(r) for r in conn.execute(select(*columns)).all())

        return {
            "size": log.store.size(),
            "entries": rows(LogEntry.idx, LogEntry.leaf_hash),
            "checkpoints": rows(Checkpoint.size),
            "pending": rows(Pending.id),
            "credentials": rows(Credential.digest, Credential.kind),
            "documents": rows(Document.log_index, Document.digest, Document.kind, Document.subject),
            "attestations": rows(
                AttestationRow.digest,
                AttestationRow.log_index,
                AttestationRow.superseded_at,
                AttestationRow.superseded_by,
                AttestationRow.revoked_at,
                AttestationRow.revoked_by,
            ),
            "endorsements": rows(EndorsementRow.digest, EndorsementRow.endorses),
            "publications": rows(PublicationRow.kind, PublicationRow.name, PublicationRow.version),
        }
