"""A signed JSON document kept as the exact bytes it arrived as, next to its parsed form and its digest.

A signature covers what the signer signed, not what a parser or serialiser makes of it later, so verification
always parses the stored bytes afresh (never a re-serialised model), and unknown fields survive untouched. The
document's identity in the log and the content-addressed store is ``sha256:<hex>`` of its RFC 8785 (JCS)
form, so two byte-wise different spellings of the same JSON (key order, whitespace, escapes) share one digest.

Parsing is strict where JSON (RFC 8259) leaves room for disagreement between parsers: duplicate object keys,
``NaN``/``Infinity``, a byte-order mark, invalid UTF-8 and numbers RFC 8785 cannot represent (integers
beyond IEEE 754 double precision) are refused.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import rfc8785

from passport.errors import MalformedCredentialError

DIGEST_PREFIX = "sha256:"


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise MalformedCredentialError(f"duplicate JSON object key {key!r}")
        result[key] = value
    return result


def _no_constants(name: str) -> Any:
    raise MalformedCredentialError(f"{name} is not a JSON number")


_MAX_SAFE_INTEGER = 2**53 - 1


def _integer(text: str) -> int | float:
    # RFC 8785 numbers are IEEE 754 doubles, and a JCS serialiser writes large doubles in integer notation
    # (2.0**60 as "1152921504606846976"). Beyond the safe integer range, read an integer literal as the
    # nearest double, as ECMAScript's JSON.parse does, so every verifier sees the same number.
    value = int(text)
    return value if abs(value) <= _MAX_SAFE_INTEGER else float(text)


def parse_json(raw: bytes) -> Any:
    """Parse JSON bytes strictly (see the module docstring) and return the value.

    Raises:
        MalformedCredentialError: the bytes are not strict UTF-8 JSON.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        raise MalformedCredentialError("JSON text must not start with a byte-order mark")
    try:
        text = raw.decode("utf-8")
        return json.loads(
            text, object_pairs_hook=_no_duplicates, parse_constant=_no_constants, parse_int=_integer
        )
    except MalformedCredentialError:
        raise
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise MalformedCredentialError(f"not valid JSON: {e}") from e


def _plain(value: Any) -> bool:
    # True when Python's C JSON encoder writes exactly the RFC 8785 form: no floats (ES6 number formatting
    # differs), only safe integers, and no object key with a character beyond U+FFFF (RFC 8785 sorts keys by
    # UTF-16 code units, Python by code points; the two orders agree unless such a character is involved).
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return bool(-_MAX_SAFE_INTEGER <= value <= _MAX_SAFE_INTEGER)
    if kind is dict:
        return all(
            type(k) is str and (k.isascii() or max(map(ord, k)) <= 0xFFFF) and _plain(v)
            for k, v in value.items()
        )
    if kind is list:
        return all(_plain(v) for v in value)
    return False


def canonical_json(value: Any) -> bytes:
    """Return the RFC 8785 JSON Canonicalization Scheme serialisation of a JSON value.

    Values without floats take a fast path through the C JSON encoder, which writes the same bytes (string
    escaping as RFC 8785 3.2.2.2, keys sorted as 3.2.3); anything else goes to the ``rfc8785`` reference.
    ``tests/unit/passport/test_document.py`` checks the two agree.

    Raises:
        MalformedCredentialError: the value has no JCS form (non-finite or out-of-range numbers, lone
            surrogates, non-JSON types).
    """
    try:
        if _plain(value):
            return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode(
                "utf-8"
            )
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, UnicodeEncodeError, TypeError, ValueError, RecursionError) as e:
        raise MalformedCredentialError(f"value has no RFC 8785 canonical form: {e}") from e


def jcs_digest(value: Any) -> str:
    """Return ``sha256:<hex>`` of the JCS form of a JSON value.

    Raises:
        MalformedCredentialError: the value has no JCS form.
    """
    return DIGEST_PREFIX + hashlib.sha256(canonical_json(value)).hexdigest()


@dataclass(frozen=True)
class SignedDocument:
    """A JSON-LD document as received: its exact bytes, its parsed JSON object, its JCS form and digest.

    Build one with :meth:`from_bytes` (received bytes) or :meth:`from_json` (a document this process made,
    whose bytes are then its JCS form). ``data`` is for reading; verification re-parses ``raw``.
    """

    raw: bytes
    data: Mapping[str, Any] = field(compare=False, repr=False)
    canonical: bytes = field(compare=False, repr=False)
    digest: str = field(compare=False)

    @classmethod
    def from_bytes(cls, raw: bytes) -> SignedDocument:
        """Parse received bytes, keeping them exactly.

        Raises:
            MalformedCredentialError: the bytes are not strict JSON, not a JSON object, or have no JCS form.
        """
        data = parse_json(bytes(raw))
        if not isinstance(data, dict):
            raise MalformedCredentialError("a credential must be a JSON object")
        canonical = canonical_json(data)
        return cls(bytes(raw), data, canonical, DIGEST_PREFIX + hashlib.sha256(canonical).hexdigest())

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> SignedDocument:
        """Wrap a document built in this process; its exact bytes are its JCS serialisation.

        Raises:
            MalformedCredentialError: the document has no JCS form.
        """
        return cls.from_bytes(canonical_json(dict(document)))

    def parse(self) -> dict[str, Any]:
        """Return a fresh parse of the exact bytes (what verification works on)."""
        data = parse_json(self.raw)
        assert isinstance(data, dict)
        return data
