"""Shared by the leaf-hash index tests (test_dedupe.py, test_dedupe_filter.py): a log with a signing
sequencer, a second sequencer on the same database as another process has, and merges made small."""

from __future__ import annotations

import pytest

from ledger import checkpoint as cp
from ledger import keys
from ledger.note import Verifier
from ledger.storage import dedupe
from ledger.storage.sequencer import Sequencer
from ledger.storage.store import LogStore

ORIGIN = "example.test/dedupe"


@pytest.fixture(autouse=True)
def small_merges(monkeypatch: pytest.MonkeyPatch) -> None:
    """Merge after 8 tail entries, and never let the tail pass 24, so a few hundred entries merge often."""
    monkeypatch.setattr(dedupe, "MERGE_MIN", 8)
    monkeypatch.setattr(dedupe, "MERGE_MAX", 24)


def make_log(url: str) -> tuple[LogStore, Sequencer, Verifier]:
    skey, vkey = keys.generate_log_key(ORIGIN)
    signer = keys.load_signer(skey)
    store = LogStore.create(url, ORIGIN)

    def sign(size: int, root: bytes) -> bytes:
        return cp.sign_checkpoint(cp.Checkpoint(ORIGIN, size, root), [signer]).to_bytes()

    return store, Sequencer(store, sign), keys.load_verifier(vkey)


def other_sequencer(store: LogStore, seq: Sequencer) -> Sequencer:
    """A sequencer with its own engine and caches on the same database, as another process has."""
    return Sequencer(LogStore.open(store.engine.url.render_as_string(hide_password=False)), seq.sign)
