"""C2SP tlog-tiles entry bundles: round trips, strict decoding, and Tessera's bundles byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.bundle import MAX_ENTRY_SIZE, decode_bundle, decode_bundle_prefix, encode_bundle
from ledger.errors import EntryTooLargeError, TileError
from ledger.hashing import leaf_hash
from ledger.tiles import TileKey, entries_path, tile_path

TESSERA = Path(__file__).resolve().parents[2] / "vectors" / "tessera-log" / "log"
# The fixture's entries, spelled as Tessera's testdata spells them (eit, nain, ileven, ... are theirs).
WORDS = [
    b"one", b"two", b"three", b"four", b"five", b"six", b"seven", b"eit",
    b"nain", b"ten", b"ileven", b"twelf", b"threeten", b"fourten", b"fivten",
]  # fmt: skip

bundles = st.lists(st.binary(max_size=300), min_size=1, max_size=256)


@given(bundles)
def test_round_trip(entries: list[bytes]) -> None:
    data = encode_bundle(entries)
    assert decode_bundle(data) == entries
    assert decode_bundle(data, len(entries)) == entries
    for width in {1, len(entries) // 2 or 1, len(entries)}:
        assert decode_bundle_prefix(data, width) == entries[:width]
        # A narrower bundle is a prefix of the wider one.
        assert data.startswith(encode_bundle(entries[:width]))


def test_largest_entry_and_one_byte_more() -> None:
    big = b"\xab" * MAX_ENTRY_SIZE
    assert decode_bundle(encode_bundle([b"", big]), 2) == [b"", big]
    with pytest.raises(EntryTooLargeError) as info:
        encode_bundle([b"ok", big + b"\0"])
    assert info.value.code == "ledger.entry_too_large"


@pytest.mark.parametrize("count", [0, 257])
def test_bundle_holds_one_to_256_entries(count: int) -> None:
    with pytest.raises(TileError) as info:
        encode_bundle([b"x"] * count)
    assert info.value.code == "ledger.tile"


@given(bundles, st.data())
def test_truncation_is_refused(entries: list[bytes], data: st.DataObject) -> None:
    encoded = encode_bundle(entries)
    cut = data.draw(st.integers(0, len(encoded) - 1))
    with pytest.raises(TileError) as info:
        decode_bundle(encoded[:cut], len(entries))
    assert info.value.code == "ledger.tile"


@pytest.mark.parametrize(
    ("data", "width"),
    [
        (b"", None),  # no entry at all
        (b"\x00", None),  # half a length
        (b"\x00\x05abc", None),  # announces 5, has 3
        (b"\x00\x01a\x00", None),  # trailing half length
        (b"\x00\x01a\x00\x01b", 1),  # one entry too many
        (b"\x00\x01a", 2),  # one too few
        (b"\x00\x00" * 257, None),  # more entries than a bundle holds
    ],
)
def test_malformed_bundles(data: bytes, width: int | None) -> None:
    with pytest.raises(TileError) as info:
        decode_bundle(data, width)
    assert info.value.code == "ledger.tile"


@pytest.mark.parametrize(("data", "width"), [(b"\x00\x01a", 2), (b"\x00\x01a\x00", 1), (b"\x00\x01a", 0)])
def test_prefix_decoding_still_checks(data: bytes, width: int) -> None:
    with pytest.raises(TileError) as info:
        decode_bundle_prefix(data, width)
    assert info.value.code == "ledger.tile"


@pytest.mark.parametrize("n", range(1, 16))
def test_tessera_bundles_and_tiles_byte_for_byte(n: int) -> None:
    bundle = (TESSERA / entries_path(0, n)).read_bytes()
    tile = (TESSERA / tile_path(TileKey(0, 0, n))).read_bytes()
    assert decode_bundle(bundle, n) == WORDS[:n]
    assert encode_bundle(WORDS[:n]) == bundle
    assert b"".join(leaf_hash(e) for e in decode_bundle(bundle, n)) == tile
    # Every older bundle is a prefix of the newest, and reads back from it.
    widest = (TESSERA / entries_path(0, 15)).read_bytes()
    assert decode_bundle_prefix(widest, n) == WORDS[:n]
