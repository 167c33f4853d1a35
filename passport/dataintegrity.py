"""Data Integrity proofs with the EdDSA cryptosuites ``eddsa-jcs-2022`` (default) and ``eddsa-rdfc-2022``.

Implements W3C "Data Integrity EdDSA Cryptosuites v1.0" (vc-di-eddsa) section 3.2 (eddsa-rdfc-2022: create,
verify, transformation, hashing, proof configuration, serialization, verification) and section 3.3
(eddsa-jcs-2022, the same steps with RFC 8785 JCS instead of RDF canonicalization), inside the general
algorithms of W3C "Verifiable Credential Data Integrity 1.0" section 4 (add proof, verify proof: proof shape,
expected proof purpose) and the ``@context`` rules of VC Data Model 2.0 section 4.3.

The suites differ in three places the vectors pin down: JCS signs the JSON itself and copies the document's
``@context`` into the proof (vc-di-eddsa 3.3.1 step 2), which the verifier checks is a prefix of the
document's ``@context`` and then uses (3.3.2 step 4); RDFC canonicalizes both the document and the proof
configuration as RDF, giving the proof configuration the document's ``@context`` (3.2.5 step 4) but not
storing it in the proof. Both hash as SHA-256(canonical proof configuration) || SHA-256(transformed
document) and sign those 64 bytes with pure Ed25519.
"""

from __future__ import annotations

import calendar
import functools
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import base58
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from identifiers.errors import DidError
from identifiers.multikey import public_key_from_did_key
from passport.contexts import CREDENTIALS_V2, check_context_urls
from passport.document import SignedDocument, canonical_json, canonical_without
from passport.errors import (
    MalformedCredentialError,
    MalformedProofError,
    ProofError,
    ProofPurposeError,
    UnsupportedCryptosuiteError,
    VerificationMethodError,
)
from passport.jsonld import DEFAULT_LOADER, DocumentLoader, canonicalize_rdfc

EDDSA_JCS_2022 = "eddsa-jcs-2022"
EDDSA_RDFC_2022 = "eddsa-rdfc-2022"
CRYPTOSUITES = (EDDSA_JCS_2022, EDDSA_RDFC_2022)
PROOF_TYPE = "DataIntegrityProof"
ASSERTION_METHOD = "assertionMethod"

_DATE_TIME_STAMP = re.compile(
    r"-?(?P<year>[1-9][0-9]{3,}|0[0-9]{3})-(?P<month>0[1-9]|1[0-2])-(?P<day>0[1-9]|[12][0-9]|3[01])"
    r"T(([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?|(24:00:00(\.0+)?))"
    r"(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
)
"""XML Schema 1.1 dateTimeStamp, the regular expression VC Data Model 2.0 section 4.9 gives."""
_UTC_SECONDS = "%Y-%m-%dT%H:%M:%SZ"


class VerificationMethodResolver(Protocol):
    """Resolves a verification method that is not a did:key (did:web: the registry) to an Ed25519 key.

    It returns the raw 32-byte public key of ``verification_method`` if that method may be used for
    ``proof_purpose``, and raises :class:`~passport.errors.VerificationMethodError` otherwise. It must
    not touch the network.
    """

    def __call__(self, verification_method: str, proof_purpose: str, /) -> bytes: ...


@dataclass(frozen=True)
class VerifiedProof:
    """What a successful verification established."""

    cryptosuite: str
    verification_method: str
    public_key: bytes
    proof_purpose: str
    created: str | None
    document_digest: str
    """``sha256:<hex>`` of the JCS form of the whole secured document (proof included)."""


# --- the suites' steps (vc-di-eddsa 3.2.3-3.2.5, 3.3.3-3.3.5), public so tests can pin every value ---------


def is_date_time_stamp(value: Any) -> bool:
    """Whether ``value`` is an XML Schema dateTimeStamp string (a date-time with a time-zone offset)."""
    if not isinstance(value, str):
        return False
    match = _DATE_TIME_STAMP.fullmatch(value)
    if match is None:
        return False
    year, day = int(match["year"]), int(match["day"])
    # Every month has 28 days: the calendar is asked only about the days some months lack.
    return 1 <= year <= 9999 and (day <= 28 or day <= calendar.monthrange(year, int(match["month"]))[1])


def _check_options(options: Mapping[str, Any], cryptosuite: str) -> None:
    if options.get("type") != PROOF_TYPE or options.get("cryptosuite") != cryptosuite:
        raise UnsupportedCryptosuiteError(
            f"proof options are not a {PROOF_TYPE} with cryptosuite {cryptosuite}"
        )
    if "created" in options and not is_date_time_stamp(options["created"]):
        raise MalformedProofError(f"proof created {options['created']!r} is not an XML Schema dateTimeStamp")


