"""Industrial-internet identifiers in the Handle style: ``88.<industry>.<enterprise>[.<more>]/<suffix>``.

The Handle System's syntax (RFC 3650 section 3, RFC 3651 section 2.1) splits a handle at its first ``/`` into
a naming-authority prefix and a local-name suffix; prefix segments are separated by ``.``, and ``88`` is the
prefix the Global Handle Registry delegated to China's industrial-internet identifier resolution system, under
which an industry code and an enterprise code follow (``88.118.8``). RFC 3650 makes the prefix
case-insensitive ASCII and the suffix case-sensitive UTF-8. carbontrail's decisions on top of that:

* the prefix is ``88`` and at least two more segments, each 1-32 ASCII letters or digits; canonical form is
  lower case; it is at most 128 bytes;
* the suffix follows carbontrail's Unicode policy (identifiers/unicode_text.py: NFC, no controls, bidi or
  invisible characters, no lookalikes or script mixing); it may hold ``/`` (RFC 3650 allows it) but no empty,
  ``.`` or ``..`` segment and no leading or trailing ``/``, because resolver URLs carry the identifier as a
  path and URL normalisation would rewrite such segments;
* the whole handle is at most 255 UTF-8 bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

from identifiers.errors import HandleError, TextError
from identifiers.scheme import Identifier
from identifiers.unicode_text import verify_text

ROOT = "88"
"""The Handle prefix of China's industrial-internet identifier system."""

MAX_HANDLE_BYTES = 255
MAX_PREFIX_BYTES = 128
MAX_SEGMENT_CHARS = 32


def _parse_prefix(text: str, value: str) -> tuple[str, ...]:
    if not text:
        raise HandleError("prefix_empty", "the prefix (before '/') is empty", value=value)
    if len(text) > MAX_PREFIX_BYTES:
        raise HandleError(
            "prefix_too_long", f"the prefix is longer than {MAX_PREFIX_BYTES} bytes", value=value
        )
    segments = tuple(text.split("."))
    for segment in segments:
        if not segment:
            raise HandleError("prefix_segment_empty", "the prefix has an empty segment", value=value)
        if not (segment.isascii() and segment.isalnum()):
            raise HandleError(
                "prefix_character", "prefix segments are ASCII letters and digits only", value=value
            )
        if len(segment) > MAX_SEGMENT_CHARS:
            raise HandleError(
                "prefix_too_long",
                f"a prefix segment is longer than {MAX_SEGMENT_CHARS} characters",
                value=value,
            )
    lowered = tuple(s.lower() for s in segments)
    if lowered[0] != ROOT:
        raise HandleError("prefix_root", f"an industrial-internet prefix starts with {ROOT!r}", value=value)
    if len(lowered) < 3:
        raise HandleError(
            "prefix_too_short", "the prefix needs an industry and an enterprise code after '88'", value=value
        )
    return lowered


@dataclass(frozen=True)
class HandlePrefix(Identifier):
    """An industrial-internet enterprise prefix such as ``88.118.8`` (segments in lower case)."""

    segments: tuple[str, ...]
    scheme = "handle-prefix"

    @property
    def canonical(self) -> str:
        """The prefix, segments joined by ``.``."""
        return ".".join(self.segments)

    def covers_prefix(self, other: HandlePrefix) -> bool:
        """Return whether ``other`` is this prefix or one derived from it (``88.118.8`` -> ``88.118.8.5``).

        Comparison is segment by segment, so ``88.118.8`` does not cover ``88.118.80``.
        """
        return other.segments[: len(self.segments)] == self.segments


@dataclass(frozen=True)
class Handle(Identifier):
    """An industrial-internet identifier ``<prefix>/<suffix>``."""

    prefix: HandlePrefix
    suffix: str
    scheme = "handle"

    @property
    def canonical(self) -> str:
        """``<lower-case prefix>/<suffix>``."""
        return f"{self.prefix.canonical}/{self.suffix}"


def parse_handle_prefix(text: str) -> HandlePrefix:
    """Parse an industrial-internet prefix such as ``88.118.8`` (case-insensitive).

    Raises:
        HandleError: an empty, non-ASCII or over-long segment, a prefix not under ``88``, or fewer than three
            segments.
    """
    return HandlePrefix(_parse_prefix(text, text))


def parse_handle(text: str) -> Handle:
    """Parse ``88.<industry>.<enterprise>[.<more>]/<suffix>``.

    Raises:
        HandleError: no ``/``, a bad prefix (see ``parse_handle_prefix``), an empty suffix or suffix
            segment, or more than 255 UTF-8 bytes in all.
        TextError: the suffix breaks the Unicode policy (identifiers/unicode_text.py).
    """
    prefix_text, slash, suffix = text.partition("/")
    if not slash:
        raise HandleError("syntax", "an industrial-internet identifier is '<prefix>/<suffix>'", value=text)
    prefix = HandlePrefix(_parse_prefix(prefix_text, text))
    if not suffix:
        raise HandleError("suffix_empty", "the suffix (after '/') is empty", value=text)
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError as e:
        raise TextError("encoding", "the suffix is not valid UTF-8 text", value=text) from e
    if size > MAX_HANDLE_BYTES:
        raise HandleError(
            "too_long", f"the identifier is {size} bytes, more than {MAX_HANDLE_BYTES}", value=text
        )
    for segment in suffix.split("/"):
        if segment in ("", ".", ".."):
            raise HandleError(
                "suffix_segment", "the suffix has an empty, '.' or '..' segment between slashes", value=text
            )
    verify_text(suffix, max_bytes=MAX_HANDLE_BYTES, what="suffix")
    return Handle(prefix, suffix)
