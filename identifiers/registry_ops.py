"""Registry operations: the ten actions of docs/registry.md ("Registry entries") as validated frozen values.

A ``RegistryOperation`` is what one registry entry asks for, already checked for shape: the fields its action
requires are present, no field it does not take is set, identifiers are in canonical form (a signed entry's
text is what everyone compares, so nothing is repaired), keys are raw 32-byte Ed25519 public keys, and no list
repeats a value. Whether the registry accepts it (who signed it, whether it is consistent with the state) is
``RegistryState.apply``'s question (identifiers/registry.py). ``passport/registry.py`` maps operations to and
from registry credentials.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from identifiers.did import parse_did_web
from identifiers.errors import DidError, IdentifierError, RegistryError
from identifiers.gtin import Gs1CompanyPrefix
from identifiers.handle import HandlePrefix
from identifiers.multikey import check_public_key, did_key_from_public_key
from identifiers.parse import Prefix, parse_prefix
from identifiers.uscc import parse_uscc

MAX_LEGAL_NAME = 256
"""Characters in an organisation's legal name."""
MAX_REASON = 512
"""Characters in a revocation, suspension or blacklisting reason."""
MAX_LIST = 64
"""Values in one operation's roles, prefixes or keys."""


class Role(StrEnum):
    """What an organisation may sign as."""

    SUPPLIER = "supplier"
    MANUFACTURER = "manufacturer"
    CERTIFICATION_BODY = "certification-body"
    DATABASE_PUBLISHER = "database-publisher"

    @property
    def bound_to_prefix(self) -> bool:
        """Whether a document in this role must be about an identifier under one of the signer's prefixes.

        Suppliers and manufacturers speak about their own products; a certification body endorses other
        organisations' documents and a database publisher publishes factors, so neither is held to a prefix.
        """
        return self in (Role.SUPPLIER, Role.MANUFACTURER)


class Action(StrEnum):
    """The ``registryAction`` of a registry entry."""

    REGISTER_ORGANISATION = "register-organisation"
    BIND_PREFIX = "bind-prefix"
    UNBIND_PREFIX = "unbind-prefix"
    ADD_KEY = "add-key"
    ROTATE_KEY = "rotate-key"
    REVOKE_KEY = "revoke-key"
    SUSPEND_ORGANISATION = "suspend-organisation"
    REINSTATE_ORGANISATION = "reinstate-organisation"
    BLACKLIST = "blacklist"
    ROTATE_REGISTRAR_KEY = "rotate-registrar-key"


FIELDS = ("uscc", "legal_name", "roles", "prefixes", "keys", "revoked_key", "reason", "did_web")
"""Every optional field of ``RegistryOperation``, in the order the credential mapping writes them."""

_REQUIRED: dict[Action, frozenset[str]] = {
    Action.REGISTER_ORGANISATION: frozenset({"uscc", "legal_name", "roles"}),
    Action.BIND_PREFIX: frozenset({"uscc", "prefixes"}),
    Action.UNBIND_PREFIX: frozenset({"uscc", "prefixes"}),
    Action.ADD_KEY: frozenset({"uscc", "keys"}),
    Action.ROTATE_KEY: frozenset({"uscc", "keys", "revoked_key"}),
    Action.REVOKE_KEY: frozenset({"uscc", "revoked_key"}),
    Action.SUSPEND_ORGANISATION: frozenset({"uscc"}),
    Action.REINSTATE_ORGANISATION: frozenset({"uscc"}),
    Action.BLACKLIST: frozenset({"uscc"}),
    Action.ROTATE_REGISTRAR_KEY: frozenset({"keys"}),
}
_OPTIONAL: dict[Action, frozenset[str]] = {
    Action.REGISTER_ORGANISATION: frozenset({"prefixes", "keys", "did_web"}),
    Action.REVOKE_KEY: frozenset({"reason"}),
    Action.SUSPEND_ORGANISATION: frozenset({"reason"}),
    Action.REINSTATE_ORGANISATION: frozenset({"reason"}),
    Action.BLACKLIST: frozenset({"reason"}),
}


def allowed_fields(action: Action) -> tuple[frozenset[str], frozenset[str]]:
    """Return the (required, optional) field names of an action."""
    return _REQUIRED[action], _OPTIONAL.get(action, frozenset())


def _malformed(message: str, value: str = "") -> RegistryError:
    return RegistryError("malformed", message, value=value)


