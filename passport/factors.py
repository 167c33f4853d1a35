"""The background database as credentials: versioned emission-factor datasets and product-category
benchmarks (docs/attestation.md, "Factor datasets" and "Benchmarks").

* An ``EmissionFactorDataset`` (envelope: passport/envelope.py, ``validUntil`` allowed) is one version of
  one dataset: ``datasetId``, ``version``, ``publisher`` (the publishing organisation's USCC) and ``factors``,
  each with ``factorId``, ``value`` (a canonical decimal, >= 0), ``unit`` (``kgCO2e/<unit>``: kWh, MWh,
  MJ, GJ, kg, t, tkm, m3, L, m2, piece, h), ``year`` (the reference year, an integer),
  ``source`` (a citation), optionally ``geography`` (absent: global), ``uncertainty``
  (passport/footprint.py's shape, around the value) and ``description``. An attestation names a dataset it
  used by id, version and credential digest.
* A ``ProductCategoryBenchmark`` states, for a product category and declared unit, the ``limit`` (the most a
  product may emit), the ``baseline`` (the category's typical value) and the ``topRunner`` value (the best in
  class), so that topRunner <= baseline <= limit; ``illustrative`` says whether the values are for
  illustration only (the shipped ones are).

The publisher's authority (a registered ``database-publisher`` at the credential's log index, and the
signer's organisation being ``publisher``) is judged by the pipeline; parsing hands over the signer's key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from identifiers.errors import IdentifierError
from identifiers.uscc import parse_uscc
from passport.dataintegrity import EDDSA_JCS_2022
from passport.document import SignedDocument
from passport.envelope import Kind, check_envelope, check_object, is_kind, sign_kind, verify_envelope
from passport.errors import BenchmarkError, FactorDatasetError, RuleError
from passport.footprint import Uncertainty, check_uncertainty, uncertainty_from_wire, uncertainty_to_wire
from passport.quantity import (
    DECLARED_UNITS,
    check_decimal,
    check_geography,
    check_text,
    check_token,
    factor_denominator,
    format_decimal,
    parse_decimal,
)
from passport.validation import BOUNDARIES

FACTOR_DATASET_KIND = Kind("EmissionFactorDataset", FactorDatasetError, valid_until=True)
BENCHMARK_KIND = Kind("ProductCategoryBenchmark", BenchmarkError, valid_until=True)
MAX_FACTORS = 10_000
MIN_YEAR, MAX_YEAR = 1900, 2100


def _string(s: Mapping[str, Any], name: str, error: type[RuleError]) -> Any:
    value = s.get(name)
    if value is not None and not isinstance(value, str):
        raise error("field", f"{name} must be a string")
    return value


@dataclass(frozen=True)
class EmissionFactor:
    """One factor: kgCO2e per unit of activity (``unit`` = ``kgCO2e/<unit>``)."""

    factor_id: str
    value: Decimal
    unit: str
    year: int
    source: str
    geography: str | None = None
    uncertainty: Uncertainty | None = None
    description: str | None = None

    def __post_init__(self) -> None:
        err = FactorDatasetError
        check_token(self.factor_id, "factorId", err, "field")
        check_decimal(self.value, "value", err)
        if self.value < 0:
            raise err("negative", f"factor {self.factor_id} is negative")
        factor_denominator(self.unit, err)
        if type(self.year) is not int or not MIN_YEAR <= self.year <= MAX_YEAR:
            raise err("year", f"year must be an integer from {MIN_YEAR} to {MAX_YEAR}")
        check_text(self.source, "source", err, limit=1024)
        if self.geography is not None:
            check_geography(self.geography, err)
        if self.uncertainty is not None:
            check_uncertainty(self.uncertainty, self.value, err)
        if self.description is not None:
            check_text(self.description, "description", err, limit=1024)

    @property
    def per(self) -> str:
        """The unit of activity the factor is per (``kWh`` for ``kgCO2e/kWh``)."""
        return self.unit.removeprefix("kgCO2e/")

    def to_wire(self) -> dict[str, Any]:
        """The factor's JSON object."""
        out: dict[str, Any] = {
            "factorId": self.factor_id,
            "value": format_decimal(self.value),
            "unit": self.unit,
        }
        out |= {"year": self.year, "source": self.source}
        if self.geography is not None:
            out["geography"] = self.geography
        if self.uncertainty is not None:
            out["uncertainty"] = uncertainty_to_wire(self.uncertainty)
        if self.description is not None:
            out["description"] = self.description
        return out

    @classmethod
    def from_wire(cls, value: Any) -> EmissionFactor:
        """Parse a factor's JSON object.

        Raises:
            FactorDatasetError: a missing, unknown or mistyped member, or a broken rule.
        """
        err = FactorDatasetError
        f = check_object(
            value, "a factor", {"factorId", "value", "unit", "year", "source"}, _FACTOR_OPTIONAL, err
        )
        if type(f["year"]) is not int:
            raise err("year", "year must be a JSON integer")
        return cls(
            _string(f, "factorId", err),
            parse_decimal(f["value"], "value", err),
            _string(f, "unit", err),
            f["year"],
            _string(f, "source", err),
            _string(f, "geography", err),
            None if "uncertainty" not in f else uncertainty_from_wire(f["uncertainty"], "uncertainty", err),
            _string(f, "description", err),
        )


