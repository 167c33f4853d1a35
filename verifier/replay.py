"""The bundle's documents replayed in log order under the same admission rules the log applies
(docs/verify.md, "Checks": ``authority``, ``record``, ``status``, ``endorsements``; docs/registry.md, "Trust
anchor and order"; ``passport/authority.py``).

The registry starts from :meth:`RegistryState.genesis` of the registrar key the verifier was given (never one
the bundle names) and every included document is judged, at its log index, by :func:`passport.authority.judge`
against the registry so far and a :class:`DocumentIndex` of the documents before it. A registry entry that
does not verify or is refused changes nothing, so whatever rests on it fails its own authority check.

A bundle holds only what the passport rests on, not the whole log, so two rules are bent, and said so in the
check's message: an attestation that supersedes one the bundle does not carry is judged without that
supersession (its signer's authority is still judged); and an attestation whose body a public bundle withholds
is judged from its record: the signing key is the record issuer's did:key, which must be allowed to sign for
the record's subject as a supplier or manufacturer at that index.

Status as of the checkpoint comes from the effects the included revocations and superseding credentials had
(``Revoke``, ``Supersede``, a newer passport); blacklisting from the registry state after the last entry.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import replace

from identifiers.did import parse_did_key
from identifiers.errors import AuthorityError as RegistryAuthorityError
from identifiers.errors import IdentifierError
from identifiers.registry import Authority, RegistryState
from identifiers.registry_ops import Role
from passport.attestation import Attestation
from passport.authority import judge
from passport.docindex import DocumentIndex, Logged, NewAttestation, NewEndorsement
from passport.errors import PassportError
from passport.records import KIND_ATTESTATION, KIND_PASSPORT, Prepared
from passport.validation import product_identifier
from verifier.checks import UNDECIDED, WITHHELD, failed, not_checked, passed
from verifier.documents import Doc
from verifier.errors import (
    AuthorityError,
    BlacklistedError,
    RecordError,
    RevokedError,
    SupersededError,
)

__all__ = ["Replay", "check_endorsements", "check_status", "replay", "withheld_attestations"]


class Replay:
    """What the replay established: the registry as of the bundle's checkpoint, the document index, and the
    endorsements of each attestation (digest of the endorsement, organisation of its signer)."""

    def __init__(self, registry: RegistryState, index: DocumentIndex) -> None:
        self.registry = registry
        self.index = index
        self.endorsements: dict[str, list[tuple[str, str]]] = {}

    def legal_name(self, issuer: str) -> str | None:
        """The legal name of the organisation holding the key of ``issuer`` (a did:key), if registered."""
        try:
            holder = self.registry.holder_of_key(parse_did_key(issuer).public_key)
        except IdentifierError:
            return None
        return None if holder is None else self.registry.organisation(holder).legal_name


def _supplier(registry: RegistryState, key: bytes, product: str) -> Authority:
    identifier = product_identifier(product)
    try:
        return registry.authorise(key, identifier, Role.SUPPLIER)
    except RegistryAuthorityError as e:
        if e.reason != "wrong_role":
            raise
        return registry.authorise(key, identifier, Role.MANUFACTURER)


def _withheld(state: Replay, doc: Doc) -> None:
    """Judge a public bundle's attestation from its record (module docstring)."""
    f = doc.fields
    try:
        key = parse_did_key(f.issuer).public_key
        authority = _supplier(state.registry, key, f.subject)
    except IdentifierError as e:
        error = AuthorityError(f"{e.code}: {e.message}", document=doc.digest)
        doc.add(failed("authority", error, doc.digest))
        return
    doc.add(passed("authority", AuthorityError.code, doc.digest, f"{authority.uscc}, judged from the record"))
    state.index.apply(NewAttestation(Logged(doc.digest, doc.index, f.subject, authority.uscc, "", "")))


def _judged(state: Replay, doc: Doc, prepared: Prepared, bundled: set[str]) -> None:
    note = ""
    claim = prepared.claim
    if isinstance(claim, Attestation) and claim.supersedes is not None and claim.supersedes not in bundled:
        # What it supersedes is not in the bundle: judge the rest (module docstring).
        prepared = replace(prepared, claim=replace(claim, supersedes=None))
        note = f"; supersedes {claim.supersedes}, not in the bundle (not judged)"
    try:
        registry, resolved, effects = judge(state.registry, state.index, prepared, doc.index)
    except (IdentifierError, PassportError) as e:
        doc.add(
            failed("authority", AuthorityError(f"{e.code}: {e.message}", document=doc.digest), doc.digest)
        )
        doc.add(not_checked("record", UNDECIDED, "the document may not be logged here", doc.digest))
        return
    state.registry = registry
    for effect in effects:
        state.index.apply(effect)
        if isinstance(effect, NewEndorsement):
            state.endorsements.setdefault(effect.endorses, []).append((effect.digest, effect.org))
    doc.add(passed("authority", AuthorityError.code, doc.digest, f"at index {doc.index}{note}"))
    if resolved.record is None or not hmac.compare_digest(resolved.record, doc.record.record):
        error = RecordError(
            f"the record at index {doc.index} is not the one the credential makes", document=doc.digest
        )
        doc.add(failed("record", error, doc.digest))
    else:
        doc.add(passed("record", RecordError.code, doc.digest))


