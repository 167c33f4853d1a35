"""The registry state: which organisation and key may sign for which identifiers, at each point of the log.

Implements docs/registry.md (DESIGN.md, "Identity and authority"). The state is a pure function of the
registry entries in log order: ``replay(genesis_key, entries)`` folds ``RegistryState.apply`` over them, and
``RegistryState.authorise`` answers for a document at any index after the last entry applied. A document at
log index i is judged against the state after every registry entry with an index below i, so a key revoked at
index r is valid before r and refused from r on, and no wall clock is consulted.

States are immutable values: ``apply`` returns a new state and leaves the old one valid, so the sequencer can
judge a batch entry by entry and keep any earlier state. Tables are persistent maps
(identifiers/registry_map.py): one ``apply`` copies O(log n) small nodes, so replaying n entries costs
O(n log n) (tests/unit/identifiers/test_registry_scale.py measures 10,000 organisations).

Pure: no I/O and no signature checking. Whoever calls ``apply`` has verified the entry's proof and passes the
raw public key that made it (passport/registry.py does both).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from identifiers.did import DidWeb
from identifiers.errors import AuthorityError, RegistryConflictError, RegistryError
from identifiers.multikey import did_key_from_public_key
from identifiers.parse import Prefix, covers
from identifiers.registry_apply import (
    GENESIS_INDEX,
    Org,
    RegistryEvent,
    Tables,
    apply_operation,
    genesis_tables,
)
from identifiers.registry_map import Edit
from identifiers.registry_ops import Action, RegistryOperation, Role
from identifiers.scheme import Identifier
from identifiers.uscc import Uscc

__all__ = [
    "Action",
    "Authority",
    "KeyView",
    "OrganisationView",
    "RegistryEvent",
    "RegistryOperation",
    "RegistryState",
    "Role",
    "replay",
]


@dataclass(frozen=True)
class KeyView:
    """A key's history: added at ``added_at``; refused from ``revoked_at`` on, if set."""

    key: bytes
    added_at: int
    revoked_at: int | None = None
    reason: str | None = None

    @property
    def did_key(self) -> str:
        """The key as ``did:key:z6Mk...``."""
        return did_key_from_public_key(self.key)

    @property
    def active(self) -> bool:
        """Whether the key has not been revoked."""
        return self.revoked_at is None


@dataclass(frozen=True)
class OrganisationView:
    """An organisation's current state and its history (every entry about it, with log indices)."""

    uscc: str
    legal_name: str
    roles: tuple[Role, ...]
    did_web: str | None
    registered_at: int
    prefixes: tuple[Prefix, ...]
    """Prefixes held now, in binding order."""
    keys: tuple[KeyView, ...]
    """Every key the organisation ever had, in the order added, revoked ones included."""
    suspended: bool
    blacklisted_at: int | None
    history: tuple[RegistryEvent, ...]

    @property
    def active_keys(self) -> tuple[bytes, ...]:
        """The keys that may sign now (subject to suspension)."""
        return tuple(k.key for k in self.keys if k.active)


@dataclass(frozen=True)
class Authority:
    """What ``authorise`` established: ``key`` of organisation ``uscc`` may sign in ``role``.

    ``prefix`` is the held prefix covering the identifier, or None when the role is not bound to a prefix or
    the identifier is the organisation's own USCC or did:web. ``as_of`` is the last registry index applied.
    """

    uscc: str
    legal_name: str
    role: Role
    key: bytes
    prefix: Prefix | None
    key_added_at: int
    as_of: int


