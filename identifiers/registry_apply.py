"""The registry's transition function: who may sign each action, and the consistency rules.

Implements docs/registry.md, "Registry entries" (who signs, effects) and its consistency rules. The tables are
persistent maps (identifiers/registry_map.py); ``apply_operation`` builds new tables and never changes the
ones it is given, so a refused entry leaves the caller's state as it was. ``RegistryState.apply``
(identifiers/registry.py) checks the index order and argument types before calling it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from identifiers.errors import AuthorityError, RegistryConflictError
from identifiers.gtin import Gs1CompanyPrefix
from identifiers.handle import HandlePrefix
from identifiers.parse import Prefix
from identifiers.registry_map import Edit, PersistentMap
from identifiers.registry_ops import Action, RegistryOperation, Role

GENESIS_INDEX = -1
"""The position of the registrar's trust-anchor key: before the log's first entry."""


@dataclass(frozen=True)
class RegistryEvent:
    """One applied registry entry: its log index, the operation and the raw key that signed it."""

    index: int
    operation: RegistryOperation
    signer: bytes


@dataclass(frozen=True, slots=True)
class Org:
    """An organisation's record in the tables (``OrganisationView`` is its public form)."""

    uscc: str
    legal_name: str
    roles: tuple[Role, ...]
    did_web: str | None
    registered_at: int
    prefixes: tuple[Prefix, ...]
    keys: tuple[bytes, ...]
    """Every key ever added, in order; each one's status is in the key table."""
    suspended: bool
    blacklisted_at: int | None
    history: tuple[RegistryEvent, ...]


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """A key's owner (None for a registrar key) and its life: added at, revoked (or retired) at."""

    uscc: str | None
    added_at: int
    revoked_at: int | None = None
    reason: str | None = None


MIN_HANDLE_SEGMENTS = 3
"""An industrial-internet prefix has ``88``, an industry and an enterprise segment at least."""
MIN_GS1_DIGITS = 4
"""A GS1 company prefix has 4 digits at least."""


def prefix_paths(prefix: Prefix) -> tuple[str, tuple[str, ...]]:
    """Return a prefix's table key and the keys of the shorter valid prefixes that cover it.

    ``88.118.8.1`` gives ``"handle 88.118.8.1"`` and ``("handle 88.118.8",)`` (``88.118`` is no prefix);
    ``gs1:4712345`` gives ``"gs1 4712345"`` and ``("gs1 4712", "gs1 47123", "gs1 471234")``. Two prefixes
    overlap (one equals or covers the other) exactly when one's key is the other's or among its ancestors.
    """
    if isinstance(prefix, HandlePrefix):
        segments = prefix.segments
        ancestors = tuple(
            "handle " + ".".join(segments[:n]) for n in range(MIN_HANDLE_SEGMENTS, len(segments))
        )
        return "handle " + ".".join(segments), ancestors
    assert isinstance(prefix, Gs1CompanyPrefix)
    digits = prefix.digits
    return "gs1 " + digits, tuple("gs1 " + digits[:n] for n in range(MIN_GS1_DIGITS, len(digits)))


@dataclass(frozen=True, slots=True)
class Tables:
    """Everything a registry state holds."""

    registrar: tuple[tuple[int, bytes], ...]
    """Registrar keys with the index from which each signs, oldest first."""
    orgs: PersistentMap[str, Org]
    order: PersistentMap[int, str]
    """Registration position -> USCC."""
    keys: PersistentMap[bytes, KeyRecord]
    """Every key ever registered, organisations' and registrar's: a key is never reused."""
    holders: PersistentMap[str, str | None]
    """Each prefix ever bound (by ``prefix_paths`` key): its holder, or None once unbound."""
    below: PersistentMap[str, int]
    """For each prefix key, how many currently bound prefixes it strictly covers."""
    did_webs: PersistentMap[str, str]
    """did:web -> USCC; a did:web names one organisation, ever."""


def genesis_tables(registrar_key: bytes) -> Tables:
    """The tables of an empty registry with ``registrar_key`` as trust anchor."""
    return Tables(
        registrar=((GENESIS_INDEX, registrar_key),),
        orgs=PersistentMap(),
        order=PersistentMap(),
        keys=PersistentMap[bytes, KeyRecord]().set(registrar_key, KeyRecord(None, GENESIS_INDEX)),
        holders=PersistentMap(),
        below=PersistentMap(),
        did_webs=PersistentMap(),
    )


