"""Who may log which document, judged at the exact log index it would take (DESIGN.md, "Identity and
authority"; docs/attestations-api.md, "Admission"). Pure: the sequencer's admission (``api/submission.py``)
and the verifier's replay of a log or a bundle judge with the same rules.

:func:`judge` is called by the sequencer's admission for each new document of a batch, in log order, with the
registry state after every registry entry below the document's index and a :class:`DocumentIndex` of the
documents before it. It raises why the document may not be logged there, or returns the registry state after
it and what it changes in the document tables:

* ``registry``: ``RegistryState.apply`` (docs/registry.md);
* ``attestation``: the signer is an active key of an organisation, not suspended, registered as supplier or
  manufacturer and holding a prefix covering ``productId`` (``RegistryState.authorise``); a ``supersedes``
  names a logged attestation of the same product by the same organisation that is neither revoked nor already
  superseded (it is superseded from this index on); and the organisation has no other current attestation of
  the product for the same reference period (compared as UTC instants), which would be a second set of
  figures for one thing (``submission.duplicate_attestation``);
* ``revocation``: names a logged attestation or passport (of the stated product, if it states one), not
  already revoked, and is signed by an active key of the organisation that issued it (suspension does not
  stop it: revoking only takes away); the credential is revoked from this index on (a revoked passport is no
  longer its product's current one, and a later passport supersedes nothing of it);
* ``endorsement``: an active certification body's key, its organisation neither suspended nor blacklisted,
  naming a logged attestation of the stated product, not revoked, issued by another organisation;
* ``factor-dataset`` and ``benchmark``: a database publisher's key; a dataset's ``publisher`` is the signer's
  organisation; each (dataset id or category, version) is published once;
* ``passport``: as an attestation's signer (a manufacturer's or supplier's key whose organisation holds a
  prefix covering the product); it supersedes the organisation's current passport of the product from this
  index on (docs/passport-api.md).
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence

from identifiers.errors import AuthorityError
from identifiers.registry import Authority, RegistryState
from identifiers.registry_ops import RegistryOperation, Role
from passport.attestation import Attestation
from passport.docindex import (
    DocumentIndex,
    Effect,
    Logged,
    LoggedPassport,
    NewAttestation,
    NewEndorsement,
    NewPassport,
    NewPublication,
    Revoke,
    Supersede,
    Wants,
    instant,
)
from passport.dpp_parse import Passport
from passport.endorsement import Endorsement
from passport.errors import SubmissionError
from passport.factors import Benchmark, FactorDataset
from passport.records import Prepared, with_subject
from passport.revocation import Revocation
from passport.validation import product_identifier


def wants(documents: Sequence[Prepared]) -> Wants:
    """What a batch's documents name, for :meth:`DocumentIndex.load`."""
    digests: set[str] = set()
    products: set[str] = set()
    publications: set[tuple[str, str, str]] = set()
    passports: set[str] = set()
    for p in documents:
        claim = p.claim
        if isinstance(claim, Attestation):
            products.add(claim.product_id)
            if claim.supersedes is not None:
                digests.add(claim.supersedes)
        elif isinstance(claim, Revocation):
            digests.add(claim.revokes)
        elif isinstance(claim, Endorsement):
            digests.add(claim.endorses)
        elif isinstance(claim, FactorDataset):
            publications.add((p.kind, claim.dataset_id, claim.version))
        elif isinstance(claim, Benchmark):
            publications.add((p.kind, claim.category, claim.version))
        elif isinstance(claim, Passport):
            passports.add(claim.product_id)
    return Wants(frozenset(digests), frozenset(products), frozenset(publications), frozenset(passports))


def judge(
    registry: RegistryState, index: DocumentIndex, prepared: Prepared, at: int
) -> tuple[RegistryState, Prepared, tuple[Effect, ...]]:
    """Judge ``prepared`` at log index ``at``: the registry after it, the document with its record subject
    resolved (a revocation naming no product), and its effects. Nothing is recorded in ``index``.

    Raises:
        RegistryError: a registry entry the registry refuses.
        AuthorityError: the signer may not sign this document here (``registry.*``, see the registry).
        SubmissionError: what earlier documents say forbids it (``submission.*``).
        IdentifierError: a product identifier the registry cannot match (a PACT URN with a bad handle).
        AttestationError: a reference period that does not parse (``attestation.date_time``).
    """
    claim = prepared.claim
    if isinstance(claim, RegistryOperation):
        return registry.apply(claim, prepared.signer, at), prepared, ()
    if isinstance(claim, Attestation):
        return registry, prepared, _attestation(registry, index, prepared, claim, at)
    if isinstance(claim, Passport):
        authority = _supplier(registry, prepared.signer, claim.product_id)
        replaces = index.current_passports(authority.uscc, claim.product_id)
        digest = prepared.document.digest
        links = sorted({link.credential for link in claim.components} | set(filter(None, [claim.benchmark])))
        passport = NewPassport(digest, at, claim.product_id, authority.uscc, replaces, tuple(links))
        return registry, prepared, (passport,)
    if isinstance(claim, Revocation):
        target = _revocable(index, claim.revokes, claim.product_id)
        _issuing_key(registry, prepared.signer, target)
        if target.revoked_at is not None:
            raise SubmissionError("revoked", f"{target.digest} was revoked at index {target.revoked_at}")
        resolved = prepared if prepared.subject is not None else with_subject(prepared, target.product)
        kind = "passport" if isinstance(target, LoggedPassport) else "attestation"
        return registry, resolved, (Revoke(target.digest, at, prepared.document.digest, kind),)
    if isinstance(claim, Endorsement):
        authority = registry.authorise(prepared.signer, None, Role.CERTIFICATION_BODY)
        target = _named(index, claim.endorses, claim.product_id)
        if target.org == authority.uscc:
            raise SubmissionError("self_endorsement", f"{authority.uscc} issued the attestation it endorses")
        if target.revoked_at is not None:
            raise SubmissionError("revoked", f"{target.digest} was revoked at index {target.revoked_at}")
        return (
            registry,
            prepared,
            (NewEndorsement(prepared.document.digest, at, target.digest, authority.uscc),),
        )
    if isinstance(claim, FactorDataset):
        authority = registry.authorise(prepared.signer, None, Role.DATABASE_PUBLISHER)
        if claim.publisher != authority.uscc:
            raise SubmissionError(
                "publisher_mismatch",
                f"the dataset names {claim.publisher} as publisher; the signer is of {authority.uscc}",
            )
        return (
            registry,
            prepared,
            (_publication(index, prepared, claim.dataset_id, claim.version, authority, at),),
        )
    authority = registry.authorise(prepared.signer, None, Role.DATABASE_PUBLISHER)
    return registry, prepared, (_publication(index, prepared, claim.category, claim.version, authority, at),)


