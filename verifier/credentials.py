"""Where an audit reads the credentials the log's records name: the content-addressed credential store
(DESIGN.md, "What a leaf holds"), by digest ``sha256:<hex>``.

A :class:`CredentialSource` answers, for a run of digests, the stored bytes of those it holds; a digest it
does not hold is simply absent from the answer (the audit reports ``audit.credential_missing``). Nothing here
checks what it reads: the audit hashes every body against its digest.

* :class:`DirectoryCredentials`: files named by the digest's hex (``<dir>/<hex>``, or ``<dir>/sha256:<hex>``);
* :class:`HttpCredentials`: ``GET <base>/credentials/sha256:<hex>``, the API's store
  (``api/routes/credentials.py``), or any static copy of it;
* the database's store is ``api.auditsource.StoreCredentials`` (``verifier/`` imports no SQLAlchemy).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import httpx

from verifier.errors import AuditSourceError

__all__ = [
    "CredentialSource",
    "DirectoryCredentials",
    "HttpCredentials",
    "credentials_base",
    "open_credentials",
]

DEFAULT_TIMEOUT = 30.0
"""Seconds an HTTP read may take."""

DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
"""A credential digest, as a leaf record names it."""


class CredentialSource(Protocol):
    """The stored credentials, by digest."""

    def credentials(self, digests: Sequence[str]) -> dict[str, bytes]:
        """The exact stored bytes of each of ``digests`` that is held (others are left out).

        Raises:
            AuditSourceError: the store failed otherwise than by not holding a credential.
        """
        ...


class DirectoryCredentials:
    """Credentials as files in ``root``, each named by its digest's hex (or the whole digest)."""

    def __init__(self, root: Path) -> None:
        """Read credentials under ``root``."""
        self.root = root

    def _one(self, digest: str) -> bytes | None:
        if DIGEST.fullmatch(digest) is None:
            return None
        for name in (digest.removeprefix("sha256:"), digest):
            try:
                return (self.root / name).read_bytes()
            except FileNotFoundError:
                continue
            except OSError as e:
                raise AuditSourceError(f"cannot read {self.root / name}: {e.strerror}") from e
        return None

    def credentials(self, digests: Sequence[str]) -> dict[str, bytes]:
        """The files of ``digests`` that exist.

        Raises:
            AuditSourceError: a file exists but cannot be read.
        """
        found = {}
        for digest in digests:
            body = self._one(digest)
            if body is not None:
                found[digest] = body
        return found


class HttpCredentials:
    """Credentials served under ``base_url`` at ``/credentials/sha256:<hex>``."""

    def __init__(self, base_url: str, client: httpx.Client | None = None) -> None:
        """Read credentials from ``base_url`` (the server's root, without ``/credentials``)."""
        self.base_url = base_url.rstrip("/")
        self.client = client if client is not None else httpx.Client(timeout=DEFAULT_TIMEOUT)

    def credentials(self, digests: Sequence[str]) -> dict[str, bytes]:
        """``GET <base>/credentials/<digest>`` for each digest; a 404 leaves it out.

        Raises:
            AuditSourceError: a request fails, or answers neither 200 nor 404.
        """
        found = {}
        for digest in digests:
            if DIGEST.fullmatch(digest) is None:
                continue
            url = f"{self.base_url}/credentials/{digest}"
            try:
                response = self.client.get(url)
            except httpx.HTTPError as e:
                raise AuditSourceError(f"GET {url}: {e}") from e
            if response.status_code == 404:
                continue
            if response.status_code != 200:
                raise AuditSourceError(f"GET {url}: HTTP {response.status_code}")
            found[digest] = response.content
        return found

    def close(self) -> None:
        """Close the HTTP client."""
        self.client.close()


def credentials_base(tiles_url: str) -> str:
    """The server root of a tlog-tiles URL the API serves (``https://host/log`` -> ``https://host``): where
    its credential store is, by default."""
    base = tiles_url.rstrip("/")
    return base.removesuffix("/log")


def open_credentials(location: str) -> DirectoryCredentials | HttpCredentials:
    """An HTTP store for an ``http://`` or ``https://`` URL (the server's root), a directory for anything
    else."""
    if location.startswith(("http://", "https://")):
        return HttpCredentials(location)
    return DirectoryCredentials(Path(location))
