"""verifier.audit: a clean log audits clean; each kind of damage is caught with its code and index."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from ledger.bundle import encode_bundle
from ledger.notekeys import Ed25519Signer
from ledger.tiles import TileKey, entries_path, tile_path
from tests.unit.verifier.logfiles import ORIGIN, POLICY, entries, write_log
from verifier.audit import AuditProblem, AuditReport, audit_log
from verifier.auditstate import AuditState
from verifier.errors import AuditError, AuditRootError
from verifier.source import DirectorySource, HttpSource


def audit(root: Path, state: AuditState | None = None, **kw: object) -> AuditReport:
    return audit_log(DirectorySource(root), POLICY, state=state, **kw)  # type: ignore[arg-type]  # kwargs


def codes(report: AuditReport) -> list[tuple[str, int | None]]:
    return [(p.code, p.index) for p in report.problems]


@pytest.mark.parametrize("n", [1, 255, 256, 1000])
def test_clean_log_audits_clean(tmp_path: Path, n: int) -> None:
    write_log(tmp_path, entries(n))
    report = audit(tmp_path)
    assert report.problems == ()
    assert (report.origin, report.size, report.entries, report.resumed_from) == (ORIGIN, n, n, 0)
    assert report.state is not None
    assert report.state.size == n
    report.raise_first()


def test_resume_after_appends_reads_only_new_entries(tmp_path: Path) -> None:
    write_log(tmp_path, entries(700))
    first = audit(tmp_path)
    assert first.state is not None
    write_log(tmp_path, entries(1300))
    seen: list[int] = []

    def checker(index: int, entry: bytes) -> Sequence[AuditProblem]:
        seen.append(index)
        return [AuditProblem("record.test", index, "odd")] if index == 1000 else []

    second = audit(tmp_path, first.state, record_checker=checker)
    assert codes(second) == [("record.test", 1000)]
    assert (second.resumed_from, second.entries, second.size) == (700, 600, 1300)
    assert seen == list(range(700, 1300))
    # A record's problem is not the tree's: the state still moves on.
    assert second.state is not None
    assert second.state.size == 1300
    third = audit(tmp_path, second.state)
    assert (third.problems, third.entries) == ((), 0)


def test_changed_entry(tmp_path: Path) -> None:
    items = entries(700)
    write_log(tmp_path, items)
    items[300] = b"entry 30X"
    (tmp_path / entries_path(1, 256)).write_bytes(encode_bundle(items[256:512]))
    report = audit(tmp_path)
    assert codes(report) == [("audit.root", None), ("audit.entry", 300)]
    assert report.state is None
    with pytest.raises(AuditError) as e:
        report.raise_first()
    assert e.value.code == "audit.root"
    assert isinstance(e.value, AuditRootError)


def test_changed_tile(tmp_path: Path) -> None:
    write_log(tmp_path, entries(700))
    path = tmp_path / tile_path(TileKey(0, 1, 256))
    data = bytearray(path.read_bytes())
    data[32 * 5 + 7] ^= 1
    path.write_bytes(bytes(data))
    assert codes(audit(tmp_path)) == [("audit.tile", 261)]


def test_changed_partial_tile_above_level_0(tmp_path: Path) -> None:
    write_log(tmp_path, entries(700))
    path = tmp_path / tile_path(TileKey(1, 0, 2))
    path.write_bytes(path.read_bytes()[:32] + bytes(32))
    assert codes(audit(tmp_path)) == [("audit.tile", 256)]


def test_dropped_bundle(tmp_path: Path) -> None:
    write_log(tmp_path, entries(700))
    (tmp_path / entries_path(1, 256)).unlink()
    report = audit(tmp_path)
    assert codes(report) == [("audit.missing", 256)]
    assert report.state is None


def test_truncated_bundle(tmp_path: Path) -> None:
    write_log(tmp_path, entries(700))
    path = tmp_path / entries_path(2, 188)
    path.write_bytes(path.read_bytes()[:-1])
    assert codes(audit(tmp_path)) == [("audit.malformed", 512)]


def test_checkpoint_of_another_key(tmp_path: Path) -> None:
    write_log(tmp_path, entries(10), Ed25519Signer(ORIGIN, bytes(32)))
    assert codes(audit(tmp_path)) == [("audit.checkpoint", None)]


@pytest.mark.parametrize(("changed", "index"), [(600, 600), (300, 256), (699, 699)])
def test_fork_is_caught_at_the_damage(tmp_path: Path, changed: int, index: int) -> None:
    honest, forked = tmp_path / "a", tmp_path / "b"
    items = entries(1000)
    write_log(honest, items[:700])
    state = audit(honest).state
    assert state is not None
    items[changed] = b"another history"
    write_log(forked, items)
    # A fresh audit of the fork finds nothing: only the state remembers the other history.
    assert audit(forked).problems == ()
    report = audit(forked, state)
    assert codes(report) == [("audit.fork", index)]
    assert report.state is None


def test_fork_at_the_same_size_and_a_shrinking_log(tmp_path: Path) -> None:
    honest, forked = tmp_path / "a", tmp_path / "b"
    write_log(honest, entries(700))
    state = audit(honest).state
    assert state is not None
    write_log(forked, entries(700, "!"))
    assert codes(audit(forked, state)) == [("audit.fork", 0)]
    write_log(forked, entries(500))
    assert codes(audit(forked, state)) == [("audit.fork", 500)]


def test_state_of_another_log(tmp_path: Path) -> None:
    write_log(tmp_path, entries(10))
    state = audit(tmp_path).state
    assert state is not None
    other = AuditState("other/log", state.size, state.root, state.checkpoint, state.partial)
    assert codes(audit(tmp_path, other)) == [("audit.state", None)]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    handler = functools.partial(QuietHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # the base class names it format
        pass


def test_over_http(tmp_path: Path, served: str) -> None:
    write_log(tmp_path, entries(600))
    source = HttpSource(served)
    try:
        report = audit_log(source, POLICY)
        assert (report.problems, report.entries) == ((), 600)
        (tmp_path / entries_path(0, 256)).unlink()
        assert codes(audit_log(source, POLICY)) == [("audit.missing", 0)]
    finally:
        source.close()


def test_full_tile_above_level_0_and_resume_across_it(tmp_path: Path) -> None:
    # 65,536 entries complete tile 1/0; the audit compares it and resumes across it.
    items = entries(65_600)
    write_log(tmp_path, items[:65_000])
    first = audit(tmp_path)
    assert first.problems == ()
    write_log(tmp_path, items)
    second = audit(tmp_path, first.state)
    assert (second.problems, second.entries) == ((), 600)
    path = tmp_path / tile_path(TileKey(1, 0, 256))
    data = path.read_bytes()
    path.write_bytes(data[:-32] + bytes(32))
    assert codes(audit(tmp_path, first.state)) == [("audit.tile", 255 * 256)]