def transform_jcs(unsecured: Mapping[str, Any]) -> bytes:
    """vc-di-eddsa 3.3.3: the JCS form of the unsecured document.

    Raises:
        MalformedCredentialError: the document has no JCS form.
    """
    return canonical_json(dict(unsecured))


def proof_config_jcs(options: Mapping[str, Any]) -> bytes:
    """vc-di-eddsa 3.3.5: the canonical proof configuration, the JCS form of the proof options.

    Raises:
        UnsupportedCryptosuiteError: the options are not for eddsa-jcs-2022.
        MalformedProofError: ``created`` is not a dateTimeStamp.
    """
    _check_options(options, EDDSA_JCS_2022)
    return canonical_json(dict(options))


def transform_rdfc(unsecured: Mapping[str, Any], loader: DocumentLoader = DEFAULT_LOADER) -> bytes:
    """vc-di-eddsa 3.2.3: the RDFC-1.0 canonical N-Quads of the unsecured document, UTF-8 encoded.

    Raises:
        ContextNotAllowedError, ContextDigestError, CanonicalizationError: see :func:`canonicalize_rdfc`.
    """
    return canonicalize_rdfc(unsecured, loader).encode("utf-8")


def proof_config_rdfc(
    options: Mapping[str, Any], document_context: Any, loader: DocumentLoader = DEFAULT_LOADER
) -> bytes:
    """vc-di-eddsa 3.2.5: the canonical proof configuration, the options under the document's ``@context``.

    Raises:
        UnsupportedCryptosuiteError: the options are not for eddsa-rdfc-2022.
        MalformedProofError: ``created`` is not a dateTimeStamp.
        ContextNotAllowedError, ContextDigestError, CanonicalizationError: see :func:`canonicalize_rdfc`.
    """
    _check_options(options, EDDSA_RDFC_2022)
    config = dict(options)
    config["@context"] = document_context
    return canonicalize_rdfc(config, loader).encode("utf-8")


def hash_data(transformed_document: bytes, canonical_proof_config: bytes) -> bytes:
    """vc-di-eddsa 3.2.4 and 3.3.4: SHA-256(proof configuration) followed by SHA-256(document), 64 bytes."""
    return hashlib.sha256(canonical_proof_config).digest() + hashlib.sha256(transformed_document).digest()


def encode_proof_value(signature: bytes) -> str:
    """Multibase base58btc (``z``) form of a 64-byte signature."""
    return "z" + base58.b58encode(signature).decode("ascii")


_BASE58BTC = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BASE58_TABLE = bytes(_BASE58BTC.index(chr(b)) if chr(b) in _BASE58BTC else 0xFF for b in range(256))
"""Each byte's base58btc digit value, 0xFF for a byte that is not a digit."""