_FACTOR_OPTIONAL = {"geography", "uncertainty", "description"}


@dataclass(frozen=True)
class FactorDataset:
    """One version of an emission-factor dataset."""

    dataset_id: str
    version: str
    publisher: str
    factors: tuple[EmissionFactor, ...]

    def __post_init__(self) -> None:
        err = FactorDatasetError
        check_token(self.dataset_id, "datasetId", err, "field")
        check_token(self.version, "version", err, "version")
        try:
            canonical = parse_uscc(self.publisher).canonical if isinstance(self.publisher, str) else None
        except IdentifierError as e:
            raise err("publisher", f"publisher: {e.message}") from e
        if canonical != self.publisher:
            raise err("publisher", "publisher is the publishing organisation's USCC, in canonical form")
        if not self.factors:
            raise err("empty", "a dataset holds at least one factor")
        if len(self.factors) > MAX_FACTORS:
            raise err("too_large", f"a dataset holds at most {MAX_FACTORS} factors")
        ids = [f.factor_id for f in self.factors]
        if len(set(ids)) != len(ids):
            raise err("duplicate", "factorId values repeat")

    def factor(self, factor_id: str) -> EmissionFactor:
        """The factor with ``factor_id``.

        Raises:
            KeyError: the dataset has no such factor.
        """
        for f in self.factors:
            if f.factor_id == factor_id:
                return f
        raise KeyError(factor_id)

    def to_subject(self) -> dict[str, Any]:
        """The dataset's ``credentialSubject``."""
        return {
            "datasetId": self.dataset_id,
            "version": self.version,
            "publisher": self.publisher,
            "factors": [f.to_wire() for f in self.factors],
        }

    @classmethod
    def from_subject(cls, subject: Any) -> FactorDataset:
        """Parse a dataset's ``credentialSubject``.

        Raises:
            FactorDatasetError: a missing, unknown or mistyped field, or a broken rule.
        """
        err = FactorDatasetError
        s = check_object(
            subject, "credentialSubject", {"datasetId", "version", "publisher", "factors"}, set(), err
        )
        if not isinstance(s["factors"], list):
            raise err("field", "factors must be a list")
        if len(s["factors"]) > MAX_FACTORS:
            raise err("too_large", f"a dataset holds at most {MAX_FACTORS} factors")
        factors = tuple(EmissionFactor.from_wire(f) for f in s["factors"])
        return cls(
            _string(s, "datasetId", err), _string(s, "version", err), _string(s, "publisher", err), factors
        )


_BENCHMARK_REQUIRED = {
    "category", "version", "declaredUnit", "unitaryProductAmount", "limit", "baseline", "topRunner",
    "illustrative",
}  # fmt: skip
_BENCHMARK_OPTIONAL = {"boundary", "geography", "source"}


@dataclass(frozen=True)
class Benchmark:
    """A product category's benchmark values per declared unit (kgCO2e per ``unitary_product_amount`` x
    ``declared_unit``, the same basis as the attestations graded against it)."""

    category: str
    version: str
    declared_unit: str
    unitary_product_amount: Decimal
    limit: Decimal
    baseline: Decimal
    top_runner: Decimal
    illustrative: bool
    boundary: str | None = None
    geography: str | None = None
    source: str | None = None

    def __post_init__(self) -> None:
        err = BenchmarkError
        check_text(self.category, "category", err)
        check_token(self.version, "version", err, "version")
        if self.declared_unit not in DECLARED_UNITS:
            raise err("unit", f"declaredUnit must be one of {list(DECLARED_UNITS)}")
        for name in ("unitary_product_amount", "limit", "baseline", "top_runner"):
            check_decimal(getattr(self, name), name, err)
        if self.unitary_product_amount <= 0:
            raise err("amount", "unitaryProductAmount must be greater than 0")
        if min(self.limit, self.baseline, self.top_runner) < 0:
            raise err("negative", "benchmark values must not be negative")
        if not self.top_runner <= self.baseline <= self.limit:
            raise err("order", "benchmark values must satisfy topRunner <= baseline <= limit")
        if not isinstance(self.illustrative, bool):
            raise err("field", "illustrative must be true or false")
        if self.boundary is not None and self.boundary not in BOUNDARIES:
            raise err("boundary", f"boundary must be one of {list(BOUNDARIES)}")
        if self.geography is not None:
            check_geography(self.geography, err)
        if self.source is not None:
            check_text(self.source, "source", err, limit=1024)

    def to_subject(self) -> dict[str, Any]:
        """The benchmark's ``credentialSubject``."""
        out: dict[str, Any] = {
            "category": self.category,
            "version": self.version,
            "declaredUnit": self.declared_unit,
            "unitaryProductAmount": format_decimal(self.unitary_product_amount),
            "limit": format_decimal(self.limit),
            "baseline": format_decimal(self.baseline),
            "topRunner": format_decimal(self.top_runner),
            "illustrative": self.illustrative,
        }
        for name, value in (
            ("boundary", self.boundary),
            ("geography", self.geography),
            ("source", self.source),
        ):
            if value is not None:
                out[name] = value
        return out

    @classmethod
    def from_subject(cls, subject: Any) -> Benchmark:
        """Parse a benchmark's ``credentialSubject``.

        Raises:
            BenchmarkError: a missing, unknown or mistyped field, or a broken rule.
        """
        err = BenchmarkError
        s = check_object(subject, "credentialSubject", _BENCHMARK_REQUIRED, _BENCHMARK_OPTIONAL, err)
        if not isinstance(s["illustrative"], bool):
            raise err("field", "illustrative must be true or false")
        return cls(
            _string(s, "category", err),
            _string(s, "version", err),
            _string(s, "declaredUnit", err),
            parse_decimal(s["unitaryProductAmount"], "unitaryProductAmount", err),
            parse_decimal(s["limit"], "limit", err),
            parse_decimal(s["baseline"], "baseline", err),
            parse_decimal(s["topRunner"], "topRunner", err),
            s["illustrative"],
            _string(s, "boundary", err),
            _string(s, "geography", err),
            _string(s, "source", err),
        )


