"""passport/authority.py ``judge`` on passports: a manufacturer's passport is logged and revoked by its own
organisation's key (the ``Revoke`` effect with ``kind`` ``passport``); a revocation by another organisation,
a second revocation, an unknown digest or another product are refused with their codes; the document index
sees every effect, so a revoked passport is no longer current and a newer passport supersedes nothing."""

from __future__ import annotations

import pytest

from identifiers.registry import RegistryState
from identifiers.registry_ops import RegistryOperation as Op
from passport.authority import judge, wants
from passport.docindex import DocumentIndex, LoggedPassport, NewPassport, Revoke
from passport.envelope import public_key_bytes
from passport.errors import SubmissionError
from passport.records import Prepared, prepare
from passport.revocation import Revocation, sign_revocation
from tests.unit.passport import chain_fixtures as cf

MAKER, OTHER = "91320000MA1234567T", "91320000MA00000016"
CATHODE = "88.118.2/LFP-CAM"


@pytest.fixture(scope="module")
def registry() -> RegistryState:
    registrar = cf.key(99)
    state = RegistryState.genesis(public_key_bytes(registrar))
    ops = [
        Op.register_organisation(
            MAKER, "Maker", ["manufacturer"], ["88.118.2"], [public_key_bytes(cf.key(10))]
        ),
        Op.register_organisation(
            OTHER, "Other", ["manufacturer"], ["88.119.1"], [public_key_bytes(cf.key(50))]
        ),
    ]
    for i, op in enumerate(ops):
        state = state.apply(op, public_key_bytes(registrar), i)
    return state


def revocation(digest: str, seed: int, product: str | None = CATHODE) -> Prepared:
    return prepare(sign_revocation(Revocation(digest, product, "withdrawn"), cf.key(seed), cf.WHEN).raw)


def test_a_manufacturer_revokes_its_passport(registry: RegistryState) -> None:
    cathode = cf.battery_chain()[0]
    index = DocumentIndex()
    _, _, effects = judge(registry, index, prepare(cathode.doc.raw), 10)
    assert [type(e) for e in effects] == [NewPassport]
    index.apply(effects[0])
    assert index.current_passports(MAKER, CATHODE) == (cathode.doc.digest,)
    assert index.passport(cathode.doc.digest) == LoggedPassport(cathode.doc.digest, 10, CATHODE, MAKER)

    prepared = revocation(cathode.doc.digest, 10)
    assert wants([prepared]).digests == {cathode.doc.digest}
    _, resolved, effects = judge(registry, index, prepared, 11)
    by = prepared.document.digest
    assert effects == (Revoke(cathode.doc.digest, 11, by, "passport"),)
    assert resolved.subject == CATHODE
    index.apply(effects[0])
    revoked = index.passport(cathode.doc.digest)
    assert revoked is not None
    assert (revoked.revoked_at, revoked.revoked_by, revoked.current) == (11, by, False)
    assert index.current_passports(MAKER, CATHODE) == ()

    # Revoking twice is refused; a newer passport supersedes nothing of the revoked one.
    with pytest.raises(SubmissionError) as twice:
        judge(registry, index, revocation(cathode.doc.digest, 10, None), 12)
    assert twice.value.code == "submission.revoked"
    newer = cf.compose(
        cf.CATHODE.replace("Suining", "Suining new"), {"li2co3": cf.lithium_upstream()}, seed=10
    )
    assert newer.doc.digest != cathode.doc.digest
    _, _, effects = judge(registry, index, prepare(newer.doc.raw), 13)
    assert isinstance(effects[0], NewPassport)
    assert (effects[0].digest, effects[0].replaces) == (newer.doc.digest, ())


def test_revocations_that_are_refused(registry: RegistryState) -> None:
    cathode = cf.battery_chain()[0]
    index = DocumentIndex(logged_passports=[LoggedPassport(cathode.doc.digest, 10, CATHODE, MAKER)])
    cases = [
        (revocation(cathode.doc.digest, 50), "submission.not_issuer"),
        (revocation(cathode.doc.digest, 10, "88.118.2/OTHER"), "submission.product_mismatch"),
        (revocation("sha256:" + "0" * 64, 10), "submission.unknown_attestation"),
    ]
    for prepared, code in cases:
        with pytest.raises(SubmissionError) as refused:
            judge(registry, index, prepared, 11)
        assert refused.value.code == code
