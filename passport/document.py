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
import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import rfc8785

from passport.errors import MalformedCredentialError

DIGEST_PREFIX = "sha256:"


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise MalformedCredentialError(f"duplicate JSON object key {key!r}")
            seen.add(key)
    return result


def _no_constants(name: str) -> Any:
    raise MalformedCredentialError(f"{name} is not a JSON number")


_MAX_SAFE_INTEGER = 2**53 - 1

_PARSE = threading.local()
"""Per thread: whether the parse in progress read a number that JCS writes differently from ``json.dumps``."""


def _integer(text: str) -> int | float:
    # RFC 8785 numbers are IEEE 754 doubles, and a JCS serialiser writes large doubles in integer notation
    # (2.0**60 as "1152921504606846976"). Beyond the safe integer range, read an integer literal as the
    # nearest double, as ECMAScript's JSON.parse does, so every verifier sees the same number.
    value = int(text)
    if abs(value) <= _MAX_SAFE_INTEGER:
        return value
    _PARSE.inexact = True
    return float(text)


def _same_in_es6(value: float) -> bool:
    # Python's repr of a float and ECMAScript's Number::toString (which RFC 8785 3.2.2.3 prescribes) both
    # write the shortest digits that read back as the same double; they differ only in notation. Both write
    # fixed notation for 1e-4 <= |x| < 1e16 (ES6 for 1e-7 < |x| < 1e21, Python's repr for the narrower
    # range), and an integral float is "5.0" for Python but "5" for ES6. So a finite, non-integral float in
    # that range is written alike; any other goes to the reference serialiser.
    return 1e-4 <= abs(value) < 1e16 and not value.is_integer()


def _float(text: str) -> float:
    value = float(text)
    if not _same_in_es6(value):
        _PARSE.inexact = True
    return value


_DECODER = json.JSONDecoder(
    object_pairs_hook=_no_duplicates, parse_constant=_no_constants, parse_int=_integer, parse_float=_float
)
_NON_BMP_UTF8 = re.compile(rb"[\xf0-\xf7]")
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89abAB]")


def _parse(raw: bytes) -> tuple[Any, bool]:
    """Parse strictly (:func:`parse_json`); also say whether the value is certainly *plain*: no float that
    ES6 writes otherwise than Python, no integer beyond the safe range, no character beyond U+FFFF (so
    ``json.dumps`` writes its JCS form)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raise MalformedCredentialError("JSON text must not start with a byte-order mark")
    _PARSE.inexact = False
    try:
        value = _DECODER.decode(raw.decode("utf-8"))
    except MalformedCredentialError:
        raise
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise MalformedCredentialError(f"not valid JSON: {e}") from e
    plain = (
        not _PARSE.inexact
        and _SURROGATE_ESCAPE.search(raw) is None
        and (raw.isascii() or _NON_BMP_UTF8.search(raw) is None)
    )
    return value, plain


def parse_json(raw: bytes) -> Any:
    """Parse JSON bytes strictly (see the module docstring) and return the value.

    Raises:
        MalformedCredentialError: the bytes are not strict UTF-8 JSON.
    """
    return _parse(raw)[0]


def _plain(value: Any) -> bool:
    # True when Python's C JSON encoder writes exactly the RFC 8785 form: only floats ES6 writes alike
    # (_same_in_es6), only safe integers, and no object key with a character beyond U+FFFF (RFC 8785 sorts
    # keys by UTF-16 code units, Python by code points; the two orders agree unless such a character is
    # involved).
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return bool(-_MAX_SAFE_INTEGER <= value <= _MAX_SAFE_INTEGER)
    if kind is float:
        return _same_in_es6(value)
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

    Values whose numbers Python writes as ES6 does take a fast path through the C JSON encoder, which writes
    the same bytes (string escaping as RFC 8785 3.2.2.2, keys sorted as 3.2.3); anything else goes to the
    ``rfc8785`` reference.
    ``tests/unit/passport/test_document.py`` checks the two agree.

    Raises:
        MalformedCredentialError: the value has no JCS form (non-finite or out-of-range numbers, lone
            surrogates, non-JSON types).
    """
    return _canonical(value, _plain(value))