def sign_factor_dataset(
    dataset: FactorDataset,
    key: Ed25519PrivateKey,
    valid_from: str | None = None,
    *,
    valid_until: str | None = None,
    cryptosuite: str = EDDSA_JCS_2022,
) -> SignedDocument:
    """Sign a factor dataset with the publisher's ``key`` (the issuer is its did:key).

    Raises:
        FactorDatasetError: ``factors.shape``: a date that is not a dateTimeStamp.
    """
    return sign_kind(
        FACTOR_DATASET_KIND, dataset.to_subject(), key, valid_from=valid_from, valid_until=valid_until,
        cryptosuite=cryptosuite,
    )  # fmt: skip


def sign_benchmark(
    benchmark: Benchmark,
    key: Ed25519PrivateKey,
    valid_from: str | None = None,
    *,
    valid_until: str | None = None,
    cryptosuite: str = EDDSA_JCS_2022,
) -> SignedDocument:
    """Sign a benchmark with the publisher's ``key`` (the issuer is its did:key).

    Raises:
        BenchmarkError: ``benchmark.shape``: a date that is not a dateTimeStamp.
    """
    return sign_kind(
        BENCHMARK_KIND, benchmark.to_subject(), key, valid_from=valid_from, valid_until=valid_until,
        cryptosuite=cryptosuite,
    )  # fmt: skip


def is_factor_dataset(data: Mapping[str, Any]) -> bool:
    """Whether a parsed credential declares itself a factor dataset (routing only)."""
    return is_kind(FACTOR_DATASET_KIND, data)


def is_benchmark(data: Mapping[str, Any]) -> bool:
    """Whether a parsed credential declares itself a product-category benchmark (routing only)."""
    return is_kind(BENCHMARK_KIND, data)


def parse_factor_dataset(doc: SignedDocument) -> tuple[FactorDataset, bytes]:
    """Check and verify a factor dataset; return it and the raw public key that signed it.

    Raises:
        MalformedCredentialError: the bytes are not a credential.
        FactorDatasetError: the envelope or subject breaks a rule.
        UnsupportedCryptosuiteError, MalformedProofError, ProofPurposeError, ContextNotAllowedError,
            ContextDigestError, CanonicalizationError, VerificationMethodError, ProofError: the proof does not
            verify.
        IssuerError: the issuer is not the did:key of the key that signed.
    """
    envelope = check_envelope(FACTOR_DATASET_KIND, doc.parse())
    dataset = FactorDataset.from_subject(envelope.subject)
    return dataset, verify_envelope(FACTOR_DATASET_KIND, doc, envelope).public_key


def parse_benchmark(doc: SignedDocument) -> tuple[Benchmark, bytes]:
    """Check and verify a product-category benchmark; return it and the raw public key that signed it.

    Raises:
        MalformedCredentialError: the bytes are not a credential.
        BenchmarkError: the envelope or subject breaks a rule.
        UnsupportedCryptosuiteError, MalformedProofError, ProofPurposeError, ContextNotAllowedError,
            ContextDigestError, CanonicalizationError, VerificationMethodError, ProofError: the proof does not
            verify.
        IssuerError: the issuer is not the did:key of the key that signed.
    """
    envelope = check_envelope(BENCHMARK_KIND, doc.parse())
    benchmark = Benchmark.from_subject(envelope.subject)
    return benchmark, verify_envelope(BENCHMARK_KIND, doc, envelope).public_key
