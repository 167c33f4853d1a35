"""Reading a digital product passport credential before its proof is checked: the envelope and the subject's
shape and stated sums, hashing nothing (docs/passport.md, "The passport", "Rules").

:func:`check_passport` returns a :class:`Passport`: the figures a downstream tier or a verifier needs (the
footprint by stage, data quality, uncertainty, each component's secure link) and, in the full form, the
embedded specification. The UNTP members the roll-up does not decide (product, materials) are checked for
shape only; :func:`passport.dpp.recompute` checks the rest digit for digit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from identifiers.did import parse_did_key
from identifiers.errors import IdentifierError
from identifiers.multikey import did_key_from_public_key
from passport.contexts import CARBONTRAIL_V1, CREDENTIALS_V2, UNTP_DPP_0_6_1
from passport.dataintegrity import EDDSA_JCS_2022, PROOF_TYPE, is_date_time_stamp
from passport.dpp_subject import DISCLOSURES, SCOPES
from passport.envelope import Envelope, Kind, check_object
from passport.errors import AttestationError, DppError, SpecError, UnsupportedCryptosuiteError
from passport.footprint import LIFE_CYCLE_STAGES, DataQuality, Uncertainty
from passport.quantity import check_digest, check_text, exact_sum, parse_decimal
from passport.rollup import Upstream
from passport.rollup_split import PARTS, WIRE_NAMES, Split
from passport.spec import PassportSpec, spec_from_wire
from passport.spec_pact import WIRE_NAMES as PACT_NAMES
from passport.spec_pact import PactStatements, read_pact
from passport.units import REC20_CODES
from passport.validation import check_product_id

KIND = Kind("DigitalProductPassport", DppError, valid_until=True, cryptosuites=(EDDSA_JCS_2022,))
CONTEXT = [CREDENTIALS_V2, UNTP_DPP_0_6_1, CARBONTRAIL_V1]
RECEIPT_HEADER = "c2sp.org/tlog-proof@v1"
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s\"<>\\^`{|}]+")
_RECEIPT_INDEX = re.compile(r"\nindex (0|[1-9][0-9]{0,18})\n")
_UNITS = {code: name for name, code in REC20_CODES.items()}
_SUBJECT_REQUIRED = {"type", "product", "granularityLevel", "disclosure", "emissionsScorecard", "components"}
_SUBJECT_FULL = {"processContributions", "specification"}
_SUBJECT_OPTIONAL = {"conformityClaim", "materialsProvenance", "batteryCarbonFootprint"} | _SUBJECT_FULL
_SCORE_REQUIRED = {
    "type", "carbonFootprint", "declaredUnit", "operationalScope", "primarySourcedRatio",
    "pcfExcludingBiogenic", "unitaryProductAmount", "stages", "boundary", "referencePeriodStart",
    "referencePeriodEnd", "electricityAccounting", "decimalPlaces", "roundingMode",
}  # fmt: skip
_SCORE_OPTIONAL = {"standards", "primaryDataShare", "dqi", "uncertainty", "factorDatasets"} | WIRE_NAMES
_SCORE_OPTIONAL |= PACT_NAMES
_PRODUCT_REQUIRED = {"type", "id", "name", "registeredId", "producedAtFacility", "countryOfProduction"}
_LINK_REQUIRED = {"kind", "link", "credential"}
_LINK_OPTIONAL = {"productId", "logIndex", "receipt", "ref", "contribution"}


@dataclass(frozen=True)
class ComponentLink:
    """A component's secure link as a passport states it: the credential's digest, its product (for a
    supplier's credential; None for a factor dataset), log index and receipt when known, and in the full form
    the line's ref and contribution by stage."""

    kind: str
    credential: str
    product_id: str | None = None
    log_index: int | None = None
    receipt: str | None = None
    ref: str | None = None
    contribution: tuple[tuple[str, Decimal], ...] | None = None


@dataclass(frozen=True)
class Passport:
    """A parsed passport: what it states, its embedded specification (full form), and the subject itself."""

    id: str
    issuer: str
    issuer_name: str
    product_id: str
    disclosure: str
    declared_unit: str
    unitary_product_amount: Decimal
    boundary: str
    stages: tuple[tuple[str, Decimal], ...]
    pcf: Decimal
    components: tuple[ComponentLink, ...]
    primary_data_share: Decimal | None = None
    dqi: DataQuality | None = None
    uncertainty: Uncertainty | None = None
    benchmark: str | None = None
    spec: PassportSpec | None = None
    split: Split | None = None
    pact: PactStatements | None = None
    subject: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    envelope: Envelope | None = field(default=None, compare=False, repr=False)

    @property
    def kind(self) -> Kind:
        """The credential kind (for verifying the envelope)."""
        return KIND

    def to_upstream(
        self, digest: str, *, log_index: int | None = None, receipt: str | None = None
    ) -> Upstream:
        """This passport as a component of the next tier (its published stages, data quality, primary data
        share and standard deviation)."""
        return Upstream(
            digest, "passport", self.product_id, self.declared_unit, self.unitary_product_amount,
            self.boundary, self.stages, self.primary_data_share, self.dqi, self.uncertainty, log_index,
            receipt, self.split,
        )  # fmt: skip


def _err(rule: str, message: str) -> DppError:
    return DppError(rule, message)


def _obj(value: Any, what: str, required: set[str], optional: set[str]) -> dict[str, Any]:
    return check_object(value, what, required, optional, DppError)


def _dec(value: Any, what: str) -> Decimal:
    return parse_decimal(value, what, DppError)


def _number_is(value: Any, decimal: Decimal, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _err("field", f"{what} must be a JSON number")
    if Decimal(repr(value)) != decimal:
        raise _err("sum", f"{what} {value!r} is not the decimal the passport states ({decimal})")


def _stage_map(value: Any, what: str) -> tuple[tuple[str, Decimal], ...]:
    s = _obj(value, what, set(), set(LIFE_CYCLE_STAGES))
    return tuple((name, _dec(s[name], f"{what}.{name}")) for name in LIFE_CYCLE_STAGES if name in s)


def _envelope(data: Mapping[str, Any]) -> tuple[Envelope, str, str, dict[str, Any]]:
    if data.get("type") != KIND.types:
        raise _err("shape", f"a passport's type is {KIND.types}")
    if data.get("@context") != CONTEXT:
        raise _err("shape", f"a passport's @context is {CONTEXT}")
    extra = sorted(set(data) - KIND.properties)
    if extra:
        raise _err("shape", f"a passport may not carry {', '.join(extra)}")
    if not isinstance(data.get("id"), str) or _URI.fullmatch(data["id"]) is None:
        raise _err("shape", "a passport's id is an absolute URI")
    for name in ("validFrom", "validUntil"):
        if (name in data or name == "validFrom") and not (
            isinstance(data.get(name), str) and is_date_time_stamp(data[name])
        ):
            raise _err("shape", f"{name} must be an XML Schema dateTimeStamp")
    issuer = check_object(data.get("issuer"), "issuer", {"type", "id", "name"}, set(), DppError)
    if issuer["type"] != ["CredentialIssuer"] or not isinstance(issuer["id"], str):
        raise _err("shape", "the issuer is a CredentialIssuer whose id is the signing key's did:key")
    try:
        key = parse_did_key(issuer["id"]).public_key
    except IdentifierError as e:
        raise _err("shape", f"the issuer is not a did:key: {e.message}") from e
    if issuer["id"] != did_key_from_public_key(key):
        raise _err("shape", "the issuer is not a canonical did:key")
    check_text(issuer["name"], "issuer.name", DppError)
    proof = data.get("proof")
    if (
        isinstance(proof, dict)
        and proof.get("type") == PROOF_TYPE
        and proof.get("cryptosuite") != EDDSA_JCS_2022
    ):
        raise UnsupportedCryptosuiteError(
            "passports are signed eddsa-jcs-2022 (the UNTP context is never loaded)"
        )
    subject = data.get("credentialSubject")
    if not isinstance(subject, dict):
        raise _err("shape", "credentialSubject must be one JSON object")
    envelope = Envelope(key, data["validFrom"], data.get("validUntil"), subject)
    return envelope, issuer["id"], issuer["name"], subject


def _split(sc: Mapping[str, Any], pcf: Decimal) -> Split | None:
    # The PACT split (passport/rollup_split.py): all of it or none, its sums exact.
    if not WIRE_NAMES & set(sc):
        return None
    if not {"fossilGhgEmissions", "pcfIncludingBiogenic", "packagingEmissionsIncluded"} <= set(sc):
        raise _err(
            "field", "a split states fossilGhgEmissions, pcfIncludingBiogenic, packagingEmissionsIncluded"
        )
    if not isinstance(sc["packagingEmissionsIncluded"], bool):
        raise _err("field", "packagingEmissionsIncluded is true or false")
    parts = tuple((w, _dec(sc[w], w)) for _, w in PARTS if w in sc)
    split = Split(
        _dec(sc["fossilGhgEmissions"], "fossilGhgEmissions"), parts, sc["packagingEmissionsIncluded"]
    )
    if split.pcf_excluding_biogenic != pcf:
        raise _err("sum", "fossil and the other parts do not sum to pcfExcludingBiogenic")
    if split.pcf_including_biogenic != _dec(sc["pcfIncludingBiogenic"], "pcfIncludingBiogenic"):
        raise _err("sum", "pcfIncludingBiogenic is not pcfExcludingBiogenic plus biogenicCO2Uptake")
    return split


def _pact(sc: Mapping[str, Any]) -> PactStatements | None:
    stated = {k: v for k, v in sc.items() if k in PACT_NAMES}
    if not stated:
        return None
    try:
        return read_pact(stated, "emissionsScorecard")
    except SpecError as e:
        raise _err("field", e.message) from e


def _link(raw: Any, full: bool) -> ComponentLink:
    c = _obj(raw, "a component", _LINK_REQUIRED, _LINK_OPTIONAL)
    if c["kind"] not in ("component", "material"):
        raise _err("field", "a component's kind is component or material")
    digest = check_digest(c["credential"], "component credential", DppError)
    link = _obj(
        c["link"], "a secure link", {"type", "linkName", "linkType", "hashDigest", "hashMethod"}, set()
    )
    if link["hashMethod"] != "SHA-256" or link["hashDigest"] != digest.removeprefix("sha256:"):
        raise _err("link", "a secure link's SHA-256 hashDigest is the credential's digest")
    product = c.get("productId")
    if (product is None) != (c["kind"] == "material"):
        raise _err("link", "a supplier's component names its productId; a factor dataset does not")
    if product is not None:
        try:
            check_product_id(product)
        except AttestationError as e:
            raise _err("identifier", e.message) from e
    index, receipt = c.get("logIndex"), c.get("receipt")
    if index is not None and (type(index) is not int or not 0 <= index < 2**53):
        raise _err("link", "logIndex is a non-negative JSON integer")
    if receipt is not None:
        if index is None or not isinstance(receipt, str) or not receipt.startswith(RECEIPT_HEADER + "\n"):
            raise _err("receipt", f"a receipt is {RECEIPT_HEADER} text, with the logIndex it proves")
        found = _RECEIPT_INDEX.search(receipt)
        if found is None or int(found[1]) != index:
            raise _err("receipt", "the receipt proves another index than logIndex")
    if full != ("ref" in c and "contribution" in c) or (not full and ("ref" in c or "contribution" in c)):
        raise _err(
            "disclosure", "a full passport states each component's ref and contribution, aggregated neither"
        )
    contribution = None if "contribution" not in c else _stage_map(c["contribution"], "contribution")
    return ComponentLink(c["kind"], digest, product, index, receipt, c.get("ref"), contribution)


def check_passport(data: Mapping[str, Any]) -> Passport:
    """Check a passport credential's envelope and subject, hashing nothing (module docstring).

    Raises:
        DppError: the first rule broken (``dpp.shape``, ``field``, ``decimal``, ``identifier``, ``link``,
            ``receipt``, ``sum``, ``disclosure``).
        UnsupportedCryptosuiteError: a proof of another cryptosuite than ``eddsa-jcs-2022``.
    """
    envelope, issuer, issuer_name, s = _envelope(data)
    s = _obj(s, "credentialSubject", _SUBJECT_REQUIRED, _SUBJECT_OPTIONAL)
    if s["type"] != ["ProductPassport"] or s["disclosure"] not in DISCLOSURES:
        raise _err("field", f"the subject is a ProductPassport disclosed as one of {list(DISCLOSURES)}")
    full = s["disclosure"] == "full"
    if full != (set(s) >= _SUBJECT_FULL) or (not full and _SUBJECT_FULL & set(s)):
        raise _err(
            "disclosure", "the full form carries the specification and contributions, aggregated neither"
        )
    product = _obj(
        s["product"], "product", _PRODUCT_REQUIRED, {"batchNumber", "serialNumber", "productionDate"},
    )  # fmt: skip
    try:
        check_product_id(product["registeredId"])
    except AttestationError as e:
        raise _err("identifier", e.message) from e
    sc = _obj(s["emissionsScorecard"], "emissionsScorecard", _SCORE_REQUIRED, _SCORE_OPTIONAL)
    unit = _UNITS.get(sc["declaredUnit"])
    if unit is None or sc["boundary"] not in SCOPES or SCOPES[sc["boundary"]] != sc["operationalScope"]:
        raise _err(
            "field", "declaredUnit must be a UN/ECE code of a PACT unit; boundary and scope must agree"
        )
    pcf = _dec(sc["pcfExcludingBiogenic"], "pcfExcludingBiogenic")
    stages = _stage_map(sc["stages"], "stages")
    if exact_sum(v for _, v in stages) != pcf:
        raise _err("sum", "the stages do not sum to pcfExcludingBiogenic")
    _number_is(sc["carbonFootprint"], pcf, "carbonFootprint")
    share = None if "primaryDataShare" not in sc else _dec(sc["primaryDataShare"], "primaryDataShare")
    _number_is(sc["primarySourcedRatio"], (share or Decimal(0)).scaleb(-2), "primarySourcedRatio")
    dqi = None
    if "dqi" in sc:
        wire = DataQuality.WIRE
        q = _obj(sc["dqi"], "dqi", {w for _, w in wire[:3]}, {w for _, w in wire[3:]})
        dqi = DataQuality(**{a: _dec(q[w], f"dqi.{w}") for a, w in wire if w in q})
    uncertainty = None
    if "uncertainty" in sc:
        u = sc["uncertainty"]
        if not isinstance(u, dict) or "standardDeviation" not in u:
            raise _err("field", "uncertainty states a standardDeviation")
        sd = _dec(u["standardDeviation"], "uncertainty.standardDeviation")
        uncertainty = Uncertainty("normal", "analytical", standard_deviation=sd) if sd > 0 else None
    links = s["components"]
    if not isinstance(links, list):
        raise _err("field", "components is a list")
    spec = None
    if full:
        try:
            spec = spec_from_wire(s["specification"])
        except SpecError as e:
            raise _err("field", f"the embedded specification: {e.message}") from e
        if spec.product.id != product["registeredId"]:
            raise _err("field", "the embedded specification is for another product")
    benchmark = None
    if "conformityClaim" in s:
        claims = s["conformityClaim"]
        if not isinstance(claims, list) or len(claims) != 1 or not isinstance(claims[0], dict):
            raise _err("field", "conformityClaim holds the one grade claim")
        b = claims[0].get("benchmark")
        benchmark = check_digest(b.get("credential") if isinstance(b, dict) else None, "benchmark", DppError)
    return Passport(
        data["id"], issuer, issuer_name, product["registeredId"], s["disclosure"], unit,
        _dec(sc["unitaryProductAmount"], "unitaryProductAmount"), sc["boundary"], stages, pcf,
        tuple(_link(raw, full) for raw in links), share, dqi, uncertainty, benchmark, spec, _split(sc, pcf),
        _pact(sc), s, envelope,
    )  # fmt: skip
