"""Checkpoint bodies: exact parse/format round trips, strict sizes and roots, signing and opening."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.checkpoint import (
    MAX_TREE_SIZE,
    Checkpoint,
    open_checkpoint,
    parse_checkpoint,
    sign_checkpoint,
)
from ledger.errors import MalformedError, UnknownKeyError
from ledger.note import Ed25519Signer

ROOT_B64 = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="
_line = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\n"),
    min_size=1,
    max_size=30,
)


@given(
    origin=_line,
    size=st.integers(0, MAX_TREE_SIZE),
    root=st.binary(min_size=32, max_size=32),
    extensions=st.lists(_line, max_size=3),
)
def test_round_trip(origin: str, size: int, root: bytes, extensions: list[str]) -> None:
    cp = Checkpoint(origin, size, root, tuple(extensions))
    assert parse_checkpoint(cp.text()) == cp
    assert parse_checkpoint(cp.text()).text() == cp.text()


def test_spec_example() -> None:
    text = f"example.com/behind-the-sofa\n20852163\n{ROOT_B64}\n"
    cp = parse_checkpoint(text)
    assert (cp.origin, cp.size, cp.extensions) == ("example.com/behind-the-sofa", 20852163, ())
    assert cp.text() == text


@pytest.mark.parametrize(
    "text",
    [
        f"o\n020852163\n{ROOT_B64}\n",  # leading zero
        f"o\n00\n{ROOT_B64}\n",
        f"o\n+5\n{ROOT_B64}\n",  # sign
        f"o\n-5\n{ROOT_B64}\n",
        f"o\n 5\n{ROOT_B64}\n",
        f"o\n\u0665\n{ROOT_B64}\n",  # a non-ASCII digit
        f"o\n{MAX_TREE_SIZE + 1}\n{ROOT_B64}\n",
        "o\n5\nAAAA\n",  # root too short
        f"o\n5\n{ROOT_B64[:-1]}\n",  # bad base64
        f"\n5\n{ROOT_B64}\n",  # empty origin
        f"o\n5\n{ROOT_B64}\n\next\n",  # empty extension line
        "o\n5\n",  # missing root
        f"o\n5\n{ROOT_B64}",  # no final newline
    ],
)
def test_malformed(text: str) -> None:
    with pytest.raises(MalformedError) as e:
        parse_checkpoint(text)
    assert e.value.code == "ledger.malformed"


def test_sign_and_open() -> None:
    signer = Ed25519Signer("log.example", b"\x07" * 32)
    cp = Checkpoint("log.example", 3, b"\x01" * 32, ("ext",))
    data = sign_checkpoint(cp, [signer]).to_bytes()
    signed = open_checkpoint(data, [signer.verifier()])
    assert signed.checkpoint == cp
    assert signed.to_bytes() == data
    with pytest.raises(UnknownKeyError):
        open_checkpoint(data, [Ed25519Signer("log.example", b"\x08" * 32).verifier()])


@given(st.text(min_size=1, max_size=20).filter(lambda s: "\n" not in s))
def test_control_characters_in_lines_refused_as_before(line: str) -> None:
    # The rule as it was written before the regular expression: any character below U+0020.
    bad = any(ord(c) < 0x20 for c in line)
    for origin, extensions in ((line, ()), ("o", (line,))):
        if bad:
            with pytest.raises(MalformedError) as e:
                Checkpoint(origin, 1, b"\x00" * 32, extensions)
            assert e.value.code == "ledger.malformed"
        else:
            cp = Checkpoint(origin, 1, b"\x00" * 32, extensions)
            assert parse_checkpoint(cp.text()) == cp
