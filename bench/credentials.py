"""Signing and verifying a typical credential with both cryptosuites, against the bare Ed25519 operation.

The credential is a footprint attestation with every part a supplier typically states (docs/attestation.md:
the PACT split, three life-cycle stages, data quality ratings, uncertainty, a factor dataset, standards;
about 1.7 KB), issued by a did:key. The measured calls are what a signer and a verifier do with it:

* sign: ``sign_credential(unsecured, key, verification_method)`` (the suite's transformation, hashing and
  proof configuration, the signature, the proofValue, the secured document's exact bytes and digest);
* verify: ``verify_credential(document)`` of the secured document as stored (its exact bytes parsed again,
  proof shape, contexts, canonical forms, hashing, the signature); and, for information, from the bytes
  received (``verify_credential(raw)``, which also computes the document's JCS form and digest).

The references are one bare Ed25519 signature, and one bare verification, of 64 bytes (what both suites
sign: two SHA-256 digests) with ``cryptography``, keys loaded beforehand. Each pair is timed in alternating
rounds; a figure is the ratio of the medians. The target (issue 3) is eddsa-jcs-2022 verification at most 1.5
times the bare verification; the others are for information.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from bench.harness import BenchResult, Figure, Workspace, interleaved_medians

NAME = "credentials"
WHEN = "2026-11-24T10:00:00Z"
JCS_VERIFY_BOUND = 1.5


def typical_attestation(product: str = "88.118.8/LFP-280Ah") -> Any:
    """The footprint attestation the benchmarks sign: docs/attestation.md's LFP cell, every usual part."""
    from passport.examples import example_attestation

    return example_attestation(product)


def _calls(suite: str) -> tuple[Callable[[], object], ...]:
    """(sign, verify stored, verify bytes, bare sign, bare verify) for one cryptosuite."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from identifiers.multikey import did_key_from_public_key, did_key_verification_method
    from passport.dataintegrity import sign_credential, verify_credential
    from passport.envelope import public_key_bytes

    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    public = public_key_bytes(key)
    method = did_key_verification_method(public)
    unsecured = typical_attestation().to_credential(did_key_from_public_key(public), WHEN)
    document = sign_credential(unsecured, key, method, cryptosuite=suite, created=WHEN)
    raw = document.raw
    verified = verify_credential(raw)
    assert verified.cryptosuite == suite
    assert verified.public_key == public

    message = bytes(range(64))
    public_key = key.public_key()
    signature = key.sign(message)

    def sign() -> object:
        return sign_credential(unsecured, key, method, cryptosuite=suite, created=WHEN)

    def verify_stored() -> object:
        return verify_credential(document)

    def verify_bytes() -> object:
        return verify_credential(raw)

    def bare_sign() -> object:
        return key.sign(message)

    def bare_verify() -> None:
        public_key.verify(signature, message)

    return sign, verify_stored, verify_bytes, bare_sign, bare_verify


def run(ws: Workspace) -> BenchResult:
    """Time signing and verifying with each suite against the bare Ed25519 operations."""
    from passport.dataintegrity import EDDSA_JCS_2022, EDDSA_RDFC_2022

    result = BenchResult(NAME)
    rounds = 3 if ws.quick else 15
    size = 0
    for suite, loops in ((EDDSA_JCS_2022, 300), (EDDSA_RDFC_2022, 10)):
        print(f"  {suite} ...", file=sys.stderr, flush=True)
        sign, verify_stored, verify_bytes, bare_sign, bare_verify = _calls(suite)
        n = max(2, loops // 10) if ws.quick else loops
        t_sign, t_bare_sign = interleaved_medians([sign, bare_sign], rounds, n)
        t_stored, t_bytes, t_bare = interleaved_medians([verify_stored, verify_bytes, bare_verify], rounds, n)
        jcs = suite == EDDSA_JCS_2022
        result.figures += [
            Figure(
                f"{suite} verify (stored document)",
                f"{t_stored * 1e6:,.1f} us vs {t_bare * 1e6:,.1f} us",
                t_stored / t_bare,
                "verify / Ed25519 verify",
                "<=" if jcs else None,
                JCS_VERIFY_BOUND if jcs else None,
            ),
            Figure(
                f"{suite} verify (bytes received)",
                f"{t_bytes * 1e6:,.1f} us vs {t_bare * 1e6:,.1f} us",
                t_bytes / t_bare,
                "verify / Ed25519 verify",
            ),
            Figure(
                f"{suite} sign",
                f"{t_sign * 1e6:,.1f} us vs {t_bare_sign * 1e6:,.1f} us",
                t_sign / t_bare_sign,
                "sign / Ed25519 sign",
            ),
        ]
        size = len(sign_and_size())
    result.notes.append(
        f"a footprint attestation of {size:,} bytes (JCS form), issued by a did:key; {rounds} alternating "
        "rounds of 300 calls (eddsa-jcs-2022) or 10 (eddsa-rdfc-2022, URDNA2015 in pyld); the references "
        "sign and verify 64 bytes with a key loaded beforehand"
    )
    return result


def sign_and_size() -> bytes:
    """The typical attestation's secured JCS bytes (for the notes)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from passport.attestation import sign_attestation

    return sign_attestation(typical_attestation(), Ed25519PrivateKey.from_private_bytes(bytes(32)), WHEN).raw
