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
