"""The digital product passport credential: a UN Transparency Protocol 0.6 style ``DigitalProductPassport``
whose footprint is the roll-up of its components' logged credentials (DESIGN.md "Credentials", "Disclosure";
docs/passport.md "The passport").

* ``@context`` is exactly [VC 2.0, UNTP DPP 0.6.1, carbontrail v1]: UNTP's context is named, never loaded
  (GPL-3.0, not shipped), which ``eddsa-jcs-2022`` allows; so passports are signed with ``eddsa-jcs-2022``
  only. ``type`` is ``["VerifiableCredential", "DigitalProductPassport"]``; ``id`` an absolute URI;
  ``issuer`` the UNTP ``CredentialIssuer`` object whose ``id`` is the signing key's did:key.
* The subject is a UNTP ``ProductPassport``: ``product``, ``granularityLevel``, ``emissionsScorecard``,
  ``conformityClaim`` (the grade), ``materialsProvenance``, plus carbontrail's ``disclosure``, ``components``
  (secure links), and in the **full** form each line's contribution (``components[].contribution``,
  ``processContributions``) and the ``specification`` itself with every component and dataset pinned, from
  which :func:`recompute` checks the roll-up digit for digit. The **aggregated** form keeps the links and the
  totals by stage only.

Parsing checks the envelope and the subject's shape and internal sums before any hashing, then the proof on
the exact bytes, then that the issuer is the key that signed. Authority (the signer's organisation holds a
prefix covering the product) is the pipeline's question, as for attestations.
"""

from __future__ import annotations

import hmac
import math
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import quote

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from identifiers.gs1_item import Gs1Item
from identifiers.gtin import Gtin
from identifiers.handle import Handle
from identifiers.multikey import did_key_from_public_key, did_key_verification_method
from identifiers.parse import parse_identifier
from passport.contexts import CARBONTRAIL_V1, CREDENTIALS_V2, UNTP_DPP_0_6_1
from passport.dataintegrity import EDDSA_JCS_2022, sign_credential
from passport.document import SignedDocument, canonical_json
from passport.dpp_parse import Passport, check_passport
from passport.dpp_subject import DISCLOSURES, computed, materials
from passport.envelope import public_key_bytes, verify_envelope
from passport.errors import DppError, RollupError, SpecError
from passport.rollup import BenchmarkUse, DatasetUse, Resolved, Rollup, Upstream, rollup
from passport.spec import DatasetPin, PassportSpec

__all__ = [
    "CONTEXT",
    "DIGITAL_PRODUCT_PASSPORT",
    "Passport",
    "compose_passport",
    "is_passport",
    "parse_passport",
    "product_uri",
    "recompute",
    "sign_passport",
]

DIGITAL_PRODUCT_PASSPORT = "DigitalProductPassport"
CONTEXT = (CREDENTIALS_V2, UNTP_DPP_0_6_1, CARBONTRAIL_V1)


def product_uri(product_id: str, resolver_base: str) -> str:
    """The product's URI (UNTP ``product.id``): on the platform's resolver (``<base>/id/<handle>``, GS1
    Digital Link paths ``<base>/01/<gtin>/...``); a URN stays itself."""
    identifier = parse_identifier(product_id)
    base = resolver_base.rstrip("/")
    if isinstance(identifier, Handle):
        return f"{base}/id/{quote(identifier.canonical, safe='/.')}"
    if isinstance(identifier, Gtin):
        return f"{base}/01/{identifier.digits}"
    if isinstance(identifier, Gs1Item):
        path = "".join(
            f"/{ai}/{quote(v, safe='')}" for ai, v in (("01", identifier.gtin.digits), *identifier.qualifiers)
        )
        return base + path
    return identifier.canonical


def _product(spec: PassportSpec, resolver_base: str) -> dict[str, Any]:
    p = spec.product
    out: dict[str, Any] = {
        "type": ["Product"],
        "id": product_uri(p.id, resolver_base),
        "name": p.name,
        "registeredId": p.id,
        "producedAtFacility": {"id": p.site_id, "name": p.site_name, "geography": p.site_geography},
        "countryOfProduction": p.site_geography[:2],
    }
    if p.batch is not None:
        out["batchNumber"] = p.batch
    if p.serial is not None:
        out["serialNumber"] = p.serial
    if p.production_date is not None:
        out["productionDate"] = p.production_date
    return out


def _pinned_spec(spec: PassportSpec, result: Rollup) -> PassportSpec:
    # The embedded specification names exactly what the roll-up used, so recomputing needs no resolver.
    ups = {line.ref: line.upstream.digest for line in result.lines if line.upstream is not None}
    creds = {
        line.factor.dataset_id: line.factor.credential for line in result.lines if line.factor is not None
    }
    bom = tuple(replace(b, pinned=ups[b.ref]) if b.ref in ups else b for b in spec.bill_of_materials)
    datasets = tuple(
        DatasetPin(d.dataset_id, d.version, creds.get(d.dataset_id, d.credential)) for d in spec.datasets
    )
    return replace(spec, bill_of_materials=bom, datasets=datasets)


