"""Our tile writer reproduces the Tessera log in tests/vectors/tessera-log byte for byte from its entries."""

from __future__ import annotations

from pathlib import Path

from ledger import bundle
from ledger.checkpoint import Checkpoint, parse_checkpoint, sign_checkpoint
from ledger.note import parse_note
from ledger.storage.export import export_log
from ledger.storage.sequencer import Sequencer
from ledger.storage.store import LogStore

TESSERA = Path(__file__).resolve().parents[2] / "vectors" / "tessera-log" / "log"


def test_tiles_and_bundles_match_tessera(db_url: str, tmp_path: Path) -> None:
    final = parse_checkpoint(parse_note((TESSERA / "checkpoint").read_bytes()).text)
    entries = bundle.decode_bundle((TESSERA / "tile/entries/000.p" / str(final.size)).read_bytes())
    store = LogStore.create(db_url, final.origin)

    def unsigned(size: int, root: bytes) -> bytes:
        # Tessera's private key is not published: sign with a throwaway key and compare roots and tiles only.
        from ledger.note import Ed25519Signer

        signer = Ed25519Signer(final.origin, b"\x01" * 32)
        return sign_checkpoint(Checkpoint(final.origin, size, root), [signer]).to_bytes()

    seq = Sequencer(store, unsigned)
    out = tmp_path / "export"
    for n, entry in enumerate(entries, start=1):
        assert seq.append([entry])[0].index == n - 1
        export_log(store, out)
        for sub in ("tile/0/000.p", "tile/entries/000.p"):
            assert (out / sub / str(n)).read_bytes() == (TESSERA / sub / str(n)).read_bytes(), f"{sub}/{n}"
        want = parse_checkpoint(parse_note((TESSERA / f"checkpoint.{n}").read_bytes()).text)
        assert store.root(n) == want.root