def _check_text(text: object, what: str, limit: int) -> None:
    if not isinstance(text, str) or not text or len(text) > limit:
        raise _malformed(f"{what} must be 1 to {limit} characters")
    if text != text.strip() or unicodedata.normalize("NFC", text) != text:
        raise _malformed(f"{what} must be NFC text without leading or trailing white space", text)
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp") for c in text):
        raise _malformed(f"{what} holds a control, format, unassigned or separator character", text)


def _check_unique(values: tuple[object, ...], what: str) -> None:
    if len(values) > MAX_LIST:
        raise _malformed(f"at most {MAX_LIST} {what} in one operation")
    if len(set(values)) != len(values):
        raise _malformed(f"{what} repeat a value")


def _check_key(key: object, what: str) -> None:
    if not isinstance(key, bytes) or len(key) != 32:
        raise _malformed(f"{what} must be a raw 32-byte Ed25519 public key")
    try:
        check_public_key(key)
    except DidError as e:
        raise _malformed(f"{what}: {e.message}", did_key_from_public_key(key)) from e


@dataclass(frozen=True)
class RegistryOperation:
    """One registry action with its fields, checked on construction (see the module docstring).

    Build one with the class methods (``register_organisation``, ``add_keys``, ...), which parse text, or
    directly with typed values. Unused fields are None or empty.

    Raises:
        RegistryError: ``registry.malformed`` for any field that is missing, not allowed for the action,
            mistyped, not canonical, or repeated.
    """

    action: Action
    uscc: str | None = None
    legal_name: str | None = None
    roles: tuple[Role, ...] = ()
    prefixes: tuple[Prefix, ...] = ()
    keys: tuple[bytes, ...] = ()
    revoked_key: bytes | None = None
    reason: str | None = None
    did_web: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.action, Action):
            raise _malformed(f"unknown registry action {self.action!r}")
        required, optional = allowed_fields(self.action)
        for name in FIELDS:
            present = getattr(self, name) not in (None, ())
            if name in required and not present:
                raise _malformed(f"{self.action} needs {name}")
            if present and name not in required | optional:
                raise _malformed(f"{self.action} does not take {name}")
        self._check_values()

    def _check_values(self) -> None:
        if self.uscc is not None:
            try:
                canonical = parse_uscc(self.uscc).canonical if isinstance(self.uscc, str) else None
            except IdentifierError as e:
                raise _malformed(f"uscc: {e.message}", str(self.uscc)) from e
            if canonical != self.uscc:
                raise _malformed("uscc must be a USCC in canonical (upper case) form", str(self.uscc))
        if self.legal_name is not None:
            _check_text(self.legal_name, "legalName", MAX_LEGAL_NAME)
        if self.reason is not None:
            _check_text(self.reason, "reason", MAX_REASON)
        if not isinstance(self.roles, tuple) or not all(isinstance(r, Role) for r in self.roles):
            raise _malformed("roles must be a tuple of Role")
        _check_unique(self.roles, "roles")
        if not isinstance(self.prefixes, tuple) or not all(
            isinstance(p, HandlePrefix | Gs1CompanyPrefix) for p in self.prefixes
        ):
            raise _malformed("prefixes must be a tuple of parsed prefixes")
        _check_unique(self.prefixes, "prefixes")
        if not isinstance(self.keys, tuple):
            raise _malformed("keys must be a tuple of raw keys")
        for key in self.keys:
            _check_key(key, "each key")
        _check_unique(self.keys, "keys")
        if self.action in (Action.ROTATE_KEY, Action.ROTATE_REGISTRAR_KEY) and len(self.keys) != 1:
            raise _malformed(f"{self.action} names exactly one new key")
        if self.revoked_key is not None:
            _check_key(self.revoked_key, "revokedKey")
            if self.revoked_key in self.keys:
                raise _malformed("a key cannot be added and revoked by one operation")
        if self.did_web is not None:
            try:
                canonical = parse_did_web(self.did_web).canonical if isinstance(self.did_web, str) else None
            except IdentifierError as e:
                raise _malformed(f"didWeb: {e.message}", str(self.did_web)) from e
            if canonical != self.did_web:
                raise _malformed("didWeb must be a did:web in canonical form", str(self.did_web))

    def describe(self) -> str:
        """A one-line human summary (for ``org show`` and logs), e.g. ``add-key 9132... did:key:z6Mk...``."""
        parts: list[str] = [self.action.value]
        if self.uscc is not None:
            parts.append(self.uscc)
        parts.extend(p.canonical for p in self.prefixes)
        parts.extend(did_key_from_public_key(k) for k in self.keys)
        if self.revoked_key is not None:
            parts.append("revoking " + did_key_from_public_key(self.revoked_key))
        return " ".join(parts)

    # --- constructors from text -----------------------------------------------------------------------------

    @classmethod
    def register_organisation(
        cls,
        uscc: str,
        legal_name: str,
        roles: Iterable[Role | str],
        prefixes: Iterable[Prefix | str] = (),
        keys: Iterable[bytes] = (),
        did_web: str | None = None,
    ) -> RegistryOperation:
        """``register-organisation``: a new organisation with its roles, and optionally prefixes and keys."""
        return cls(
            Action.REGISTER_ORGANISATION,
            uscc=uscc,
            legal_name=legal_name,
            roles=parse_roles(roles),
            prefixes=parse_prefixes(prefixes),
            keys=tuple(keys),
            did_web=did_web,
        )

    @classmethod
    def bind_prefixes(cls, uscc: str, prefixes: Iterable[Prefix | str]) -> RegistryOperation:
        """``bind-prefix``: the organisation holds these prefixes from this entry on."""
        return cls(Action.BIND_PREFIX, uscc=uscc, prefixes=parse_prefixes(prefixes))

    @classmethod
    def unbind_prefixes(cls, uscc: str, prefixes: Iterable[Prefix | str]) -> RegistryOperation:
        """``unbind-prefix``: the organisation no longer holds these prefixes from this entry on."""
        return cls(Action.UNBIND_PREFIX, uscc=uscc, prefixes=parse_prefixes(prefixes))

    @classmethod
    def add_keys(cls, uscc: str, keys: Iterable[bytes]) -> RegistryOperation:
        """``add-key``: new signing keys for the organisation."""
        return cls(Action.ADD_KEY, uscc=uscc, keys=tuple(keys))

    @classmethod
    def rotate_key(cls, uscc: str, new_key: bytes, old_key: bytes) -> RegistryOperation:
        """``rotate-key``: add ``new_key`` and revoke ``old_key`` at one index."""
        return cls(Action.ROTATE_KEY, uscc=uscc, keys=(new_key,), revoked_key=old_key)

    @classmethod
    def revoke_key(cls, uscc: str, key: bytes, reason: str | None = None) -> RegistryOperation:
        """``revoke-key``: the key is refused from this entry's index on."""
        return cls(Action.REVOKE_KEY, uscc=uscc, revoked_key=key, reason=reason)

    @classmethod
    def suspend(cls, uscc: str, reason: str | None = None) -> RegistryOperation:
        """``suspend-organisation``: none of its keys may sign until it is reinstated."""
        return cls(Action.SUSPEND_ORGANISATION, uscc=uscc, reason=reason)

    @classmethod
    def reinstate(cls, uscc: str, reason: str | None = None) -> RegistryOperation:
        """``reinstate-organisation``: end a suspension."""
        return cls(Action.REINSTATE_ORGANISATION, uscc=uscc, reason=reason)

    @classmethod
    def blacklist(cls, uscc: str, reason: str | None = None) -> RegistryOperation:
        """``blacklist``: a certification body's endorsements are refused from this entry on."""
        return cls(Action.BLACKLIST, uscc=uscc, reason=reason)

    @classmethod
    def rotate_registrar_key(cls, new_key: bytes) -> RegistryOperation:
        """``rotate-registrar-key``: ``new_key`` is the registrar from the next index on."""
        return cls(Action.ROTATE_REGISTRAR_KEY, keys=(new_key,))


def parse_roles(roles: Iterable[Role | str]) -> tuple[Role, ...]:
    """Return roles given as ``Role`` values or their texts.

    Raises:
        RegistryError: ``registry.malformed``: an unknown role.
    """
    result = []
    for role in roles:
        try:
            result.append(Role(role))
        except ValueError as e:
            raise _malformed(f"unknown role {role!r}", str(role)) from e
    return tuple(result)


def parse_prefixes(prefixes: Iterable[Prefix | str]) -> tuple[Prefix, ...]:
    """Return prefixes given parsed or as canonical text (``88.118.8``, ``gs1:4712345``).

    Raises:
        RegistryError: ``registry.malformed``: a text that is not a prefix, or not its canonical form.
    """
    result: list[Prefix] = []
    for prefix in prefixes:
        if isinstance(prefix, str):
            try:
                parsed = parse_prefix(prefix)
            except IdentifierError as e:
                raise _malformed(f"prefix: {e.message}", prefix) from e
            if parsed.canonical != prefix:
                raise _malformed("a prefix must be written in canonical (lower case) form", prefix)
            result.append(parsed)
        else:
            result.append(prefix)
    return tuple(result)
