"""The passport package's errors: one base class, specific subclasses, each with a stable ``code``.

Tests assert the type and the code, never the message. The API maps these to RFC 9457 problem+json in one
place (``api/errors.py``). The W3C Data Integrity error types (PROOF_VERIFICATION_ERROR,
MALFORMED_PROOF_ERROR, ...) correspond to the classes named in their docstrings.
"""

from __future__ import annotations


class PassportError(Exception):
    """Base of every error the passport package raises."""

    code = "passport.error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class MalformedCredentialError(PassportError):
    """Bytes that are not a JSON object we accept as a credential: invalid UTF-8 or JSON, duplicate keys,
    non-finite numbers, integers JCS cannot represent, or a missing or misplaced ``@context``."""

    code = "passport.malformed"


class ContextNotAllowedError(PassportError):
    """A JSON-LD context URL that is not on the allow-list, or one that may only be named (never loaded)
    used where it would have to be loaded (``eddsa-rdfc-2022``). ``url`` is the refused URL."""

    code = "passport.context_not_allowed"

    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(message)
        self.url = url


class ContextDigestError(PassportError):
    """A context file whose bytes do not hash to the SHA-256 pinned for its URL (or that cannot be read)."""

    code = "passport.context_digest"

    def __init__(self, message: str, *, url: str, expected: str, computed: str) -> None:
        super().__init__(message)
        self.url = url
        self.expected = expected
        self.computed = computed


class CanonicalizationError(PassportError):
    """A document that cannot be canonicalised: invalid JSON-LD, a property or IRI that JSON-LD processing
    would silently drop (so the signature would not cover it), or an RDF dataset that would take too much
    work to canonicalise (RDF-CANON "dataset poisoning")."""

    code = "passport.canonicalization"


class ProofError(PassportError):
    """A Data Integrity proof that does not verify: the signature does not match the document and proof
    configuration (PROOF_VERIFICATION_ERROR)."""

    code = "passport.proof_invalid"


class MalformedProofError(ProofError):
    """A proof whose shape is wrong, checked before any hashing: missing or mistyped properties, a
    ``proofValue`` that is not base58btc multibase of 64 bytes, a ``created`` that is not an XML Schema
    dateTimeStamp, or a proof set where one proof is expected (MALFORMED_PROOF_ERROR)."""

    code = "passport.proof_malformed"


class UnsupportedCryptosuiteError(ProofError):
    """A proof whose ``type`` is not ``DataIntegrityProof`` or whose ``cryptosuite`` is neither
    ``eddsa-jcs-2022`` nor ``eddsa-rdfc-2022``."""

    code = "passport.cryptosuite_unsupported"


class ProofPurposeError(ProofError):
    """A proof made for a different purpose than the verifier expects (``proofPurpose`` mismatch)."""

    code = "passport.proof_purpose"


class VerificationMethodError(ProofError):
    """A verification method that cannot be resolved to an Ed25519 public key: not a ``did:key`` method and
    no resolver for it, a resolver that refused it, or a key that is not an Ed25519 Multikey."""

    code = "passport.verification_method"


class RegistryEntryError(MalformedCredentialError):
    """A credential that is not a well-formed registry entry (docs/registry.md): wrong ``type`` or
    ``@context``, a field the entry may not carry, or a ``credentialSubject`` that is not one valid registry
    operation (a missing, extra, mistyped or non-canonical field)."""

    code = "passport.registry_entry"


class RegistryIssuerError(ProofError):
    """A registry entry whose ``issuer`` is not the did:key of the key that signed it."""

    code = "passport.registry_issuer"


class RuleError(MalformedCredentialError):
    """A credential of one of carbontrail's kinds that breaks one of its kind's rules (docs/attestation.md).

    The class ``code`` names the family; each instance's ``code`` is ``f"{family}.{rule}"`` with ``rule`` out
    of the subclass's fixed, documented ``rules``, so every refusal has a stable, enumerable code
    (``attestation.stages_sum``, ``factors.unit``, ...). ``rule`` is kept on the instance too.
    """

    code = "passport.rule"
    family = "rule"
    rules: frozenset[str] = frozenset()

    def __init__(self, rule: str, message: str) -> None:
        if rule not in self.rules:
            raise AssertionError(f"{type(self).__name__} has no rule {rule!r}")
        super().__init__(message)
        self.rule = rule
        self.code = f"{self.family}.{rule}"


