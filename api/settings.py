"""Where carbontrail keeps its state, from the environment or flags; passed explicitly, never a global.

``CARBONTRAIL_HOME`` (default ``./var``) holds the log's private key (``log.key``), the registrar's
(``registrar.key``), the log's policy
(``policy``: C2SP tlog-policy, naming the log and the witnesses it asks to cosign) and, by default, the SQLite
database ``carbontrail.db``. ``CARBONTRAIL_DB`` or ``--db`` names another database (a path or a URL).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    """The data directory and database URL of one carbontrail installation."""

    home: Path
    db_url: str

    @classmethod
    def from_env(cls, db: str | None = None, home: str | None = None) -> Settings:
        """Settings from flags, else ``CARBONTRAIL_HOME``/``CARBONTRAIL_DB``, else ``./var``."""
        home_path = Path(home or os.environ.get("CARBONTRAIL_HOME") or "var").resolve()
        url = db or os.environ.get("CARBONTRAIL_DB") or f"sqlite:///{home_path / 'carbontrail.db'}"
        return cls(home=home_path, db_url=url)

    @property
    def log_key_path(self) -> Path:
        """The log's signer key (C2SP signed-note ``PRIVATE+KEY+...``), mode 0600."""
        return self.home / "log.key"

    @property
    def registrar_key_path(self) -> Path:
        """The registrar's signing key (a Multikey JSON file, mode 0600), made by ``carbontrail init``."""
        return self.home / "registrar.key"

    @property
    def policy_path(self) -> Path:
        """The log's own tlog-policy: its key and URL, the witnesses it asks and the quorum it needs."""
        return self.home / "policy"

    @cached_property
    def witness_timeout(self) -> float:
        """Seconds to wait for one witness's cosignature."""
        return float(os.environ.get("CARBONTRAIL_WITNESS_TIMEOUT", "10"))