def compose_passport(
    spec: PassportSpec,
    result: Rollup,
    *,
    passport_id: str,
    issuer: str,
    issuer_name: str,
    resolver_base: str,
    valid_from: str,
    valid_until: str | None = None,
    disclosure: str = "full",
) -> dict[str, Any]:
    """The unsigned passport credential of a specification and its roll-up.

    Args:
        spec: the specification.
        result: ``rollup(spec, resolved)``.
        passport_id: the credential's ``id`` (an absolute URI, e.g. ``urn:uuid:...``).
        issuer: the did:key of the manufacturer's signing key.
        issuer_name: the manufacturer's name (UNTP ``CredentialIssuer.name``).
        resolver_base: the platform's public resolver URL, for the product's URI.
        valid_from: ``validFrom`` (an XML Schema dateTimeStamp).
        valid_until: an optional ``validUntil``.
        disclosure: ``full`` (contributions and the specification) or ``aggregated`` (links and totals).

    Raises:
        DppError: ``dpp.disclosure``, ``dpp.shape`` (a bad id, issuer or date), ``dpp.number``,
            ``dpp.battery``.
    """
    if disclosure not in DISCLOSURES:
        raise DppError("disclosure", f"disclosure is one of {list(DISCLOSURES)}")
    subject: dict[str, Any] = {
        "type": ["ProductPassport"],
        "product": _product(spec, resolver_base),
        "granularityLevel": spec.product.granularity,
        "disclosure": disclosure,
    }
    subject |= computed(passport_id, spec, result, disclosure)
    if spec.bill_of_materials:
        subject["materialsProvenance"] = materials(spec, disclosure)
    if disclosure == "full":
        subject["specification"] = _pinned_spec(spec, result).to_wire()
    credential: dict[str, Any] = {
        "@context": list(CONTEXT),
        "type": ["VerifiableCredential", DIGITAL_PRODUCT_PASSPORT],
        "id": passport_id,
        "issuer": {"type": ["CredentialIssuer"], "id": issuer, "name": issuer_name},
        "validFrom": valid_from,
        "credentialSubject": subject,
    }
    if valid_until is not None:
        credential["validUntil"] = valid_until
    check_passport(credential)
    return credential


def sign_passport(credential: Mapping[str, Any], key: Ed25519PrivateKey) -> SignedDocument:
    """Sign a composed passport with ``eddsa-jcs-2022``; the issuer must be ``key``'s did:key.

    Raises:
        DppError: ``dpp.shape``: the credential is not a passport, or its issuer is another key.
    """
    passport = check_passport(credential)
    public_key = public_key_bytes(key)
    if passport.issuer != did_key_from_public_key(public_key):
        raise DppError("shape", "the passport's issuer is not the did:key of the signing key")
    return sign_credential(
        dict(credential), key, did_key_verification_method(public_key), cryptosuite=EDDSA_JCS_2022,
        created=str(credential["validFrom"]),
    )  # fmt: skip


def is_passport(data: Mapping[str, Any]) -> bool:
    """Whether a parsed credential declares itself a digital product passport (routing only)."""
    types = data.get("type")
    return isinstance(types, list) and DIGITAL_PRODUCT_PASSPORT in types


def parse_passport(doc: SignedDocument) -> tuple[Passport, bytes]:
    """Check and verify a passport; return it and the raw public key that signed it.

    Steps: 1. the envelope and 2. the subject (shape, the stated sums), before any hashing; 3. the proof on
    the exact bytes, and the issuer is the key that signed.

    Raises:
        MalformedCredentialError: the bytes are not a credential.
        DppError: the envelope or subject breaks a rule (its ``code`` names it).
        UnsupportedCryptosuiteError, MalformedProofError, ProofPurposeError, ContextNotAllowedError,
            VerificationMethodError, ProofError: the proof does not verify.
        IssuerError: the issuer is not the did:key of the key that signed.
    """
    passport = check_passport(doc.parse())
    assert passport.envelope is not None  # check_passport always keeps it
    verified = verify_envelope(passport.kind, doc, passport.envelope)
    return passport, verified.public_key


def _use(upstream: Mapping[str, Any], digest: str, kind: type, what: str) -> Any:
    found = upstream.get(digest)
    if not isinstance(found, kind):
        raise DppError("recompute", f"{what} {digest} is not among the upstream credentials given")
    return found


_MAX_SAFE_INTEGER = 2**53 - 1
_SURROGATE = re.compile("[\ud800-\udfff]")


def _jcs_string(value: str) -> bool:
    # A string has a JCS form unless it holds a lone surrogate (which no UTF-8 can carry).
    return value.isascii() or _SURROGATE.search(value) is None


