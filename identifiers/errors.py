"""The identifiers package's errors: one base class, specific subclasses, each with a stable ``code``."""

from __future__ import annotations


class IdentifierError(ValueError):
    """Base of every identifier error. ``value`` is the text that was refused."""

    code = "identifiers.invalid"

    def __init__(self, message: str, *, value: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.value = value


class DidError(IdentifierError):
    """A DID (did:key or did:web) or Multikey value that does not parse."""

    code = "identifiers.did"


class _ReasonedError(IdentifierError):
    """An identifier error whose ``code`` is the family's code plus one reason out of a fixed, documented set.

    The instance's ``code`` is ``f"{family}.{reason}"``; ``reasons`` lists every reason a family may give, so
    the codes are enumerable and stable (docs/identifiers.md lists them).
    """

    family = "identifiers.invalid"
    reasons: frozenset[str] = frozenset()

    def __init__(self, reason: str, message: str, *, value: str = "") -> None:
        if reason not in self.reasons:
            raise AssertionError(f"{type(self).__name__} has no reason {reason!r}")
        super().__init__(message, value=value)
        self.reason = reason
        self.code = f"{self.family}.{reason}"


class UnknownSchemeError(IdentifierError):
    """The text matches none of the identifier schemes carbontrail knows."""

    code = "identifiers.unknown_scheme"


class TextError(_ReasonedError):
    """Free text inside an identifier (a Handle suffix) breaks carbontrail's Unicode policy."""

    family = "identifiers.text"
    reasons = frozenset(
        {
            "empty",
            "encoding",
            "control",
            "whitespace",
            "format",
            "bidi",
            "not_nfc",
            "compatibility",
            "unassigned",
            "private_use",
            "combining_mark",
            "symbol",
            "script",
            "mixed_script",
            "too_long",
        }
    )


class HandleError(_ReasonedError):
    """An industrial-internet (Handle style) identifier or prefix that does not parse."""

    family = "identifiers.handle"
    reasons = frozenset(
        {
            "syntax",
            "prefix_empty",
            "prefix_segment_empty",
            "prefix_character",
            "prefix_root",
            "prefix_too_short",
            "prefix_too_long",
            "suffix_empty",
            "suffix_segment",
            "too_long",
        }
    )


class GtinError(_ReasonedError):
    """A GTIN that does not parse: wrong length, a non-digit, or a wrong check digit."""

    family = "identifiers.gtin"
    reasons = frozenset({"length", "digits", "check_digit"})


class Gs1Error(_ReasonedError):
    """A GS1 company prefix, element string or Digital Link URI that does not parse."""

    family = "identifiers.gs1"
    reasons = frozenset(
        {
            "company_prefix",
            "element_string",
            "unknown_ai",
            "ai_value",
            "duplicate_ai",
            "ai_requires",
            "ai_excludes",
            "primary_key",
            "unsupported_key",
            "qualifier_order",
            "qualifier_in_query",
            "not_data_attribute",
            "query_parameter",
            "uri",
            "percent_encoding",
        }
    )


class UsccError(_ReasonedError):
    """A Unified Social Credit Code (GB 32100-2015) that does not parse."""

    family = "identifiers.uscc"
    reasons = frozenset({"length", "character", "division", "check_character"})


class DidWebError(_ReasonedError, DidError):
    """A did:web that breaks the did:web method's syntax (domain, port or path rules); a DidError too."""

    family = "identifiers.did.web"
    reasons = frozenset({"syntax", "domain", "ip_address", "port", "path", "fragment", "too_long"})


class UrnError(_ReasonedError):
    """A URN (RFC 8141), or one of the PACT product-identifier URN forms, that does not parse."""

    family = "identifiers.urn"
    reasons = frozenset({"syntax", "character", "percent_encoding", "pact", "pathfinder", "unmappable"})


class PrefixError(_ReasonedError):
    """An identifier prefix that does not parse, or an identifier that a prefix does not cover."""

    family = "identifiers.prefix"
    reasons = frozenset({"syntax", "not_covered"})


class DidKeyError(DidError):
    """A did:key that is not one Ed25519 Multikey (``did:key:z6Mk...``) in its canonical base58btc form."""

    code = "identifiers.did.key"


class RegistryError(_ReasonedError):
    """A registry operation that is malformed or that the registry refuses, or a signer without authority.

    Codes are ``registry.<reason>``; docs/registry.md says when each is given. ``apply`` gives the
    operation-level ones (``malformed``, ``index_order``, ``not_registrar``, ``not_authorised``,
    ``org_exists``, ``unknown_org``, ``key_in_use``, ``key_not_active``, ``prefix_conflict``,
    ``prefix_not_bound``, ``did_web_in_use``, ``not_certification_body``, ``already_suspended``,
    ``not_suspended``, ``already_blacklisted``); ``authorise`` gives ``unknown_key``, ``key_revoked``,
    ``org_suspended``, ``blacklisted``, ``wrong_role`` and ``prefix_not_held``.
    """

    family = "registry"
    reasons = frozenset(
        {
            "malformed",
            "index_order",
            "not_registrar",
            "not_authorised",
            "org_exists",
            "unknown_org",
            "key_in_use",
            "key_not_active",
            "prefix_conflict",
            "prefix_not_bound",
            "did_web_in_use",
            "not_certification_body",
            "already_suspended",
            "not_suspended",
            "already_blacklisted",
            "unknown_key",
            "key_revoked",
            "org_suspended",
            "blacklisted",
            "wrong_role",
            "prefix_not_held",
        }
    )


class RegistryConflictError(RegistryError):
    """A registry entry the registry refuses because it does not fit the state: ``registry.org_exists``,
    ``unknown_org``, ``key_in_use``, ``key_not_active``, ``prefix_conflict``, ``prefix_not_bound``,
    ``did_web_in_use``, ``not_certification_body``, ``already_suspended``, ``not_suspended``,
    ``already_blacklisted`` (HTTP: 409 Conflict)."""

    reasons = frozenset(
        {
            "org_exists",
            "unknown_org",
            "key_in_use",
            "key_not_active",
            "prefix_conflict",
            "prefix_not_bound",
            "did_web_in_use",
            "not_certification_body",
            "already_suspended",
            "not_suspended",
            "already_blacklisted",
        }
    )


class AuthorityError(RegistryError):
    """A signer without authority: for a registry entry ``registry.not_registrar`` or ``not_authorised``; for
    a document ``registry.unknown_key``, ``key_revoked``, ``org_suspended``, ``blacklisted``, ``wrong_role``
    or ``prefix_not_held`` (HTTP: 403 Forbidden)."""

    reasons = frozenset(
        {
            "not_registrar",
            "not_authorised",
            "unknown_key",
            "key_revoked",
            "org_suspended",
            "blacklisted",
            "wrong_role",
            "prefix_not_held",
        }
    )