def replay(docs: Iterable[Doc], registrar: bytes, *, full: bool) -> Replay:
    """Judge every document in log order (module docstring); adds ``authority`` and ``record`` to each.

    ``docs`` must be in log order (the bundle's parse checked it).
    """
    docs = list(docs)
    state = Replay(RegistryState.genesis(registrar), DocumentIndex())
    bundled = {d.digest for d in docs}
    for doc in docs:
        if doc.prepared is not None:
            _judged(state, doc, doc.prepared, bundled)
        elif doc.body is None and doc.fields.kind == KIND_ATTESTATION and not full:
            _withheld(state, doc)
            doc.add(
                not_checked(
                    "record", WITHHELD, "the attestation's body is withheld (public bundle)", doc.digest
                )
            )
        else:
            reason = "the credential did not verify"
            doc.add(not_checked("authority", UNDECIDED, reason, doc.digest))
            doc.add(not_checked("record", UNDECIDED, reason, doc.digest))
    return state


def withheld_attestations(state: Replay, docs: Iterable[Doc]) -> dict[tuple[str, str | None], list[Doc]]:
    """The attestations whose bodies a public bundle withholds, by (product, issuing organisation)."""
    out: dict[tuple[str, str | None], list[Doc]] = {}
    for d in docs:
        if d.body is None and d.fields.kind == KIND_ATTESTATION:
            out.setdefault((d.fields.subject, _org(state, d)), []).append(d)
    return out


def check_status(state: Replay, doc: Doc, withheld: dict[tuple[str, str | None], list[Doc]]) -> None:
    """The ``status`` check of an attestation or passport: neither revoked nor superseded as of the
    checkpoint, by what the bundle carries (``withheld`` from :func:`withheld_attestations`)."""
    digest = doc.digest
    logged = state.index.attestation(digest) if doc.fields.kind == KIND_ATTESTATION else None
    found = logged or (state.index.passport(digest) if doc.fields.kind == KIND_PASSPORT else None)
    if found is None:
        doc.add(not_checked("status", UNDECIDED, "the document was not admitted by the replay", digest))
        return
    if found.revoked_at is not None:
        error = RevokedError(f"revoked at index {found.revoked_at} by {found.revoked_by}", document=digest)
        doc.add(failed("status", error, digest))
        return
    if found.superseded_at is not None:
        superseded = SupersededError(
            f"superseded at index {found.superseded_at} by {found.superseded_by}", document=digest
        )
        doc.add(failed("status", superseded, digest))
        return
    if logged is not None:
        # A later attestation of the same product by the same organisation whose body is withheld may
        # supersede this one: the bundle cannot say.
        later = [d for d in withheld.get((logged.product, logged.org), ()) if d.index > doc.index]
        if later:
            message = (
                f"a later attestation of the same product by {logged.org} is withheld: {later[0].digest}"
            )
            doc.add(not_checked("status", WITHHELD, message, digest))
            return
    doc.add(passed("status", RevokedError.code, digest, "neither revoked nor superseded"))


def _org(state: Replay, doc: Doc) -> str | None:
    try:
        return state.registry.holder_of_key(parse_did_key(doc.fields.issuer).public_key)
    except IdentifierError:
        return None


def check_endorsements(state: Replay, doc: Doc) -> None:
    """The ``endorsements`` check of an attestation: no endorsement in the bundle is by a certification
    body blacklisted as of the checkpoint."""
    for endorsement, org in state.endorsements.get(doc.digest, ()):
        blacklisted = state.registry.organisation(org).blacklisted_at
        if blacklisted is not None:
            error = BlacklistedError(
                f"endorsed by {org} ({endorsement}), blacklisted at index {blacklisted}", document=doc.digest
            )
            doc.add(failed("endorsements", error, doc.digest))
            return
    count = len(state.endorsements.get(doc.digest, ()))
    doc.add(passed("endorsements", BlacklistedError.code, doc.digest, f"{count} endorsement(s)"))