class RegistryState:
    """The registry after the entries up to ``last_index`` (an immutable value).

    Build one with :meth:`genesis` and :meth:`apply`, or with :func:`replay`. Two states are equal when
    they hold the same registrar history, organisations (state and history) and last index.
    """

    __slots__ = ("_applied", "_last_index", "_t")

    def __init__(self, tables: Tables, last_index: int, applied: int) -> None:
        self._t = tables
        self._last_index = last_index
        self._applied = applied

    @classmethod
    def genesis(cls, registrar_key: bytes) -> RegistryState:
        """The empty registry whose registrar is ``registrar_key`` (the trust anchor).

        Raises:
            RegistryError: ``registry.malformed``: not a raw 32-byte key.
        """
        if not isinstance(registrar_key, bytes) or len(registrar_key) != 32:
            raise RegistryError("malformed", "the registrar key must be a raw 32-byte Ed25519 public key")
        tables = genesis_tables(registrar_key)
        return cls(tables, GENESIS_INDEX, 0)

    # --- queries --------------------------------------------------------------------------------------------

    @property
    def last_index(self) -> int:
        """The log index of the last entry applied; -1 for the genesis state."""
        return self._last_index

    @property
    def applied(self) -> int:
        """How many registry entries have been applied."""
        return self._applied

    @property
    def size(self) -> int:
        """How many organisations are registered."""
        return len(self._t.orgs)

    def registrar_key(self) -> bytes:
        """The registrar's current key: the one that must sign the next registry entry."""
        return self._t.registrar[-1][1]

    def registrar_keys(self) -> tuple[tuple[int, bytes], ...]:
        """Every registrar key with the index from which it signs (-1 for the trust anchor), oldest first."""
        return self._t.registrar

    def holder_of_key(self, key: bytes) -> str | None:
        """The USCC of the organisation a key belongs to (revoked or not), or None."""
        record = self._t.keys.get(key)
        return None if record is None else record.uscc

    def organisation(self, uscc: str) -> OrganisationView:
        """The organisation's state and history.

        Raises:
            RegistryConflictError: ``registry.unknown_org``.
        """
        org = self._t.orgs.get(uscc)
        if org is None:
            raise RegistryConflictError("unknown_org", f"no organisation {uscc} is registered", value=uscc)
        return self._view(org)

    def organisations(self) -> Iterator[OrganisationView]:
        """Every organisation, in registration order."""
        for position in range(len(self._t.order)):
            uscc = self._t.order.get(position)
            assert uscc is not None
            yield self.organisation(uscc)

    def _view(self, org: Org) -> OrganisationView:
        keys = []
        for key in org.keys:
            record = self._t.keys.get(key)
            assert record is not None
            keys.append(KeyView(key, record.added_at, record.revoked_at, record.reason))
        return OrganisationView(
            uscc=org.uscc,
            legal_name=org.legal_name,
            roles=org.roles,
            did_web=org.did_web,
            registered_at=org.registered_at,
            prefixes=org.prefixes,
            keys=tuple(keys),
            suspended=org.suspended,
            blacklisted_at=org.blacklisted_at,
            history=org.history,
        )

    def authorise(self, key: bytes, identifier: Identifier | None, role: Role) -> Authority:
        """Decide whether ``key`` may sign, as ``role``, a document about ``identifier`` logged after this.

        For roles bound to a prefix (supplier, manufacturer) the identifier must be covered by a prefix the
        key's organisation holds, or be its own USCC or did:web; for the others (certification body, database
        publisher) it is not checked and may be None.

        Raises:
            AuthorityError: ``registry.unknown_key`` (no organisation has the key: the registrar's own keys
                included), ``registry.key_revoked``, ``registry.org_suspended``, ``registry.blacklisted`` (a
                blacklisted certification body signing as one), ``registry.wrong_role`` or
                ``registry.prefix_not_held``.
            IdentifierError: a PACT ``handle`` URN that carries no valid handle.
        """
        record = self._t.keys.get(key) if isinstance(key, bytes) else None
        if record is None or record.uscc is None:
            raise AuthorityError("unknown_key", "the key belongs to no registered organisation")
        if record.revoked_at is not None:
            raise AuthorityError(
                "key_revoked", f"the key was revoked at index {record.revoked_at}", value=record.uscc
            )
        org = self._t.orgs.get(record.uscc)
        assert org is not None
        if org.suspended:
            raise AuthorityError("org_suspended", f"{org.uscc} is suspended", value=org.uscc)
        if role is Role.CERTIFICATION_BODY and org.blacklisted_at is not None:
            raise AuthorityError(
                "blacklisted", f"{org.uscc} was blacklisted at index {org.blacklisted_at}", value=org.uscc
            )
        if role not in org.roles:
            raise AuthorityError("wrong_role", f"{org.uscc} is not registered as {role}", value=org.uscc)
        prefix: Prefix | None = None
        if role.bound_to_prefix:
            prefix = self._covering(org, identifier)
        return Authority(org.uscc, org.legal_name, role, key, prefix, record.added_at, self._last_index)

    @staticmethod
    def _covering(org: Org, identifier: Identifier | None) -> Prefix | None:
        if identifier is None:
            raise AuthorityError("prefix_not_held", f"a {org.uscc} document in this role needs an identifier")
        if isinstance(identifier, Uscc) and identifier.code == org.uscc:
            return None
        if isinstance(identifier, DidWeb) and identifier.canonical == org.did_web:
            return None
        for prefix in org.prefixes:
            if covers(prefix, identifier):
                return prefix
        raise AuthorityError(
            "prefix_not_held",
            f"{org.uscc} holds no prefix covering {identifier.canonical}",
            value=identifier.canonical,
        )

    # --- apply ----------------------------------------------------------------------------------------------

    def apply(self, op: RegistryOperation, signer: bytes, index: int) -> RegistryState:
        """Return the state after the registry entry ``op``, signed by ``signer``, logged at ``index``.

        This state is unchanged whether or not the entry is accepted.

        Raises:
            RegistryError: ``registry.index_order`` (``index`` not above the last applied) or
                ``registry.malformed`` (a mistyped argument).
            AuthorityError: ``registry.not_registrar`` / ``registry.not_authorised``: the wrong signer.
            RegistryConflictError: the consistency refusals of docs/registry.md (``org_exists``,
                ``unknown_org``, ``key_in_use``, ``key_not_active``, ``prefix_conflict``,
                ``prefix_not_bound``, ``did_web_in_use``, ``not_certification_body``, ``already_suspended``,
                ``not_suspended``, ``already_blacklisted``).
        """
        _check_arguments(op, signer, index, self._last_index)
        tables = apply_operation(self._t, op, signer, index)
        return RegistryState(tables, index, self._applied + 1)

    # --- equality -------------------------------------------------------------------------------------------

    def _key(self) -> tuple[object, ...]:
        return (self._last_index, self._applied, self._t.registrar, tuple(self.organisations()))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RegistryState):
            return NotImplemented
        return self is other or self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]  # equality is by value, and computing it walks the registry

    def __repr__(self) -> str:
        return f"RegistryState(organisations={self.size}, last_index={self._last_index})"