_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), check_circular=False)
"""``json.dumps``'s encoder for the JCS fast path, made once (it keeps no state between calls). It does not
track the containers it is in (a tenth of its time): a value that contains itself recurses until Python's
recursion limit, and that ``RecursionError`` is refused like the ``ValueError`` the tracking would raise."""


def _canonical(value: Any, plain: bool) -> bytes:
    # ``plain`` says the value needs no check (its parse saw no float ES6 writes otherwise, no large integer,
    # no character beyond U+FFFF): the C encoder writes its JCS form.
    try:
        if plain:
            return _ENCODER.encode(value).encode("utf-8")
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, UnicodeEncodeError, TypeError, ValueError, RecursionError) as e:
        raise MalformedCredentialError(f"value has no RFC 8785 canonical form: {e}") from e


def canonical_without(canonical: bytes, key: str, value: bytes) -> bytes | None:
    """The JCS form of a JSON object without its top-level member ``key``, cut out of the whole object's JCS
    form instead of serialising the rest again.

    ``canonical`` is the object's JCS form and ``value`` the JCS form of its member ``key``'s value. JCS is
    compositional: the object's form is ``{`` + its members' forms ``"key":value``, sorted, joined by ``,``
    + ``}``, so the member's bytes occur at the top level. When they occur exactly once, that occurrence is
    the top-level member, and cutting it (with one adjacent comma) leaves the JCS form of the rest. When they
    occur more than once (a nested object holds the same member), the answer is None and the caller
    serialises the rest itself.

    Raises:
        MalformedCredentialError: ``key`` has no JCS form.
    """
    member = _canonical(key, True) + b":" + value
    start = canonical.find(member)
    if start < 1 or canonical.find(member, start + 1) != -1:
        return None
    end = start + len(member)
    if canonical[start - 1] == 0x2C:  # ',' before: a member precedes it
        return canonical[: start - 1] + canonical[end:]
    if canonical[end] == 0x2C:  # the first member, others follow
        return canonical[:start] + canonical[end + 1 :]
    return canonical[:start] + canonical[end:]


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
        data, plain = _parse(bytes(raw))
        if not isinstance(data, dict):
            raise MalformedCredentialError("a credential must be a JSON object")
        canonical = _canonical(data, plain or _plain(data))
        return cls(bytes(raw), data, canonical, DIGEST_PREFIX + hashlib.sha256(canonical).hexdigest())

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> SignedDocument:
        """Wrap a document built in this process; its exact bytes are its JCS serialisation.

        Raises:
            MalformedCredentialError: the document has no JCS form.
        """
        return cls.from_bytes(canonical_json(dict(document)))

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled (a document prepared in a worker process, sent back): the bytes, their JCS form and digest;
        # the receiving side parses the bytes again only if it reads ``data``.
        return (_unpickle, (self.raw, self.canonical, self.digest))

    def parse(self) -> dict[str, Any]:
        """Return a fresh parse of the exact bytes (what verification works on)."""
        data = parse_json(self.raw)
        assert isinstance(data, dict)
        return data


class _ParsedOnRead(Mapping[str, Any]):
    """A document's parse, made from its exact bytes the first time it is read."""

    __slots__ = ("_raw", "_value")

    def __init__(self, raw: bytes) -> None:
        self._raw = raw
        self._value: dict[str, Any] | None = None

    def _parsed(self) -> dict[str, Any]:
        if self._value is None:
            value = parse_json(self._raw)
            assert isinstance(value, dict)
            self._value = value
        return self._value

    def __getitem__(self, key: str) -> Any:
        return self._parsed()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._parsed())

    def __len__(self) -> int:
        return len(self._parsed())


def _unpickle(raw: bytes, canonical: bytes, digest: str) -> SignedDocument:
    return SignedDocument(raw, _ParsedOnRead(raw), canonical, digest)
