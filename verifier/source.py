"""Where an audit reads a log from: C2SP tlog-tiles ("Merkle Tree", "Log entries", "Checkpoints") paths.

A :class:`TileSource` answers three questions: the latest checkpoint, a hash tile at the width the audited
tree gives it, and an entry bundle. :class:`DirectorySource` reads a tree written by ``carbontrail log
export`` (or any static copy of a tlog-tiles log); :class:`HttpSource` reads one served over HTTP (a static
server, a CDN, ``carbontrail serve`` at ``<host>/log``). Both read exactly the spec's paths
(``ledger.tiles.tile_path``, ``entries_path``), so any tlog-tiles log can be audited.

A source that does not have something raises :class:`verifier.errors.AuditMissingError`; one that fails
otherwise raises :class:`verifier.errors.AuditSourceError`. Nothing here trusts what it reads: the audit does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import httpx

from ledger.tiles import TileKey, entries_path, tile_path
from verifier.errors import AuditMissingError, AuditSourceError

__all__ = ["DirectorySource", "HttpSource", "TileSource", "open_source"]

DEFAULT_TIMEOUT = 30.0
"""Seconds an HTTP read may take."""


class TileSource(Protocol):
    """A log's checkpoint, hash tiles and entry bundles, as tlog-tiles serves them."""

    def checkpoint(self) -> bytes:
        """The latest checkpoint note, exactly as served."""
        ...

    def tile(self, key: TileKey) -> bytes:
        """The bytes of hash tile ``key`` (``tile/<L>/<N>[.p/<W>]``)."""
        ...

    def bundle(self, index: int, width: int) -> bytes:
        """The bytes of entry bundle ``index`` at ``width`` (``tile/entries/<N>[.p/<W>]``)."""
        ...


class DirectorySource:
    """A log exported as static files under ``root`` (``checkpoint``, ``tile/...``)."""

    def __init__(self, root: Path) -> None:
        """Read the log under ``root``."""
        self.root = root

    def _read(self, relative: str) -> bytes:
        try:
            return (self.root / relative).read_bytes()
        except FileNotFoundError as e:
            raise AuditMissingError(f"{relative} is not in {self.root}") from e
        except OSError as e:
            raise AuditSourceError(f"cannot read {self.root / relative}: {e.strerror}") from e

    def checkpoint(self) -> bytes:
        """The file ``checkpoint``.

        Raises:
            AuditMissingError: there is no such file.
            AuditSourceError: it cannot be read.
        """
        return self._read("checkpoint")

    def tile(self, key: TileKey) -> bytes:
        """The file of hash tile ``key``.

        Raises:
            AuditMissingError: there is no such file.
            AuditSourceError: it cannot be read.
        """
        return self._read(tile_path(key))

    def bundle(self, index: int, width: int) -> bytes:
        """The file of entry bundle ``index`` at ``width``.

        Raises:
            AuditMissingError: there is no such file.
            AuditSourceError: it cannot be read.
        """
        return self._read(entries_path(index, width))


class HttpSource:
    """A log served over HTTP under ``base_url`` (``<base_url>/checkpoint``, ``<base_url>/tile/...``)."""

    def __init__(self, base_url: str, client: httpx.Client | None = None) -> None:
        """Read the log under ``base_url``; ``client`` is made (with a timeout) when not given."""
        self.base_url = base_url.rstrip("/")
        self.client = client if client is not None else httpx.Client(timeout=DEFAULT_TIMEOUT)

    def _get(self, relative: str) -> bytes:
        url = f"{self.base_url}/{relative}"
        try:
            response = self.client.get(url)
        except httpx.HTTPError as e:
            raise AuditSourceError(f"GET {url}: {e}") from e
        if response.status_code == 404:
            raise AuditMissingError(f"GET {url}: 404")
        if response.status_code != 200:
            raise AuditSourceError(f"GET {url}: HTTP {response.status_code}")
        return response.content

    def checkpoint(self) -> bytes:
        """``GET <base>/checkpoint``.

        Raises:
            AuditMissingError: the server answers 404.
            AuditSourceError: the request fails or the status is neither 200 nor 404.
        """
        return self._get("checkpoint")

    def tile(self, key: TileKey) -> bytes:
        """``GET <base>/tile/<L>/<N>[.p/<W>]``.

        Raises:
            AuditMissingError: the server answers 404.
            AuditSourceError: the request fails or the status is neither 200 nor 404.
        """
        return self._get(tile_path(key))

    def bundle(self, index: int, width: int) -> bytes:
        """``GET <base>/tile/entries/<N>[.p/<W>]``.

        Raises:
            AuditMissingError: the server answers 404.
            AuditSourceError: the request fails or the status is neither 200 nor 404.
        """
        return self._get(entries_path(index, width))

    def close(self) -> None:
        """Close the HTTP client."""
        self.client.close()


def open_source(location: str) -> DirectorySource | HttpSource:
    """An HTTP source for an ``http://`` or ``https://`` URL, a directory source for anything else."""
    if location.startswith(("http://", "https://")):
        return HttpSource(location)
    return DirectorySource(Path(location))