class _Change:
    """The tables being built for one entry. Each map starts as the old table's and is replaced, never
    changed, so the old tables stay as they were whatever happens."""

    def __init__(self, tables: Tables, op: RegistryOperation, signer: bytes, index: int, edit: Edit) -> None:
        self.edit = edit
        self.registrar = tables.registrar
        self.orgs = tables.orgs
        self.order = tables.order
        self.keys = tables.keys
        self.holders = tables.holders
        self.below = tables.below
        self.did_webs = tables.did_webs
        self.op = op
        self.index = index
        self.event = RegistryEvent(index, op, signer)

    def tables(self) -> Tables:
        return Tables(
            self.registrar, self.orgs, self.order, self.keys, self.holders, self.below, self.did_webs
        )

    # --- helpers ----------------------------------------------------------------------------------------

    def org(self) -> Org:
        assert self.op.uscc is not None
        org = self.orgs.get(self.op.uscc)
        if org is None:
            raise RegistryConflictError(
                "unknown_org", f"no organisation {self.op.uscc} is registered", value=self.op.uscc
            )
        return org

    def record(self, org: Org, **changes: object) -> None:
        """Store ``org`` with ``changes`` and this entry appended to its history."""
        updated = replace(org, history=(*org.history, self.event), **changes)  # type: ignore[arg-type]
        self.orgs = self.orgs.set(org.uscc, updated, self.edit)

    def new_keys(self, uscc: str | None) -> None:
        for key in self.op.keys:
            if key in self.keys:
                raise RegistryConflictError(
                    "key_in_use", "the key is or was registered already (keys are never reused)"
                )
            self.keys = self.keys.set(key, KeyRecord(uscc, self.index), self.edit)

    def revoke(self, uscc: str, key: bytes, reason: str | None) -> None:
        record = self.keys.get(key)
        if record is None or record.uscc != uscc or record.revoked_at is not None:
            raise RegistryConflictError(
                "key_not_active", f"the key is not an active key of {uscc}", value=uscc
            )
        self.keys = self.keys.set(key, KeyRecord(uscc, record.added_at, self.index, reason), self.edit)

    def bind(self, uscc: str, prefix: Prefix) -> None:
        path, ancestors = prefix_paths(prefix)
        for key in (*ancestors, path):
            holder = self.holders.get(key)
            if holder is not None:
                raise RegistryConflictError(
                    "prefix_conflict",
                    f"{prefix.canonical} equals or lies under a prefix {holder} holds",
                    value=prefix.canonical,
                )
        if self.below.get(path):
            raise RegistryConflictError(
                "prefix_conflict", f"{prefix.canonical} covers a prefix already held", value=prefix.canonical
            )
        for key in ancestors:
            self.below = self.below.set(key, (self.below.get(key) or 0) + 1, self.edit)
        self.holders = self.holders.set(path, uscc, self.edit)

    def unbind(self, uscc: str, prefix: Prefix) -> None:
        path, ancestors = prefix_paths(prefix)
        if self.holders.get(path) != uscc:
            raise RegistryConflictError(
                "prefix_not_bound", f"{uscc} does not hold {prefix.canonical}", value=prefix.canonical
            )
        for key in ancestors:
            self.below = self.below.set(key, (self.below.get(key) or 1) - 1, self.edit)
        self.holders = self.holders.set(path, None, self.edit)

    # --- one method per action --------------------------------------------------------------------------

    def register_organisation(self) -> None:
        op = self.op
        assert op.uscc is not None
        assert op.legal_name is not None
        if op.uscc in self.orgs:
            raise RegistryConflictError("org_exists", f"{op.uscc} is already registered", value=op.uscc)
        if op.did_web is not None:
            if op.did_web in self.did_webs:
                raise RegistryConflictError(
                    "did_web_in_use", f"{op.did_web} names another organisation", value=op.did_web
                )
            self.did_webs = self.did_webs.set(op.did_web, op.uscc, self.edit)
        self.new_keys(op.uscc)
        for prefix in op.prefixes:
            self.bind(op.uscc, prefix)
        org = Org(
            uscc=op.uscc,
            legal_name=op.legal_name,
            roles=op.roles,
            did_web=op.did_web,
            registered_at=self.index,
            prefixes=op.prefixes,
            keys=op.keys,
            suspended=False,
            blacklisted_at=None,
            history=(self.event,),
        )
        self.order = self.order.set(len(self.order), op.uscc, self.edit)
        self.orgs = self.orgs.set(op.uscc, org, self.edit)

    def bind_prefix(self) -> None:
        org = self.org()
        for prefix in self.op.prefixes:
            self.bind(org.uscc, prefix)
        self.record(org, prefixes=(*org.prefixes, *self.op.prefixes))

    def unbind_prefix(self) -> None:
        org = self.org()
        for prefix in self.op.prefixes:
            self.unbind(org.uscc, prefix)
        gone = set(self.op.prefixes)
        self.record(org, prefixes=tuple(p for p in org.prefixes if p not in gone))

    def add_key(self) -> None:
        org = self.org()
        self.new_keys(org.uscc)
        self.record(org, keys=(*org.keys, *self.op.keys))

    def rotate_key(self) -> None:
        org = self.org()
        assert self.op.revoked_key is not None
        self.revoke(org.uscc, self.op.revoked_key, "rotated")
        self.new_keys(org.uscc)
        self.record(org, keys=(*org.keys, *self.op.keys))

    def revoke_key(self) -> None:
        org = self.org()
        assert self.op.revoked_key is not None
        self.revoke(org.uscc, self.op.revoked_key, self.op.reason)
        self.record(org)

    def suspend_organisation(self) -> None:
        org = self.org()
        if org.suspended:
            raise RegistryConflictError(
                "already_suspended", f"{org.uscc} is already suspended", value=org.uscc
            )
        self.record(org, suspended=True)

    def reinstate_organisation(self) -> None:
        org = self.org()
        if not org.suspended:
            raise RegistryConflictError("not_suspended", f"{org.uscc} is not suspended", value=org.uscc)
        self.record(org, suspended=False)

    def blacklist(self) -> None:
        org = self.org()
        if Role.CERTIFICATION_BODY not in org.roles:
            raise RegistryConflictError(
                "not_certification_body", f"{org.uscc} is not a certification body", value=org.uscc
            )
        if org.blacklisted_at is not None:
            raise RegistryConflictError(
                "already_blacklisted", f"{org.uscc} is already blacklisted", value=org.uscc
            )
        self.record(org, blacklisted_at=self.index)

    def rotate_registrar_key(self) -> None:
        old = self.registrar[-1][1]
        record = self.keys.get(old)
        assert record is not None
        self.new_keys(None)
        self.keys = self.keys.set(old, KeyRecord(None, record.added_at, self.index, "rotated"), self.edit)
        # The new key signs from the next index: this entry itself was signed by the old one.
        self.registrar = (*self.registrar, (self.index + 1, self.op.keys[0]))