def _base58_decode(text: str) -> bytes:
    # The base58btc alphabet read as one big number; each leading "1" is a zero byte. As the base58
    # package's b58decode (the encoder's counterpart): trailing white space is ignored. The digits are read
    # two at a time (58 * 58 per step), from their values in one bytes.translate.
    text = text.rstrip()
    digits = text.lstrip("1")
    if not digits.isascii():
        raise ValueError("invalid base58 character: not ASCII")
    values = digits.encode("ascii").translate(_BASE58_TABLE)
    if 0xFF in values:
        raise ValueError(f"invalid base58 character {digits[values.index(0xFF)]!r}")
    number = values[0] if len(values) % 2 else 0
    start = len(values) % 2
    for high, low in zip(values[start::2], values[start + 1 :: 2], strict=True):
        number = number * 3364 + high * 58 + low
    return bytes(len(text) - len(digits)) + number.to_bytes((number.bit_length() + 7) // 8, "big")


def decode_proof_value(value: Any) -> bytes:
    """The 64 signature bytes of a ``proofValue``.

    Raises:
        MalformedProofError: not a base58btc multibase string of exactly 64 bytes.
    """
    if not isinstance(value, str) or not value.startswith("z") or len(value) > 100:
        raise MalformedProofError("proofValue must be a base58btc multibase string ('z...')")
    try:
        signature = _base58_decode(value[1:])
    except ValueError as e:
        raise MalformedProofError("proofValue is not valid base58btc") from e
    # Leading "1"s encode leading zero bytes, so any other spelling of 64 bytes decodes to another length.
    if len(signature) != 64:
        raise MalformedProofError("proofValue must encode exactly one 64-byte Ed25519 signature")
    return signature


# --- document rules ---------------------------------------------------------------------------------------


def _check_document_context(document: Mapping[str, Any]) -> list[Any]:
    context = document.get("@context")
    values = context if isinstance(context, list) else [context]
    if not values or values[0] != CREDENTIALS_V2:
        raise MalformedCredentialError(f"a credential's first @context value must be {CREDENTIALS_V2}")
    return values


@functools.lru_cache(maxsize=1024)
def _did_key_public_key(verification_method: str) -> bytes:
    # A pure function of the string; caching it spares repeated base58 decoding of the same signer's key.
    return public_key_from_did_key(verification_method)


def _public_key(
    verification_method: str, proof_purpose: str, resolver: VerificationMethodResolver | None
) -> bytes:
    if verification_method.startswith("did:key:"):
        # A did:key document lists its one key under every verification relationship (assertionMethod too).
        if "#" not in verification_method:
            raise VerificationMethodError("a did:key verification method is did:key:<key>#<key>")
        try:
            return _did_key_public_key(verification_method)
        except DidError as e:
            raise VerificationMethodError(f"bad did:key verification method: {e.message}") from e
    if resolver is None:
        raise VerificationMethodError(f"no resolver for verification method {verification_method!r}")
    key = resolver(verification_method, proof_purpose)
    if not isinstance(key, bytes) or len(key) != 32:
        raise VerificationMethodError(f"verification method {verification_method!r} is not an Ed25519 key")
    return key


def _hash_for(
    cryptosuite: str, unsecured: Mapping[str, Any], options: Mapping[str, Any], loader: DocumentLoader
) -> bytes:
    if cryptosuite == EDDSA_JCS_2022:
        return hash_data(transform_jcs(unsecured), proof_config_jcs(options))
    return hash_data(
        transform_rdfc(unsecured, loader), proof_config_rdfc(options, unsecured.get("@context"), loader)
    )


# --- sign ---------------------------------------------------------------------------------------------------


def create_proof(
    unsecured: Mapping[str, Any],
    private_key: Ed25519PrivateKey,
    verification_method: str,
    *,
    cryptosuite: str = EDDSA_JCS_2022,
    created: str | datetime | None = None,
    proof_purpose: str = ASSERTION_METHOD,
    loader: DocumentLoader = DEFAULT_LOADER,
) -> dict[str, Any]:
    """vc-di-eddsa 3.2.1 / 3.3.1: create the Data Integrity proof of an unsecured credential.

    Args:
        unsecured: the credential without a proof.
        private_key: the Ed25519 key to sign with.
        verification_method: the URL of the key's verification method (``did:key:<mk>#<mk>``, did:web, ...).
        cryptosuite: ``eddsa-jcs-2022`` (default) or ``eddsa-rdfc-2022``.
        created: the proof's creation time (a dateTimeStamp string or an aware datetime); now if None.
        proof_purpose: the proof's purpose.
        loader: the document loader for ``eddsa-rdfc-2022``.

    Returns:
        The proof map, ``proofValue`` included.

    Raises:
        UnsupportedCryptosuiteError: an unknown cryptosuite.
        MalformedCredentialError: the credential already has a proof, or a wrong ``@context``.
        MalformedProofError: ``created`` is not a dateTimeStamp.
        ContextNotAllowedError: the credential names a context that is not allowed for the cryptosuite.
        VerificationMethodError: a did:key verification method that is not this private key's.
        CanonicalizationError: the credential cannot be canonicalized.
    """
    if cryptosuite not in CRYPTOSUITES:
        raise UnsupportedCryptosuiteError(f"unsupported cryptosuite {cryptosuite!r}")
    if "proof" in unsecured:
        raise MalformedCredentialError("the credential already has a proof; proof sets are not supported")
    context = _check_document_context(unsecured)
    check_context_urls(unsecured, require_loadable=cryptosuite == EDDSA_RDFC_2022)
    if verification_method.startswith("did:key:") and _public_key(
        verification_method, proof_purpose, None
    ) != private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw):
        raise VerificationMethodError("the did:key verification method does not name the signing key")
    if isinstance(created, datetime):
        if created.tzinfo is None:
            raise MalformedProofError("created must be a timezone-aware datetime")
        created = created.astimezone(UTC).strftime(_UTC_SECONDS)
    proof: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": cryptosuite,
        "created": created if created is not None else datetime.now(UTC).strftime(_UTC_SECONDS),
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    if cryptosuite == EDDSA_JCS_2022:
        proof["@context"] = list(context) if isinstance(unsecured["@context"], list) else context[0]
    signature = private_key.sign(_hash_for(cryptosuite, unsecured, proof, loader))
    proof["proofValue"] = encode_proof_value(signature)
    return proof