def _supplier(registry: RegistryState, key: bytes, product: str) -> Authority:
    # The attestation's rules parsed the same identifier in prepare: the cached parse answers at once.
    identifier = product_identifier(product)
    try:
        return registry.authorise(key, identifier, Role.SUPPLIER)
    except AuthorityError as e:
        if e.reason != "wrong_role":
            raise
        return registry.authorise(key, identifier, Role.MANUFACTURER)


def _attestation(
    registry: RegistryState, index: DocumentIndex, prepared: Prepared, att: Attestation, at: int
) -> tuple[Effect, ...]:
    authority = _supplier(registry, prepared.signer, att.product_id)
    digest = prepared.document.digest
    effects: list[Effect] = []
    replaced: str | None = None
    if att.supersedes is not None:
        target = _named(index, att.supersedes, att.product_id)
        if target.org != authority.uscc:
            raise SubmissionError(
                "not_issuer", f"{target.digest} was issued by {target.org}, not {authority.uscc}"
            )
        if target.revoked_at is not None:
            raise SubmissionError("revoked", f"{target.digest} was revoked at index {target.revoked_at}")
        if target.superseded_by is not None:
            raise SubmissionError(
                "superseded", f"{target.digest} was already superseded by {target.superseded_by}"
            )
        replaced = target.digest
        effects.append(Supersede(target.digest, at, digest))
    start, end = instant(att.reference_period_start), instant(att.reference_period_end)
    clash = [a for a in index.current(authority.uscc, att.product_id, start, end) if a.digest != replaced]
    if clash:
        raise SubmissionError(
            "duplicate_attestation",
            f"{authority.uscc} already attests {att.product_id} for this reference period "
            f"({clash[0].digest}, index {clash[0].index}): supersede or revoke it",
        )
    logged = Logged(digest, at, att.product_id, authority.uscc, start, end, att.supersedes)
    return (NewAttestation(logged), *effects)


def _named(index: DocumentIndex, digest: str, product: str | None) -> Logged:
    target = index.attestation(digest)
    if target is None:
        raise SubmissionError("unknown_attestation", f"{digest} names no logged attestation")
    if product is not None and product != target.product:
        raise SubmissionError(
            "product_mismatch", f"{digest} is an attestation of {target.product}, not {product}"
        )
    return target


def _revocable(index: DocumentIndex, digest: str, product: str | None) -> Logged | LoggedPassport:
    # A revocation names an attestation or a passport; the refusals are the attestation's (same codes).
    passport = index.passport(digest)
    if passport is None:
        if index.attestation(digest) is None:
            raise SubmissionError("unknown_attestation", f"{digest} names no logged attestation or passport")
        return _named(index, digest, product)
    if product is not None and product != passport.product:
        raise SubmissionError(
            "product_mismatch", f"{digest} is a passport of {passport.product}, not {product}"
        )
    return passport


def _issuing_key(registry: RegistryState, key: bytes, target: Logged | LoggedPassport) -> None:
    holder = registry.holder_of_key(key)
    if holder is None:
        raise AuthorityError("unknown_key", "the key belongs to no registered organisation")
    if holder != target.org:
        raise SubmissionError(
            "not_issuer", f"{target.digest} was issued by {target.org}; the key is {holder}'s"
        )
    for view in registry.organisation(holder).keys:
        if hmac.compare_digest(view.key, key) and view.revoked_at is not None:
            raise AuthorityError(
                "key_revoked", f"the key was revoked at index {view.revoked_at}", value=holder
            )


def _publication(
    index: DocumentIndex, prepared: Prepared, name: str, version: str, authority: Authority, at: int
) -> NewPublication:
    if index.publication(prepared.kind, name, version) is not None:
        raise SubmissionError(
            "version_exists", f"{prepared.kind} {name} version {version} is already published"
        )
    return NewPublication(prepared.kind, name, version, prepared.document.digest, at, authority.uscc)