_STEPS: dict[Action, Callable[[_Change], None]] = {
    Action.REGISTER_ORGANISATION: _Change.register_organisation,
    Action.BIND_PREFIX: _Change.bind_prefix,
    Action.UNBIND_PREFIX: _Change.unbind_prefix,
    Action.ADD_KEY: _Change.add_key,
    Action.ROTATE_KEY: _Change.rotate_key,
    Action.REVOKE_KEY: _Change.revoke_key,
    Action.SUSPEND_ORGANISATION: _Change.suspend_organisation,
    Action.REINSTATE_ORGANISATION: _Change.reinstate_organisation,
    Action.BLACKLIST: _Change.blacklist,
    Action.ROTATE_REGISTRAR_KEY: _Change.rotate_registrar_key,
}


def check_signer(tables: Tables, op: RegistryOperation, signer: bytes) -> None:
    """Check that ``signer`` may sign ``op``.

    Every action needs the registrar's current key; ``revoke-key`` may instead be signed by any active key of
    the organisation named (the revoked key itself included).

    Raises:
        RegistryError: ``registry.not_registrar``, or ``registry.not_authorised`` for a ``revoke-key`` signed
            by a key that is neither the registrar's nor an active key of that organisation.
    """
    if signer == tables.registrar[-1][1]:
        return
    if op.action is Action.REVOKE_KEY:
        record = tables.keys.get(signer)
        if record is None or record.uscc != op.uscc or record.revoked_at is not None:
            raise AuthorityError(
                "not_authorised", "revoke-key is signed by the registrar or an active key of the organisation"
            )
        return
    raise AuthorityError("not_registrar", f"{op.action} must be signed by the registrar's current key")


def apply_operation(
    tables: Tables, op: RegistryOperation, signer: bytes, index: int, edit: Edit | None = None
) -> Tables:
    """Return the tables after ``op`` signed by ``signer`` at ``index``.

    ``tables`` are not changed, unless they were made under ``edit`` (``replay`` passes one session for all
    its entries and publishes only the last tables); without ``edit`` a fresh session is used.

    Raises:
        RegistryError: the signer may not sign ``op`` (see ``check_signer``), or ``op`` breaks a consistency
            rule of docs/registry.md.
    """
    check_signer(tables, op, signer)
    change = _Change(tables, op, signer, index, Edit() if edit is None else edit)
    _STEPS[op.action](change)
    return change.tables()