def sign_credential(
    unsecured: Mapping[str, Any],
    private_key: Ed25519PrivateKey,
    verification_method: str,
    *,
    cryptosuite: str = EDDSA_JCS_2022,
    created: str | datetime | None = None,
    proof_purpose: str = ASSERTION_METHOD,
    loader: DocumentLoader = DEFAULT_LOADER,
) -> SignedDocument:
    """Add a Data Integrity proof (VC Data Integrity 4.2, "Add Proof") and return the secured document.

    The document's exact bytes are its JCS serialisation. Arguments and errors are those of
    :func:`create_proof`.
    """
    proof = create_proof(
        unsecured,
        private_key,
        verification_method,
        cryptosuite=cryptosuite,
        created=created,
        proof_purpose=proof_purpose,
        loader=loader,
    )
    return SignedDocument.from_json({**unsecured, "proof": proof})


# --- verify -------------------------------------------------------------------------------------------------


def _check_proof_shape(proof: Any) -> dict[str, Any]:
    if isinstance(proof, list):
        raise MalformedProofError("proof sets and chains are not supported: expected exactly one proof")
    if not isinstance(proof, dict):
        raise MalformedProofError("the document has no proof object")
    if proof.get("type") != PROOF_TYPE:
        raise UnsupportedCryptosuiteError(f"proof type must be {PROOF_TYPE}")
    if proof.get("cryptosuite") not in CRYPTOSUITES:
        raise UnsupportedCryptosuiteError(f"unsupported cryptosuite {proof.get('cryptosuite')!r}")
    for name in ("verificationMethod", "proofPurpose", "proofValue"):
        if not isinstance(proof.get(name), str) or not proof[name]:
            raise MalformedProofError(f"proof {name} must be a non-empty string")
    for name in ("created", "expires"):
        if name in proof and not is_date_time_stamp(proof[name]):
            raise MalformedProofError(f"proof {name} {proof[name]!r} is not an XML Schema dateTimeStamp")
    return proof


def verify_credential(
    document: SignedDocument | bytes,
    *,
    secured: dict[str, Any] | None = None,
    resolver: VerificationMethodResolver | None = None,
    expected_proof_purpose: str = ASSERTION_METHOD,
    loader: DocumentLoader = DEFAULT_LOADER,
) -> VerifiedProof:
    """Verify the Data Integrity proof of a secured credential, working on its exact bytes.

    VC Data Integrity 4.4 ("Verify Proof") with vc-di-eddsa 3.2.2 / 3.3.2. did:key verification methods are
    resolved here; any other goes to ``resolver``.

    Args:
        document: the secured credential (a SignedDocument or the bytes received).
        secured: a parse of the document's bytes that the caller made for this verification and left
            unchanged (a caller that checked its kind's rules on that parse spares a second one); by default
            the bytes are parsed here. ``document.canonical`` is taken as the JCS form of that parse, as
            :meth:`SignedDocument.from_bytes` made it.
        resolver: resolves non-did:key verification methods to Ed25519 keys.
        expected_proof_purpose: the proof purpose the caller relies on.
        loader: the document loader for ``eddsa-rdfc-2022``.

    Returns:
        What the proof established.

    Raises:
        MalformedCredentialError: the bytes are not a credential (JSON, ``@context``).
        MalformedProofError: the proof's shape is wrong (checked before any hashing).
        UnsupportedCryptosuiteError: not a DataIntegrityProof of a supported cryptosuite.
        ProofPurposeError: the proof's purpose is not the expected one.
        ContextNotAllowedError: a context not allowed for the proof's cryptosuite.
        ContextDigestError: a context file that does not match its digest.
        CanonicalizationError: the document cannot be canonicalized.
        VerificationMethodError: the verification method does not resolve to an Ed25519 key.
        ProofError: the signature does not verify.
    """
    # 1. Parse the exact bytes afresh; never trust a model that may have been changed since.
    if isinstance(document, SignedDocument):
        signed = document
        if secured is None:
            secured = document.parse()
    else:
        signed = SignedDocument.from_bytes(document)
        if secured is None:
            secured = dict(signed.data)  # parsed just now, into a model nobody else holds
    # 2. Check the proof's shape and purpose before any canonicalization or hashing.
    proof = _check_proof_shape(secured.get("proof"))
    cryptosuite = proof["cryptosuite"]
    if proof["proofPurpose"] != expected_proof_purpose:
        raise ProofPurposeError(f"proof purpose {proof['proofPurpose']!r} is not {expected_proof_purpose!r}")
    signature = decode_proof_value(proof["proofValue"])
    # 3. Contexts: the credential's shape, then every URL it names against the allow-list for this suite.
    document_context = _check_document_context(secured)
    _check_contexts(signed, secured, proof, require_loadable=cryptosuite == EDDSA_RDFC_2022)
    # 4. Split into the unsecured document and the proof options (vc-di-eddsa 3.x.2 steps 1-2).
    unsecured = {k: v for k, v in secured.items() if k != "proof"}
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    if cryptosuite == EDDSA_JCS_2022 and "@context" in options:
        # vc-di-eddsa 3.3.2 step 4: the proof's @context must open the document's, and is what was signed.
        proof_context = options["@context"]
        proof_values = proof_context if isinstance(proof_context, list) else [proof_context]
        if document_context[: len(proof_values)] != proof_values:
            raise ProofError("the proof's @context is not a prefix of the document's @context")
        unsecured["@context"] = proof_context
    # 5. Resolve the key, then hash and check the signature.
    public_key = _public_key(proof["verificationMethod"], proof["proofPurpose"], resolver)
    if cryptosuite == EDDSA_JCS_2022:
        data = _hash_jcs(signed, secured, proof, unsecured, options)
    else:
        data = _hash_for(cryptosuite, unsecured, options, loader)
    try:
        _ed25519_key(public_key).verify(signature, data)
    except InvalidSignature as e:
        raise ProofError("the Ed25519 signature does not verify against the document and proof") from e
    except ValueError as e:
        raise VerificationMethodError("the verification method's key is not a valid Ed25519 key") from e
    return VerifiedProof(
        cryptosuite=cryptosuite,
        verification_method=proof["verificationMethod"],
        public_key=public_key,
        proof_purpose=proof["proofPurpose"],
        created=proof.get("created"),
        document_digest=signed.digest,
    )


