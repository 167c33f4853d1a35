"""RFC 9162 hashing against the reference tree's leaf hashes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ledger import hashing

VECTORS = Path(__file__).resolve().parents[2] / "vectors"


def test_leaf_hashes_match_reference_tree() -> None:
    ref = json.loads((VECTORS / "rfc6962-reference-tree.json").read_text())
    for entry_hex, want in zip(ref["leaf_inputs_hex"], ref["leaf_hashes_hex"], strict=True):
        assert hashing.leaf_hash(bytes.fromhex(entry_hex)).hex() == want


def test_empty_root_and_node_prefix() -> None:
    assert (
        hashing.EMPTY_ROOT.hex()
        == json.loads((VECTORS / "rfc6962-reference-tree.json").read_text())["root_hashes_hex"][0]
    )
    a, b = hashing.leaf_hash(b"a"), hashing.leaf_hash(b"b")
    assert hashing.node_hash(a, b) == hashlib.sha256(b"\x01" + a + b).digest()
    assert hashing.node_hash(a, b) != hashing.node_hash(b, a)
