"""passport/docindex.py: reference periods compared as instants, and a batch's own effects seen by the
entries after it."""

from __future__ import annotations

import pytest

from passport.docindex import (
    DocumentIndex,
    Logged,
    NewAttestation,
    NewPublication,
    Revoke,
    Supersede,
    instant,
)
from passport.errors import AttestationError

ORG = "91320000MA1234567T"


def test_one_instant_one_spelling() -> None:
    assert instant("2025-01-01T08:00:00+08:00") == instant("2025-01-01T00:00:00Z")
    assert instant("2025-01-01T00:00:00.5Z") == "2025-01-01T00:00:00.500000+00:00"
    assert instant("2025-01-01T00:00:00Z") != instant("2025-01-01T00:00:01Z")
    with pytest.raises(AttestationError) as refused:
        instant("2025-01-01")
    assert refused.value.code == "attestation.date_time"


def logged(digest: str, index: int, product: str = "88.118.8/A") -> Logged:
    return Logged(
        digest, index, product, ORG, instant("2025-01-01T00:00:00Z"), instant("2026-01-01T00:00:00Z")
    )


def test_effects_are_seen_by_later_entries() -> None:
    start, end = instant("2025-01-01T00:00:00Z"), instant("2026-01-01T00:00:00Z")
    index = DocumentIndex([logged("a", 0)])
    assert [x.digest for x in index.current(ORG, "88.118.8/A", start, end)] == ["a"]
    assert index.current("91320000MA0000001X", "88.118.8/A", start, end) == []
    index.apply(NewAttestation(logged("b", 5)))
    index.apply(Supersede("a", 5, "b"))
    assert [x.digest for x in index.current(ORG, "88.118.8/A", start, end)] == ["b"]
    a = index.attestation("a")
    assert a is not None
    assert (a.superseded_at, a.superseded_by, a.current) == (5, "b", False)
    index.apply(Revoke("b", 6, "r"))
    assert index.current(ORG, "88.118.8/A", start, end) == []
    assert index.attestation("missing") is None
    assert index.publication("benchmark", "c", "1") is None
    index.apply(NewPublication("benchmark", "c", "1", "d", 7, ORG))
    assert index.publication("benchmark", "c", "1") == "d"
