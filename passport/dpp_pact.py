"""A passport as a WBCSD PACT ``ProductFootprint`` of its product (docs/passport.md, "The PACT split and
export").

The passport's published figures are read as the attestation they amount to (the product, declared unit,
``pcfExcludingBiogenic`` by stage and its PACT split, boundary, reference period, the production site's
geography, standards, primary data share, data quality, uncertainty, factor datasets, and the
manufacturer's PACT statements: mass, carbon contents, exempted share, IPCC reports), and that attestation
is exported by :func:`passport.pact.export_pact`, with its promise: faithful or refused. Nothing is
recomputed here: the figures are the signed ones (a verifier recomputes them from a full passport).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from passport import pact_common as pc
from passport.attestation import Attestation
from passport.dpp_parse import Passport
from passport.errors import AttestationError
from passport.footprint import FactorDatasetRef, Stages
from passport.pact import export_pact

__all__ = ["export_passport_pact", "passport_attestation"]


def passport_attestation(passport: Passport) -> Attestation:
    """The attestation a passport's published figures amount to (module docstring).

    Raises:
        PactError: ``pact.required``: a passport without the PACT split (composed before it was published)
            or without standards; ``pact.unrepresentable`` / ``pact.inconsistent``: figures an attestation
            cannot hold (a negative fossil share from an end-of-life credit, an "of which" figure above the
            gross emissions after rounding; ``attestation_code`` names the rule).
    """
    if passport.split is None:
        raise pc.err(
            "required", "the passport states no PACT split (fossil, biogenic, land use): recompose it"
        )
    sc: Mapping[str, Any] = passport.subject["emissionsScorecard"]
    if not sc.get("standards"):
        raise pc.err("required", "PACT requires crossSectoralStandards; the passport states no standards")
    product = passport.subject["product"]
    datasets = tuple(
        FactorDatasetRef(d["datasetId"], d["version"], d.get("credential"))
        for d in sc.get("factorDatasets", [])
    )
    pact = {} if passport.pact is None else passport.pact.as_attestation_fields()
    try:
        return Attestation(
            product_id=passport.product_id, product_name=product.get("name"),
            declared_unit=passport.declared_unit, unitary_product_amount=passport.unitary_product_amount,
            pcf_excluding_biogenic=passport.pcf, boundary=passport.boundary,
            reference_period_start=sc["referencePeriodStart"], reference_period_end=sc["referencePeriodEnd"],
            standards=tuple(sc["standards"]), stages=Stages.from_items(dict(passport.stages)),
            geography=product["producedAtFacility"]["geography"],
            primary_data_share=passport.primary_data_share, dqi=passport.dqi,
            uncertainty=passport.uncertainty, factor_datasets=datasets,
            **passport.split.as_attestation_fields(), **pact,
        )  # fmt: skip
    except AttestationError as e:
        raise pc.from_attestation_error(e, "the passport's figures") from e


def export_passport_pact(
    passport: Passport,
    version: str,
    *,
    record: Mapping[str, Any] | None = None,
    issuer_domain: str | None = None,
) -> dict[str, Any]:
    """Export a passport as a PACT ``ProductFootprint`` of ``version`` (``"2.3"`` or ``"3.0"``).

    Args:
        passport: a parsed passport (either disclosure: the exported figures are the published totals).
        version: the target version.
        record: the host's record fields, as :func:`passport.pact.export_pact` takes them.
        issuer_domain: the domain for PACT URNs of a Handle product id.

    Raises:
        PactError: as :func:`passport_attestation` and :func:`passport.pact.export_pact` (``pact.required``
            names a field neither the passport nor the record gives).
    """
    return export_pact(passport_attestation(passport), version, record=record, issuer_domain=issuer_domain)