def _surely_same(stated: Any, value: Any) -> bool:
    """True when two JSON values certainly have the same RFC 8785 (JCS) form, decided on the values, with no
    serialising; False when they differ or it cannot be decided so.

    JCS is a function of the value: an object's form is its members' forms sorted by key, an array's its
    items' in order, a string's its code points, a literal's itself, and a number's the shortest text of its
    IEEE 754 double. So two values have the same form exactly when they are objects with the same keys and
    members of the same form, arrays of the same length with items of the same form, equal strings, the same
    literal, or numbers with the same double; for finite floats and integers within the safe range (each
    exactly a double), Python's ``==`` says so (-0.0 == 0.0, and JCS writes both ``0``; 1 == 1.0, both
    ``1``). A bool is never taken for a number (``True == 1`` in Python, ``true`` is not ``1`` in JSON).
    Decimal figures are strings on the wire and compared as strings, so exact digits are kept (``"1.0"`` is
    not ``"1.00"``). Anything else (a float that is not finite, an integer beyond the safe range, a lone
    surrogate, a type JSON lacks) is undecided: False.
    """
    kind = type(stated)
    if kind is str:
        return type(value) is str and stated == value and _jcs_string(stated)
    if kind is bool or stated is None:
        return value is stated
    if kind is int or kind is float:
        return _plain_number(stated) and _plain_number(value) and bool(stated == value)
    if kind is dict:
        return (
            type(value) is dict
            and stated.keys() == value.keys()
            and all(
                type(k) is str and _jcs_string(k) and _surely_same(v, value[k]) for k, v in stated.items()
            )
        )
    if kind is list:
        return type(value) is list and len(stated) == len(value) and all(map(_surely_same, stated, value))
    return False


def _plain_number(value: Any) -> bool:
    kind = type(value)
    if kind is int:
        return bool(-_MAX_SAFE_INTEGER <= value <= _MAX_SAFE_INTEGER)
    return kind is float and math.isfinite(value)


def _same_form(stated: Any, value: Any) -> bool:
    """Whether ``stated`` and ``value`` have the same JCS form: decided on the values when they certainly do
    (:func:`_surely_same`), by serialising both otherwise, so the answer and the errors are those of
    comparing ``canonical_json`` of each.

    Raises:
        MalformedCredentialError: a value with no JCS form that is not certainly the other's.
    """
    return _surely_same(stated, value) or canonical_json(stated) == canonical_json(value)


def recompute(passport: Passport, upstream: Mapping[str, Upstream | DatasetUse | BenchmarkUse]) -> Rollup:
    """Recompute a full-disclosure passport's roll-up from the credentials it rests on, and check that every
    figure it states is the one the roll-up gives, digit for digit.

    Args:
        passport: a parsed passport (full disclosure).
        upstream: every credential it links, keyed by digest: an :class:`Upstream` per component, a
            :class:`DatasetUse` per factor dataset, a :class:`BenchmarkUse` for the grade.

    Returns:
        The recomputed roll-up.

    Raises:
        DppError: ``dpp.disclosure`` (an aggregated passport cannot be recomputed), ``dpp.recompute`` (a
            credential missing from ``upstream``, a roll-up that fails, or a stated figure that differs).
    """
    if passport.spec is None:
        raise DppError("disclosure", "an aggregated passport states no contributions to recompute")
    spec = passport.spec
    components: dict[str, Upstream] = {}
    for link in passport.components:
        if link.kind != "component":
            continue
        assert link.ref is not None  # full disclosure: check_passport requires refs
        found = _use(upstream, link.credential, Upstream, "component credential")
        if not hmac.compare_digest(found.digest, link.credential):
            raise DppError("recompute", f"the upstream given for {link.credential} is another credential")
        components[link.ref] = replace(found, log_index=link.log_index, receipt=link.receipt)
    datasets = {
        d.dataset_id: _use(upstream, d.credential or "", DatasetUse, "dataset credential")
        for d in spec.datasets
    }
    benchmark = None
    if passport.benchmark is not None:
        benchmark = _use(upstream, passport.benchmark, BenchmarkUse, "benchmark credential")
    try:
        result = rollup(spec, Resolved(components, datasets, benchmark))
        again = computed(passport.id, spec, result, "full")
    except (RollupError, SpecError) as e:
        raise DppError("recompute", f"the roll-up does not recompute: {e.message}") from e
    # What the specification says of the product and its materials must be what the passport shows (the
    # product's URI depends on the resolver it was composed for, so it is left out).
    stated_product = dict(passport.subject.get("product", {}))
    again["product"] = _product(spec, "https://resolver.invalid") | {"id": stated_product.get("id")}
    again["granularityLevel"] = spec.product.granularity
    if spec.bill_of_materials:
        again["materialsProvenance"] = materials(spec, "full")
    for name, value in again.items():
        stated = passport.subject.get(name)
        if stated is None or not _same_form(stated, value):
            raise DppError("recompute", f"{name} is not what the roll-up gives")
    extra = {"conformityClaim", "batteryCarbonFootprint"} & set(passport.subject) - set(again)
    if extra:
        raise DppError("recompute", f"{sorted(extra)} stated but not given by the roll-up")
    return result
