"""api/routes/attestations.py ``split_batch``: a batch body cut into its elements' exact bytes (a round trip
for any whitespace and any objects), and malformed batches refused with ``api.malformed_batch``."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.routes.attestations import MalformedBatchError, split_batch

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
objects = st.dictionaries(st.text(max_size=6), json_values, max_size=4)
blank = st.text(alphabet=" \t\r\n", max_size=3)


@given(st.lists(st.tuples(objects, st.booleans(), blank, blank), min_size=1, max_size=5), blank, blank)
def test_split_batch_gives_each_elements_exact_bytes(
    elements: list[tuple[dict[str, object], bool, str, str]], lead: str, trail: str
) -> None:
    texts = [
        json.dumps(obj, ensure_ascii=ascii_only, indent=None if ascii_only else 1)
        for obj, ascii_only, _, _ in elements
    ]
    body = lead + "[" + ",".join(b1 + t + b2 for t, (_, _, b1, b2) in zip(texts, elements, strict=True))
    body += "]" + trail
    assert split_batch(body.encode()) == [t.encode() for t in texts]


@pytest.mark.parametrize(
    "body",
    [b"{}", b"[]", b" [ ] ", b"[{}", b"[{},]", b"[{} {}]", b"[1]", b'["x"]', b"[{}] x", b"[{]", b"\xff[{}]"],
)
def test_malformed_batches_are_refused(body: bytes) -> None:
    with pytest.raises(MalformedBatchError) as refused:
        split_batch(body)
    assert refused.value.code == "api.malformed_batch"