_COMMON_RULES = frozenset({"shape", "field", "decimal", "text", "date_time", "digest", "duplicate"})
"""Rules every kind shares: the envelope (``shape``), a missing, unknown or mistyped field (``field``), a
decimal that is not in canonical text (``decimal``), bad free text, date-times and digests, repeated list
items."""


class AttestationError(RuleError):
    """A footprint attestation that breaks a rule of docs/attestation.md ("Rules")."""

    code = "passport.attestation"
    family = "attestation"
    rules = _COMMON_RULES | frozenset(
        {
            "identifier",
            "unit",
            "amount",
            "negative",
            "removal_positive",
            "pcf_sum",
            "biogenic_sum",
            "part_exceeds_total",
            "packaging",
            "stages_sum",
            "boundary",
            "boundary_stages",
            "period_order",
            "geography",
            "standards",
            "sector_rules",
            "characterization_factors",
            "percentage_range",
            "dqi_range",
            "uncertainty",
            "factor_dataset",
            "extension",
            "supersedes",
        }
    )


class EndorsementError(RuleError):
    """An endorsement credential that breaks a rule of docs/attestation.md ("Endorsements")."""

    code = "passport.endorsement"
    family = "endorsement"
    rules = _COMMON_RULES | frozenset({"identifier", "level"})


class RevocationError(RuleError):
    """A revocation credential that breaks a rule of docs/attestation.md ("Revocation and supersession")."""

    code = "passport.revocation"
    family = "revocation"
    rules = _COMMON_RULES | frozenset({"identifier"})


class FactorDatasetError(RuleError):
    """An emission-factor dataset credential that breaks a rule of docs/attestation.md ("Factor datasets")."""

    code = "passport.factor_dataset"
    family = "factors"
    rules = _COMMON_RULES | frozenset(
        {"unit", "geography", "year", "negative", "uncertainty", "version", "empty", "too_large", "publisher"}
    )


class BenchmarkError(RuleError):
    """A product-category benchmark credential that breaks a rule of docs/attestation.md ("Benchmarks")."""

    code = "passport.benchmark"
    family = "benchmark"
    rules = _COMMON_RULES | frozenset(
        {"unit", "order", "negative", "version", "amount", "geography", "boundary"}
    )


class IssuerError(ProofError):
    """An attestation, endorsement, revocation, factor dataset or benchmark whose ``issuer`` is not the
    did:key of the key that signed it."""

    code = "passport.issuer"


class PactError(RuleError):
    """A WBCSD PACT ProductFootprint that cannot be imported faithfully, or an attestation that a PACT version
    cannot represent on export (docs/pact.md, "Refusals").

    Rules: ``version`` (a specVersion or target version carbontrail does not map), ``schema`` (not the
    ProductFootprint shape: a missing, mistyped or out-of-enum field, or a bad export record value),
    ``unrepresentable`` (a value one side cannot hold: a per-piece footprint in v2.3, a non-canonical
    decimal, a product id carbontrail cannot read, a document that would not survive the round trip),
    ``required`` (the target version requires a field the attestation does not state), ``inconsistent``
    (values that contradict
    each other: PACT totals that are not the sum of their parts, an extension contradicting the footprint),
    ``extension`` (carbontrail's own extension malformed or misplaced). ``attestation_code`` names the
    attestation rule behind an ``inconsistent`` or ``unrepresentable`` refusal, when there is one.
    """

    code = "passport.pact"
    family = "pact"
    rules = frozenset({"version", "schema", "unrepresentable", "required", "inconsistent", "extension"})

    def __init__(self, rule: str, message: str, *, attestation_code: str | None = None) -> None:
        super().__init__(rule, message)
        self.attestation_code = attestation_code


