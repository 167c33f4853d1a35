"""Footprint attestations: a supplier's signed product carbon footprint (docs/attestation.md).

A ``FootprintAttestation`` is a W3C VC 2.0 credential (envelope: passport/envelope.py) whose
``credentialSubject`` states one product's footprint per declared unit, split as WBCSD PACT v3.0 splits it
(``CarbonFootprint``: fossil, land-use change, biogenic emissions and removals, biogenic CO2 uptake, aircraft,
packaging) and by life-cycle stage, with its boundary, reference period, geography, standards, data quality,
uncertainty, the factor datasets it used and the attestation it supersedes. Field names are PACT's where PACT
has the field.

The mapping between :class:`Attestation` and the subject is a bijection: decimals are canonical strings
(passport/quantity.py), absent optional fields are left out (never ``null``, never an empty list), and
unknown subject fields are refused (``attestation.field``). PACT data model extensions travel verbatim in
``extensions``. Building an :class:`Attestation` runs every rule of passport/validation.py, so an
attestation value that exists is a valid one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import InitVar, dataclass, field, replace
from decimal import Decimal
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from passport import footprint as fp
from passport.dataintegrity import EDDSA_JCS_2022
from passport.document import SignedDocument, canonical_json
from passport.envelope import Kind, check_envelope, check_object, is_kind, sign_kind, verify_envelope
from passport.errors import AttestationError
from passport.quantity import format_decimal, parse_decimal
from passport.validation import validate_attestation

DECIMALS = fp.DECIMAL_FIELDS

FOOTPRINT_ATTESTATION = "FootprintAttestation"
KIND = Kind(FOOTPRINT_ATTESTATION, AttestationError, valid_until=True)

TEXTS = (
    ("product_id", "productId"),
    ("product_name", "productName"),
    ("product_category", "productCategory"),
    ("declared_unit", "declaredUnit"),
    ("boundary", "boundary"),
    ("reference_period_start", "referencePeriodStart"),
    ("reference_period_end", "referencePeriodEnd"),
    ("geography", "geography"),
    ("supersedes", "supersedes"),
)
REQUIRED = frozenset(
    {
        "productId", "declaredUnit", "unitaryProductAmount", "pcfExcludingBiogenic", "pcfIncludingBiogenic",
        "fossilGhgEmissions", "packagingEmissionsIncluded", "boundary", "referencePeriodStart",
        "referencePeriodEnd", "standards",
    }
)  # fmt: skip
LISTS = (
    "standards",
    "ipccCharacterizationFactors",
    "productOrSectorSpecificRules",
    "factorDatasets",
    "extensions",
)
OBJECTS = ("stages", "dqi", "uncertainty")
SUBJECT_FIELDS = frozenset(
    {json for _, json, _ in DECIMALS}
    | {json for _, json in TEXTS}
    | {"packagingEmissionsIncluded", *LISTS, *OBJECTS}
)


@dataclass(frozen=True)
class Attestation:
    """A product's footprint per declared unit, as its supplier attests it (docs/attestation.md).

    Amounts are kgCO2e per declared unit (``unitary_product_amount`` x ``declared_unit``) except the carbon
    contents (kgC per declared unit), ``product_mass_per_declared_unit`` (kg) and the percentages. Building
    one runs every rule (passport/validation.py) and raises :class:`~passport.errors.AttestationError`.
    """

    product_id: str
    declared_unit: str
    unitary_product_amount: Decimal
    pcf_excluding_biogenic: Decimal
    pcf_including_biogenic: Decimal
    fossil_ghg_emissions: Decimal
    packaging_emissions_included: bool
    boundary: str
    reference_period_start: str
    reference_period_end: str
    standards: tuple[str, ...]
    product_name: str | None = None
    product_category: str | None = None
    product_mass_per_declared_unit: Decimal | None = None
    land_use_emissions: Decimal | None = None
    land_management_biogenic_co2_emissions: Decimal | None = None
    biogenic_non_co2_emissions: Decimal | None = None
    land_management_biogenic_co2_removals: Decimal | None = None
    technological_co2_removals: Decimal | None = None
    ccs_technological_co2_capture: Decimal | None = None
    biogenic_co2_uptake: Decimal | None = None
    land_management_fossil_ghg_emissions: Decimal | None = None
    aircraft_ghg_emissions: Decimal | None = None
    packaging_ghg_emissions: Decimal | None = None
    fossil_carbon_content: Decimal | None = None
    biogenic_carbon_content: Decimal | None = None
    stages: fp.Stages | None = None
    geography: str | None = None
    product_or_sector_specific_rules: tuple[fp.SectorRule, ...] = ()
    ipcc_characterization_factors: tuple[str, ...] = ()
    exempted_emissions_percent: Decimal | None = None
    primary_data_share: Decimal | None = None
    dqi: fp.DataQuality | None = None
    uncertainty: fp.Uncertainty | None = None
    factor_datasets: tuple[fp.FactorDatasetRef, ...] = ()
    supersedes: str | None = None
    extensions: tuple[fp.PactExtension, ...] = field(default=())
    _decimals_parsed: InitVar[bool] = False
    """Set only by the wire parser, every decimal of which ``parse_decimal`` read: the decimal rule then
    already holds and is not checked twice (not a field: a copy is checked in full)."""

    def __post_init__(self, _decimals_parsed: bool) -> None:
        validate_attestation(self, decimals_checked=_decimals_parsed)

    def with_changes(self, **changes: Any) -> Attestation:
        """A copy with some fields changed (validated like any new attestation)."""
        return replace(self, **changes)

    def to_subject(self) -> dict[str, Any]:
        """The ``credentialSubject`` stating this attestation (docs/attestation.md, "The subject")."""
        return _to_subject(self)

    def to_credential(self, issuer: str, valid_from: str, valid_until: str | None = None) -> dict[str, Any]:
        """The unsigned credential, issued by the did:key ``issuer``."""
        credential: dict[str, Any] = {
            "@context": ["https://www.w3.org/ns/credentials/v2", "https://carbontrail.dev/ns/v1"],
            "type": KIND.types,
            "issuer": issuer,
            "validFrom": valid_from,
            "credentialSubject": self.to_subject(),
        }
        if valid_until is not None:
            credential["validUntil"] = valid_until
        return credential

    @classmethod
    def from_subject(cls, subject: Any) -> Attestation:
        """Parse a ``credentialSubject``.

        Raises:
            AttestationError: the subject breaks a rule (``attestation.field``, ``.decimal``, ... see
                docs/attestation.md).
        """
        return _from_subject(subject)

    @classmethod
    def from_credential(cls, credential: Mapping[str, Any]) -> Attestation:
        """Parse an attestation credential's envelope and subject, without verifying its proof (use
        :func:`parse_attestation` for a received document).

        Raises:
            AttestationError: the envelope or the subject breaks a rule.
        """
        return _from_subject(check_envelope(KIND, credential).subject)


# --- the wire form --------------------------------------------------------------------------------------


def _err(rule: str, message: str) -> AttestationError:
    return AttestationError(rule, message)


def _dec(value: Decimal) -> str:
    return format_decimal(value)


def _to_subject(att: Attestation) -> dict[str, Any]:
    subject: dict[str, Any] = {}
    for attr, json_name in TEXTS:
        if getattr(att, attr) is not None:
            subject[json_name] = getattr(att, attr)
    for attr, json_name, _ in DECIMALS:
        if getattr(att, attr) is not None:
            subject[json_name] = _dec(getattr(att, attr))
    subject["packagingEmissionsIncluded"] = att.packaging_emissions_included
    subject["standards"] = list(att.standards)
    if att.ipcc_characterization_factors:
        subject["ipccCharacterizationFactors"] = list(att.ipcc_characterization_factors)
    if att.product_or_sector_specific_rules:
        subject["productOrSectorSpecificRules"] = [
            {"operator": r.operator, "ruleNames": list(r.rule_names)}
            | ({} if r.other_operator_name is None else {"otherOperatorName": r.other_operator_name})
            for r in att.product_or_sector_specific_rules
        ]
    if att.factor_datasets:
        subject["factorDatasets"] = [
            {"datasetId": d.dataset_id, "version": d.version}
            | ({} if d.credential is None else {"credential": d.credential})
            for d in att.factor_datasets
        ]
    if att.extensions:
        subject["extensions"] = [
            {"specVersion": e.spec_version, "dataSchema": e.data_schema, "data": e.data_value}
            | ({} if e.documentation is None else {"documentation": e.documentation})
            for e in att.extensions
        ]
    if att.stages is not None:
        subject["stages"] = {name: _dec(value) for name, value in att.stages.items()}
    if att.dqi is not None:
        subject["dqi"] = {
            w: _dec(getattr(att.dqi, a)) for a, w in att.dqi.WIRE if getattr(att.dqi, a) is not None
        }
    if att.uncertainty is not None:
        subject["uncertainty"] = fp.uncertainty_to_wire(att.uncertainty)
    return subject


_REQUIRED, _OPTIONAL = set(REQUIRED), set(SUBJECT_FIELDS - REQUIRED)
"""The subject's members as sets, made once (check_object only reads them)."""
_NO_MEMBERS: set[str] = set()
_STAGES = set(fp.LIFE_CYCLE_STAGES)
_STAGE_LABELS = {name: f"stages.{name}" for name in fp.LIFE_CYCLE_STAGES}
_DQI_REQUIRED = {w for _, w in fp.DataQuality.WIRE[:3]}
_DQI_OPTIONAL = {w for _, w in fp.DataQuality.WIRE[3:]}
_DQI_LABELS = tuple((a, w, f"dqi.{w}") for a, w in fp.DataQuality.WIRE)
"""The nested objects' members and the names their errors give, made once as well."""