@functools.lru_cache(maxsize=1024)
def _ed25519_key(public_key: bytes) -> Ed25519PublicKey:
    # A pure function of the 32 bytes (a bad key raises ValueError, which is not cached).
    return Ed25519PublicKey.from_public_bytes(public_key)


_CONTEXT_KEY = b'"@context":'


def _check_contexts(
    signed: SignedDocument, secured: Mapping[str, Any], proof: Mapping[str, Any], *, require_loadable: bool
) -> None:
    # Every "@context" member anywhere in the document shows in its JCS form as the bytes "@context": (a
    # string's quotes are escaped, and a string value is never followed by a colon). When those are only
    # the document's own and its proof's, with plain lists of URLs, the rest of the document names no context,
    # and checking the two is checking every one, in document order (the walk visits the top-level members in
    # order and only these two hold a context).
    own: Any = secured.get("@context")
    theirs: Any = proof.get("@context")
    if (
        _urls_only(own)
        and (theirs is None or _urls_only(theirs))
        and signed.canonical.count(_CONTEXT_KEY) == 1 + ("@context" in proof)
    ):
        urls = [own] if isinstance(own, str) else list(own)
        later = [theirs] if isinstance(theirs, str) else list(theirs or ())
        # In document order: the proof's come first if the proof member does.
        ordered = (
            later + urls
            if next(k for k in secured if k in ("@context", "proof")) == "proof"
            else urls + later
        )
        check_context_urls({"@context": ordered}, require_loadable=require_loadable)
    else:
        check_context_urls(secured, require_loadable=require_loadable)


def _urls_only(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))


def _hash_jcs(
    signed: SignedDocument,
    secured: Mapping[str, Any],
    proof: Mapping[str, Any],
    unsecured: Mapping[str, Any],
    options: Mapping[str, Any],
) -> bytes:
    # vc-di-eddsa 3.3.3-3.3.5. The unsecured document's JCS form is the secured document's (made when its
    # bytes were parsed) without the proof member, and the proof configuration's is the proof's without its
    # proofValue: cut out rather than serialised again, unless the cut cannot be proven exact
    # (passport.document.canonical_without) or the proof's @context replaced the document's.
    # The options' type, cryptosuite and created were checked with the proof's shape, as _check_options would.
    proof_form = canonical_json(dict(proof))
    document = None
    context, original = unsecured.get("@context"), secured.get("@context")
    if _urls_only(context) and _urls_only(original) and context == original:
        document = canonical_without(signed.canonical, "proof", proof_form)
    config = canonical_without(proof_form, "proofValue", canonical_json(proof["proofValue"]))
    return hash_data(
        document if document is not None else transform_jcs(unsecured),
        config if config is not None else proof_config_jcs(options),
    )