class BatteryPassportError(RuleError):
    """An attestation that cannot be shown in the EU battery-passport carbon-footprint shape
    (docs/pact.md, "EU battery passport"): ``unit`` (not per kWh and no lifetime energy to convert by),
    ``stages`` (no stage breakdown, or a use stage the regulation leaves out), ``inexact`` (a division that
    is not exact and no rounding places given), ``number`` (a value a JSON number cannot hold exactly),
    ``field`` (a bad argument)."""

    code = "passport.battery_passport"
    family = "batterypass"
    rules = frozenset({"unit", "stages", "inexact", "number", "field"})


class SpecError(RuleError):
    """A passport specification that breaks a rule of docs/passport.md ("The specification"): ``yaml`` (not
    YAML or JSON text, a duplicate key), ``version``, ``identifier``, ``unit`` (an unknown unit symbol or a
    declared unit without a UN/ECE code), ``amount`` (a quantity that must be positive is not), ``stage``,
    ``boundary_stages`` (use or end of life under cradle-to-gate), ``period_order``, ``geography``,
    ``places``, ``source`` (a bill-of-materials line without exactly one source), ``dataset`` (a factor whose
    dataset is not declared, or ambiguous), ``electricity`` (certificates under location-based accounting, or
    more certificates than consumption), ``standards``, ``battery``, and the common rules."""

    code = "passport.spec"
    family = "spec"
    rules = _COMMON_RULES | frozenset(
        {
            "yaml",
            "version",
            "identifier",
            "unit",
            "amount",
            "stage",
            "boundary_stages",
            "period_order",
            "geography",
            "places",
            "source",
            "dataset",
            "electricity",
            "standards",
            "battery",
        }
    )


class RollupError(RuleError):
    """A roll-up that cannot be computed from a specification and what its components resolved to
    (docs/passport.md, "The roll-up"): ``unit`` (incompatible units), ``unresolved`` (a component with no
    resolution, or a resolution for no component), ``mismatch`` (a resolution for another product),
    ``self_reference`` (a component that is the product itself), ``pinned`` (a resolution that is not the
    pinned credential), ``dataset`` (a dataset missing or of another version), ``factor`` (a factor the
    dataset lacks), ``boundary`` (a component reporting use or end of life into a cradle-to-gate product),
    ``benchmark`` (a benchmark of another category, unit or boundary)."""

    code = "passport.rollup"
    family = "rollup"
    rules = frozenset(
        {
            "unit",
            "unresolved",
            "mismatch",
            "self_reference",
            "pinned",
            "dataset",
            "factor",
            "boundary",
            "benchmark",
        }
    )


class DppError(RuleError):
    """A digital product passport credential that breaks a rule of docs/passport.md ("The passport"):
    ``shape`` (the envelope), ``field``, ``identifier``, ``link`` (a component's secure link), ``receipt``
    (receipt text that is not a tlog-proof of the stated index), ``number`` (a value a JSON number cannot
    carry exactly), ``sum`` (stated figures that contradict each other: stages and total, a number and its
    decimal), ``disclosure`` (an unknown form, members the form does not carry, or recomputing an aggregated
    passport), ``recompute`` (a stated figure that the roll-up does not give, digit for digit), ``battery``,
    and the common rules."""

    code = "passport.dpp"
    family = "dpp"
    rules = _COMMON_RULES | frozenset(
        {"identifier", "link", "receipt", "number", "sum", "disclosure", "recompute", "battery"}
    )


class UnknownKindError(PassportError):
    """A credential of a type carbontrail does not log."""

    code = "passport.unknown_kind"


class SubmissionError(PassportError):
    """A document the log refuses at its position because of what earlier documents say (passport.authority):
    ``code`` is ``submission.<reason>``, one reason of :attr:`reasons`; the API maps each to its HTTP status
    (``api/errors.py``)."""

    code = "submission.error"
    family = "submission"
    reasons = frozenset(
        {
            "unknown_attestation",
            "product_mismatch",
            "not_issuer",
            "self_endorsement",
            "publisher_mismatch",
            "revoked",
            "superseded",
            "duplicate_attestation",
            "version_exists",
        }
    )

    def __init__(self, reason: str, message: str) -> None:
        if reason not in self.reasons:
            raise AssertionError(f"no submission reason {reason!r}")
        super().__init__(message)
        self.reason = reason
        self.code = f"{self.family}.{reason}"
