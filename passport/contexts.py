"""The JSON-LD context allow-list: which context URLs a credential may name, and which we may load.

JSON-LD 1.1 (section 3.1, "The Context") lets a document name its contexts by URL; a processor that fetched
them would let whoever serves those URLs change what a signed document means (the Data Integrity 1.0
security considerations call this "context injection"). carbontrail never fetches a context. Each allowed
URL is one of two kinds:

* **loaded**: the context is shipped in the ``contexts`` package (or in an operator-installed directory that
  overrides a shipped file) and its bytes must hash to the SHA-256 pinned here before anyone parses it;
* **named only**: the URL may appear in an ``eddsa-jcs-2022`` document, whose proof signs the JSON itself and
  never loads a context (the UNTP DPP context: GPL-3.0, so not shipped). ``eddsa-rdfc-2022`` needs every
  context loaded, so such a document is refused there.

Any other URL is refused with :class:`~passport.errors.ContextNotAllowedError`. ``contexts/README.md`` records
each file's source, provenance, licence and digest.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib.resources
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from passport.errors import ContextDigestError, ContextNotAllowedError

CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
"""The VC 2.0 base context; a verifiable credential's first ``@context`` value."""

CREDENTIALS_EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
CARBONTRAIL_V1 = "https://carbontrail.dev/ns/v1"
"""carbontrail's own vocabulary context; its terms expand to ``https://carbontrail.dev/ns/v1#<term>``."""

UNTP_DPP_0_6_1 = "https://test.uncefact.org/vocabulary/untp/dpp/0.6.1/"
"""The UN Transparency Protocol Digital Product Passport context (0.6.1): named only, never loaded."""


@dataclass(frozen=True)
class ContextEntry:
    """One allow-listed context URL.

    ``filename`` and ``sha256`` (lowercase hex) are both set for a context we load and both ``None`` for one
    that may only be named.
    """

    url: str
    filename: str | None
    sha256: str | None

    @property
    def loadable(self) -> bool:
        """Whether this context can be loaded (it is shipped and pinned)."""
        return self.filename is not None


ALLOW_LIST: Mapping[str, ContextEntry] = {
    e.url: e
    for e in (
        ContextEntry(
            CREDENTIALS_V2,
            "credentials-v2.jsonld",
            "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734",
        ),
        ContextEntry(
            CREDENTIALS_EXAMPLES_V2,
            "credentials-examples-v2.jsonld",
            "57393fbc69d6efb9b9b5dc9cb6b9880b0944360abfe2eaf459c9e58cf2279d7c",
        ),
        ContextEntry(
            MULTIKEY_V1,
            "multikey-v1.jsonld",
            "058d7290a16a3e3de90877f5e5237b7f1d7c6dc81cc16e483e13c1c99fc4cbce",
        ),
        ContextEntry(
            CARBONTRAIL_V1,
            "carbontrail-v1.jsonld",
            "37e75c7cf7d07d7a0667c8a53046d7f5ab77e2c74aade4d59ac697bc567a24ab",
        ),
        ContextEntry(UNTP_DPP_0_6_1, None, None),
    )
}
"""Every context URL a document may name, keyed by URL (compared exactly: no normalisation)."""


def _walk_context_urls(value: Any, *, in_context: bool) -> Iterator[str]:
    # Inside a context definition, strings under "@context" (scoped contexts) and "@import" are URLs too.
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "@context":
                yield from _walk_context_value(item)
            elif key == "@import" and in_context and isinstance(item, str):
                yield item
            else:
                yield from _walk_context_urls(item, in_context=in_context)
    elif isinstance(value, list):
        for item in value:
            yield from _walk_context_urls(item, in_context=in_context)


def _walk_context_value(value: Any) -> Iterator[str]:
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str):
            yield item
        else:
            yield from _walk_context_urls(item, in_context=True)


def context_urls(document: Any) -> list[str]:
    """Return every context URL a JSON document names, in document order, duplicates kept.

    This looks at every ``@context`` anywhere in the document (JSON-LD allows embedded contexts on any node
    object, and scoped contexts inside term definitions) and at ``@import`` inside context definitions.
    """
    return list(_walk_context_urls(document, in_context=False))


def check_context_urls(document: Any, *, require_loadable: bool) -> None:
    """Check that every context URL a document names is on the allow-list.

    Args:
        document: the parsed JSON document (including its proof, whose ``@context`` is checked too).
        require_loadable: True when the document will be processed as JSON-LD (``eddsa-rdfc-2022``), so
            every context must be loadable; named-only contexts are then refused.

    Raises:
        ContextNotAllowedError: a URL that is not on the allow-list, or a named-only one when
            ``require_loadable`` is set.
    """
    for url in context_urls(document):
        entry = ALLOW_LIST.get(url)
        if entry is None:
            raise ContextNotAllowedError(f"context {url!r} is not on the allow-list", url=url)
        if require_loadable and not entry.loadable:
            raise ContextNotAllowedError(
                f"context {url!r} may only be named in eddsa-jcs-2022 documents: it is never loaded", url=url
            )


@dataclass(frozen=True)
class ContextStore:
    """The context files behind the loadable allow-list entries, each checked against its pinned digest.

    ``directory`` is an optional operator-installed directory; a file there overrides the shipped file of
    the same name, and is held to the same digest. Verified bytes are cached per store.
    """

    directory: Path | None = None
    _verified: dict[str, bytes] = field(default_factory=dict, compare=False, repr=False)

    def _read(self, entry: ContextEntry) -> bytes:
        assert entry.filename is not None
        if self.directory is not None:
            candidate = self.directory / entry.filename
            if candidate.is_file():
                return candidate.read_bytes()
        return importlib.resources.files("contexts").joinpath(entry.filename).read_bytes()

    def read(self, url: str) -> bytes:
        """Return the bytes of an allow-listed, loadable context after checking them against their digest.

        Raises:
            ContextNotAllowedError: the URL is not on the allow-list, or may only be named.
            ContextDigestError: the file's SHA-256 differs from the pinned digest, or it cannot be read.
        """
        cached = self._verified.get(url)
        if cached is not None:
            return cached
        entry = ALLOW_LIST.get(url)
        if entry is None:
            raise ContextNotAllowedError(f"context {url!r} is not on the allow-list", url=url)
        if entry.filename is None or entry.sha256 is None:
            raise ContextNotAllowedError(f"context {url!r} may only be named, never loaded", url=url)
        try:
            data = self._read(entry)
        except OSError as e:
            raise ContextDigestError(
                f"context file {entry.filename} for {url!r} cannot be read: {e}",
                url=url,
                expected=entry.sha256,
                computed="",
            ) from e
        computed = hashlib.sha256(data).hexdigest()
        if not hmac.compare_digest(computed, entry.sha256):
            raise ContextDigestError(
                f"context file {entry.filename} for {url!r} does not match its pinned SHA-256",
                url=url,
                expected=entry.sha256,
                computed=computed,
            )
        self._verified[url] = data
        return data

    def verify_all(self) -> None:
        """Check every loadable context file against its digest (for start-up and ``carbontrail init``).

        Raises:
            ContextDigestError: the first file whose bytes do not match.
        """
        for url, entry in ALLOW_LIST.items():
            if entry.loadable:
                self.read(url)


DEFAULT_STORE = ContextStore()
"""The store over the shipped context files only."""