def _check_arguments(op: RegistryOperation, signer: bytes, index: int, last_index: int) -> None:
    if not isinstance(op, RegistryOperation):
        raise RegistryError("malformed", "not a RegistryOperation")
    if not isinstance(signer, bytes) or len(signer) != 32:
        raise RegistryError("malformed", "the signer must be a raw 32-byte Ed25519 public key")
    if isinstance(index, bool) or not isinstance(index, int) or index <= last_index:
        raise RegistryError(
            "index_order", f"entry index {index!r} is not above the last applied ({last_index})"
        )


def replay(genesis_key: bytes, entries: Iterable[tuple[int, RegistryOperation, bytes]]) -> RegistryState:
    """Fold ``apply`` over registry entries ``(index, operation, signer)`` in log order.

    Raises:
        RegistryError: the first entry the registry refuses (a log whose registry entries do not replay is
            not one this registrar built).
    """
    # One edit session for the whole fold: each trie node is copied at most once, and only the final tables
    # are published (a refused entry raises, and the half-built tables are dropped with the session).
    state = RegistryState.genesis(genesis_key)
    tables, last_index, applied, edit = state._t, state.last_index, 0, Edit()
    for index, op, signer in entries:
        _check_arguments(op, signer, index, last_index)
        tables = apply_operation(tables, op, signer, index, edit)
        last_index, applied = index, applied + 1
    return RegistryState(tables, last_index, applied)