def _object(value: Any, what: str, required: set[str], optional: set[str]) -> dict[str, Any]:
    return check_object(value, what, required, optional, AttestationError)


def _str(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise _err("field", f"{what} must be a string")
    return value


def _list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise _err("field", f"{what} must be a non-empty list (leave it out when there is nothing to list)")
    return value


def _strings(value: Any, what: str) -> tuple[str, ...]:
    return tuple(_str(item, what) for item in _list(value, what))


def _from_subject(subject: Any) -> Attestation:
    s = _object(subject, "credentialSubject", _REQUIRED, _OPTIONAL)
    values: dict[str, Any] = {attr: _str(s[w], w) for attr, w in TEXTS if w in s}
    for attr, json_name, _ in DECIMALS:
        if json_name in s:
            values[attr] = parse_decimal(s[json_name], json_name, AttestationError)
    if not isinstance(s["packagingEmissionsIncluded"], bool):
        raise _err("field", "packagingEmissionsIncluded must be true or false")
    values["packaging_emissions_included"] = s["packagingEmissionsIncluded"]
    values["standards"] = _strings(s["standards"], "standards")
    if "ipccCharacterizationFactors" in s:
        values["ipcc_characterization_factors"] = _strings(s["ipccCharacterizationFactors"], "ipcc")
    if "productOrSectorSpecificRules" in s:
        rules = []
        for item in _list(s["productOrSectorSpecificRules"], "productOrSectorSpecificRules"):
            r = _object(item, "a product or sector rule", {"operator", "ruleNames"}, {"otherOperatorName"})
            other = r.get("otherOperatorName")
            rules.append(
                fp.SectorRule(
                    _str(r["operator"], "operator"),
                    _strings(r["ruleNames"], "ruleNames"),
                    None if other is None else _str(other, "otherOperatorName"),
                )
            )
        values["product_or_sector_specific_rules"] = tuple(rules)
    if "factorDatasets" in s:
        refs = []
        for item in _list(s["factorDatasets"], "factorDatasets"):
            d = _object(item, "a factor dataset reference", {"datasetId", "version"}, {"credential"})
            cred = d.get("credential")
            refs.append(
                fp.FactorDatasetRef(
                    _str(d["datasetId"], "datasetId"),
                    _str(d["version"], "version"),
                    None if cred is None else _str(cred, "credential"),
                )
            )
        values["factor_datasets"] = tuple(refs)
    if "extensions" in s:
        exts = []
        for item in _list(s["extensions"], "extensions"):
            e = _object(item, "a PACT extension", {"specVersion", "dataSchema", "data"}, {"documentation"})
            if not isinstance(e["data"], dict):
                raise _err("extension", "a PACT extension's data must be a JSON object")
            doc = e.get("documentation")
            exts.append(
                fp.PactExtension(
                    _str(e["specVersion"], "specVersion"),
                    _str(e["dataSchema"], "dataSchema"),
                    canonical_json(e["data"]).decode("utf-8"),
                    None if doc is None else _str(doc, "documentation"),
                )
            )
        values["extensions"] = tuple(exts)
    if "stages" in s:
        st = _object(s["stages"], "stages", _NO_MEMBERS, _STAGES)
        if not st:
            raise _err("field", "stages must report at least one stage (leave it out otherwise)")
        values["stages"] = fp.Stages.from_items(
            {k: parse_decimal(v, _STAGE_LABELS[k], AttestationError) for k, v in st.items()}
        )
    if "dqi" in s:
        q = _object(s["dqi"], "dqi", _DQI_REQUIRED, _DQI_OPTIONAL)
        values["dqi"] = fp.DataQuality(
            **{a: parse_decimal(q[w], label, AttestationError) for a, w, label in _DQI_LABELS if w in q}
        )
    if "uncertainty" in s:
        values["uncertainty"] = fp.uncertainty_from_wire(s["uncertainty"], "uncertainty", AttestationError)
    return Attestation(**values, _decimals_parsed=True)


# --- signing and parsing ----------------------------------------------------------------------------------


def sign_attestation(
    att: Attestation,
    key: Ed25519PrivateKey,
    valid_from: str | None = None,
    *,
    valid_until: str | None = None,
    cryptosuite: str = EDDSA_JCS_2022,
) -> SignedDocument:
    """Sign an attestation with ``key`` (the issuer is its did:key).

    Args:
        att: the attestation.
        key: the supplier's signing key (registered to the organisation holding the product's prefix).
        valid_from: ``validFrom`` and the proof's ``created``; now (UTC, seconds) if None.
        valid_until: an optional ``validUntil`` (PACT ``validityPeriodEnd``).
        cryptosuite: ``eddsa-jcs-2022`` (default) or ``eddsa-rdfc-2022``.

    Raises:
        AttestationError: ``attestation.shape``: a date that is not a dateTimeStamp.
    """
    return sign_kind(
        KIND, att.to_subject(), key, valid_from=valid_from, valid_until=valid_until, cryptosuite=cryptosuite
    )


def is_attestation(data: Mapping[str, Any]) -> bool:
    """Whether a parsed credential declares itself a footprint attestation (routing only)."""
    return is_kind(KIND, data)


def parse_attestation(
    doc: SignedDocument, *, secured: dict[str, Any] | None = None
) -> tuple[Attestation, bytes]:
    """Check and verify a footprint attestation; return it and the raw public key that signed it.

    Steps: 1. the envelope (passport/envelope.py) and 2. the subject with every rule, before any hashing;
    3. the proof on the exact bytes, and the issuer is the key that signed. Whether that key may speak for the
    product is the registry's question, asked by the pipeline at the document's log index.

    Every step works on one parse of ``doc.raw``: ``secured`` if given (a parse made for this call and
    unchanged, as :func:`~passport.dataintegrity.verify_credential` requires: a caller that has just made
    ``doc`` with :meth:`SignedDocument.from_bytes` may pass ``dict(doc.data)``), otherwise a fresh one.

    Raises:
        MalformedCredentialError: the bytes are not a credential.
        AttestationError: the envelope or subject breaks a rule (its ``code`` names it).
        UnsupportedCryptosuiteError, MalformedProofError, ProofPurposeError, ContextNotAllowedError,
            ContextDigestError, CanonicalizationError, VerificationMethodError, ProofError: the proof does not
            verify.
        IssuerError: the issuer is not the did:key of the key that signed.
    """
    if secured is None:
        secured = doc.parse()
    envelope = check_envelope(KIND, secured)
    att = _from_subject(envelope.subject)
    verified = verify_envelope(KIND, doc, envelope, secured)
    return att, verified.public_key
