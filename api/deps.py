"""FastAPI dependencies: settings through a cached function that tests override, and the log store."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from fastapi import Depends, Request

from api.settings import Settings
from ledger.storage.store import LogStore


@lru_cache(maxsize=1)
def default_settings() -> Settings:
    """Settings from the environment (``CARBONTRAIL_HOME``, ``CARBONTRAIL_DB``)."""
    return Settings.from_env()


def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


def get_store(request: Request) -> LogStore:
    """The log store, opened once per app."""
    store: LogStore = request.app.state.store
    return store


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[LogStore, Depends(get_store)]
