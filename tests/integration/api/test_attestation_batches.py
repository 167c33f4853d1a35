"""A batch large enough to be prepared on every core and sequenced in runs (api/preparation.py,
api/submission.py), on SQLite and PostgreSQL: every document gets the outcome it would get alone, in order,
judged at its own index (a supersession of a document in an earlier run, a duplicate, a revocation naming an
attestation of the same batch), and what is stored is what one document at a time would store."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.preparation import PARALLEL_FROM
from api.submission import SEQUENCE_FROM
from passport.attestation import sign_attestation
from passport.document import SignedDocument
from tests.integration.api.attestation_support import (
    Parties,
    attestation,
    register_parties,
    signed_attestation,
    signed_revocation,
    snapshot,
)
from tests.integration.api.registry_support import Installation, install

SIZE = max(PARALLEL_FROM, SEQUENCE_FROM) + 150


@pytest.fixture
def inst(tmp_path: Path, db_url: str) -> Installation:
    return install(tmp_path / "home", db_url)


@pytest.fixture
def parties(inst: Installation) -> Parties:
    return register_parties(inst)


def test_a_large_batch_is_judged_document_by_document(inst: Installation, parties: Parties) -> None:
    raws = [signed_attestation(parties.supplier, product_id=f"88.118.8/B-{i}") for i in range(SIZE)]
    first = attestation(product_id="88.118.8/B-0")
    first_digest = SignedDocument.from_bytes(raws[0]).digest
    late = SIZE - 5  # past the first run: supersedes a document sequenced in an earlier run
    raws[late] = sign_attestation(
        first.with_changes(supersedes=first_digest), parties.supplier, "2026-11-24T11:00:00Z"
    ).raw
    raws[late + 1] = raws[10]  # the same credential again: its first index
    raws[late + 2] = signed_attestation(parties.other, product_id="88.118.8/B-X")  # not its prefix
    second_digest = SignedDocument.from_bytes(raws[1]).digest
    raws[late + 3] = signed_revocation(parties.supplier, second_digest, None)  # names no product itself
    raws[late + 4] = b'{"not": "a credential"'
    before = snapshot(inst.log)

    outcomes = inst.pipeline.submit(raws)

    assert len(outcomes) == SIZE
    accepted = [o.index for o in outcomes if o.index is not None and not o.duplicate]
    assert accepted == list(range(before["size"], before["size"] + len(accepted)))
    assert outcomes[late].index is not None
    assert not outcomes[late].duplicate
    assert outcomes[late + 1].duplicate
    assert outcomes[late + 1].index == outcomes[10].index
    assert outcomes[late + 2].code == "registry.prefix_not_held"
    assert outcomes[late + 3].index is not None
    assert outcomes[late + 4].code == "passport.malformed"
    after = snapshot(inst.log)
    assert after["size"] == before["size"] + len(accepted)
    assert len(after["credentials"]) == len(before["credentials"]) + len(accepted)
    status = {row[0]: row for row in after["attestations"]}
    assert status[first_digest][3] == outcomes[late].digest  # superseded by the late one
    assert status[second_digest][5] == outcomes[late + 3].digest  # revoked in the same batch
