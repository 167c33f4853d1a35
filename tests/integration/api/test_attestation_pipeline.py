"""Attestations, endorsements, revocations, factor datasets and benchmarks through the real pipeline, on
SQLite and PostgreSQL (api/submission.py, passport/authority.py, api/documentindex.py): each kind's authority
rule at the exact index (also inside one batch), supersession and revocation state, every refusal with its
code and nothing written, and each proof verified once."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select

from api.orm import AttestationRow, EndorsementRow
from identifiers.multikey import did_key_verification_method
from identifiers.registry_ops import RegistryOperation as Op
from ledger.hashing import leaf_hash
from ledger.storage.orm import Pending
from passport import envelope
from passport.background import load_benchmarks, load_factor_dataset
from passport.dataintegrity import EDDSA_JCS_2022, sign_credential, verify_credential
from passport.document import SignedDocument, canonical_json
from passport.endorsement import Endorsement, sign_endorsement
from passport.factors import sign_benchmark, sign_factor_dataset
from passport.records import prepare
from tests.integration.api.attestation_support import (
    OTHER,
    OTHER_PRODUCT,
    PRODUCT,
    PUBLISHER,
    Parties,
    register_parties,
    signed_attestation,
    signed_endorsement,
    signed_revocation,
    snapshot,
)
from tests.integration.api.registry_support import (
    CERT_BODY,
    SUPPLIER,
    VALID_FROM,
    Installation,
    checkpoint_sizes,
    did,
    install,
    new_key,
    pub,
    signed,
    unknown_kind,
    uscc,
)


@pytest.fixture
def inst(tmp_path: Path, db_url: str) -> Installation:
    return install(tmp_path / "home", db_url)


@pytest.fixture
def parties(inst: Installation) -> Parties:
    return register_parties(inst)


def digest_of(raw: bytes) -> str:
    return SignedDocument.from_bytes(raw).digest


def logged(inst: Installation, *raws: bytes) -> list[int]:
    outcomes = inst.pipeline.submit(list(raws))
    for o in outcomes:
        assert o.index is not None, (o.code, o.message)
    return [o.index for o in outcomes if o.index is not None]


def row(inst: Installation, digest: str) -> Any:
    with inst.log.store.engine.connect() as conn:
        return conn.execute(select(AttestationRow.__table__).where(AttestationRow.digest == digest)).one()


def test_an_attestation_is_logged_with_its_record_and_index_rows(
    inst: Installation, parties: Parties
) -> None:
    raw = signed_attestation(parties.supplier)
    (index,) = logged(inst, raw)
    record = json.loads(inst.log.store.entry(index))
    assert record == {
        "v": 1,
        "kind": "attestation",
        "credential": digest_of(raw),
        "subject": PRODUCT,
        "issuer": did(parties.supplier),
        "time": VALID_FROM,
    }
    stored = row(inst, digest_of(raw))
    assert (stored.log_index, stored.product, stored.org) == (index, PRODUCT, SUPPLIER)
    assert (stored.period_start, stored.period_end) == (
        "2025-01-01T00:00:00.000000+00:00",
        "2026-01-01T00:00:00.000000+00:00",
    )
    assert stored.superseded_at is stored.revoked_at is None
    again = inst.pipeline.submit([raw])[0]
    assert (again.index, again.duplicate) == (index, True)


def test_a_manufacturer_attests_its_own_products(inst: Installation, parties: Parties) -> None:
    (index,) = logged(inst, signed_attestation(parties.other, product_id=OTHER_PRODUCT))
    assert json.loads(inst.log.store.entry(index))["subject"] == OTHER_PRODUCT


def test_supersession_and_revocation_change_the_status(inst: Installation, parties: Parties) -> None:
    a = signed_attestation(parties.supplier)
    (ia,) = logged(inst, a)
    b = signed_attestation(parties.supplier, product_name="LFP cell 280 Ah", supersedes=digest_of(a))
    (ib,) = logged(inst, b)
    assert (row(inst, digest_of(a)).superseded_at, row(inst, digest_of(a)).superseded_by) == (
        ib,
        digest_of(b),
    )
    # The revocation names no product: its record takes the revoked attestation's.
    revocation = signed_revocation(parties.supplier, digest_of(b), product=None)
    (ir,) = logged(inst, revocation)
    assert json.loads(inst.log.store.entry(ir))["subject"] == PRODUCT
    assert (row(inst, digest_of(b)).revoked_at, row(inst, digest_of(b)).revoked_by) == (
        ir,
        digest_of(revocation),
    )
    # Nothing is current now, so a fresh attestation for the same period needs to supersede nothing.
    c = signed_attestation(parties.supplier, product_name="LFP cell, re-assessed")
    (ic,) = logged(inst, c)
    assert ia < ib < ir < ic


def test_an_endorsement_names_a_logged_attestation(inst: Installation, parties: Parties) -> None:
    a = signed_attestation(parties.supplier)
    e = signed_endorsement(parties.cert, digest_of(a))
    _, ie = logged(inst, a, e)
    assert json.loads(inst.log.store.entry(ie))["subject"] == PRODUCT
    with inst.log.store.engine.connect() as conn:
        rows = conn.execute(
            select(EndorsementRow.endorses, EndorsementRow.org, EndorsementRow.log_index)
        ).all()
    assert [tuple(r) for r in rows] == [(digest_of(a), CERT_BODY, ie)]


def test_datasets_and_benchmarks_by_a_publisher(inst: Installation, parties: Parties) -> None:
    dataset = sign_factor_dataset(load_factor_dataset(PUBLISHER), parties.publisher, VALID_FROM).raw
    benchmarks = [sign_benchmark(b, parties.publisher, VALID_FROM).raw for b in load_benchmarks()]
    indices = logged(inst, dataset, *benchmarks)
    subjects = [json.loads(inst.log.store.entry(i))["subject"] for i in indices]
    assert subjects == ["cn-background", *(b.category for b in load_benchmarks())]


def tamper(raw: bytes, change: Any) -> bytes:
    data = json.loads(raw)
    change(data)
    return canonical_json(data)


def sign_json(credential: dict[str, Any], key: Any) -> bytes:
    """Sign any JSON as a credential (the proof verifies; the kind's rules decide)."""
    return sign_credential(
        credential, key, did_key_verification_method(pub(key)), cryptosuite=EDDSA_JCS_2022
    ).raw


def test_every_refusal_has_its_code_and_writes_nothing(inst: Installation, parties: Parties) -> None:
    """One installation for all the refusals (to keep the suite fast); after each, every table is as it
    was."""
    revoked_key, stranger, blacklisted = new_key(), new_key(), new_key()
    inst.logged(Op.add_keys(SUPPLIER, [pub(revoked_key)]))
    inst.logged(Op.revoke_key(SUPPLIER, pub(revoked_key), "lost"))
    inst.logged(
        Op.register_organisation(uscc(9), "Bad verifier", ["certification-body"], keys=[pub(blacklisted)])
    )
    inst.logged(Op.blacklist(uscc(9), "fraud"))
    a = signed_attestation(parties.supplier)
    other = signed_attestation(parties.other, product_id=OTHER_PRODUCT)
    superseding = signed_attestation(parties.supplier, product_name="v2", supersedes=digest_of(a))
    logged(inst, a, other, superseding)
    b = signed_attestation(parties.supplier, reference_period_start="2026-01-01T00:00:00Z",
                           reference_period_end="2027-01-01T00:00:00Z")  # fmt: skip
    logged(inst, b, signed_revocation(parties.supplier, digest_of(b)))
    dataset = load_factor_dataset(PUBLISHER)
    logged(inst, sign_factor_dataset(dataset, parties.publisher, VALID_FROM).raw)

    valid = json.loads(signed_attestation(parties.supplier, product_name="x"))
    numbers = {k: v for k, v in valid.items() if k != "proof"}
    numbers["credentialSubject"] = dict(numbers["credentialSubject"], pcfExcludingBiogenic=62.4)

    def remote(data: dict[str, Any]) -> None:
        data["@context"].append("https://example.com/remote-context.jsonld")

    def zj(data: dict[str, Any]) -> None:
        data["credentialSubject"]["geography"] = "CN-ZJ"

    cases: dict[str, tuple[bytes, str]] = {
        "bad proof": (
            tamper(
                signed_attestation(parties.supplier, product_name="y"),
                lambda d: d["credentialSubject"].update(geography="CN-ZJ"),
            ),
            "passport.proof_invalid",
        ),
        "unauthorised signer (prefix)": (
            signed_attestation(parties.other, product_name="z"),
            "registry.prefix_not_held",
        ),
        "unregistered key": (signed_attestation(stranger), "registry.unknown_key"),
        "revoked key": (signed_attestation(revoked_key, product_name="r"), "registry.key_revoked"),
        "wrong role": (signed_attestation(parties.cert, product_name="c"), "registry.wrong_role"),
        "blacklisted endorser": (
            signed_endorsement(blacklisted, digest_of(superseding)),
            "registry.blacklisted",
        ),
        "supplier endorsing": (
            signed_endorsement(parties.supplier, digest_of(superseding)),
            "registry.wrong_role",
        ),
        "duplicate with different content": (
            signed_attestation(parties.supplier, product_name="other figures"),
            "submission.duplicate_attestation",
        ),
        "duplicate, same period at another offset": (
            signed_attestation(
                parties.supplier,
                product_name="offset",
                reference_period_start="2025-01-01T08:00:00+08:00",
                reference_period_end="2026-01-01T08:00:00+08:00",
            ),
            "submission.duplicate_attestation",
        ),
        "malformed JSON": (b'{"@context": [', "passport.malformed"),
        "duplicate JSON key": (b'{"a": 1, "a": 2}', "passport.malformed"),
        "wrong types": (sign_json(numbers, parties.supplier), "attestation.decimal"),
        "remote context": (
            tamper(signed_attestation(parties.supplier, product_name="rc"), remote),
            "attestation.shape",
        ),
        "unknown kind": (unknown_kind(), "passport.unknown_kind"),
        "supersedes nothing logged": (
            signed_attestation(parties.supplier, product_name="s", supersedes="sha256:" + "ab" * 32),
            "submission.unknown_attestation",
        ),
        "supersedes another product": (
            signed_attestation(parties.supplier, product_name="p", supersedes=digest_of(other)),
            "submission.product_mismatch",
        ),
        "supersedes a superseded one": (
            signed_attestation(parties.supplier, product_name="again", supersedes=digest_of(a)),
            "submission.superseded",
        ),
        "supersedes a revoked one": (
            signed_attestation(
                parties.supplier,
                product_name="after revocation",
                reference_period_start="2026-01-01T00:00:00Z",
                reference_period_end="2027-01-01T00:00:00Z",
                supersedes=digest_of(b),
            ),
            "submission.revoked",
        ),
        "revoked by another organisation": (
            signed_revocation(parties.other, digest_of(superseding)),
            "submission.not_issuer",
        ),
        "revoked with a revoked key": (
            signed_revocation(revoked_key, digest_of(superseding)),
            "registry.key_revoked",
        ),
        "revoked twice": (
            signed_revocation(parties.supplier, digest_of(b), product=None),
            "submission.revoked",
        ),
        "revocation naming another product": (
            signed_revocation(parties.supplier, digest_of(superseding), product="88.118.8/OTHER"),
            "submission.product_mismatch",
        ),
        "revocation of nothing logged": (
            signed_revocation(parties.supplier, "sha256:" + "cd" * 32, product=None),
            "submission.unknown_attestation",
        ),
        "endorsing nothing logged": (
            signed_endorsement(parties.cert, "sha256:" + "ef" * 32),
            "submission.unknown_attestation",
        ),
        "endorsing under another product": (
            signed_endorsement(parties.cert, digest_of(superseding), product=OTHER_PRODUCT),
            "submission.product_mismatch",
        ),
        "endorsing a revoked attestation": (
            signed_endorsement(parties.cert, digest_of(b)),
            "submission.revoked",
        ),
        "dataset of another publisher": (
            sign_factor_dataset(load_factor_dataset(OTHER), parties.publisher, VALID_FROM).raw,
            "submission.publisher_mismatch",
        ),
        "dataset by a supplier": (
            sign_factor_dataset(load_factor_dataset(SUPPLIER), parties.supplier, VALID_FROM).raw,
            "registry.wrong_role",
        ),
        "dataset version published again": (
            sign_factor_dataset(
                dataset.__class__(dataset.dataset_id, dataset.version, PUBLISHER, dataset.factors[:3]),
                parties.publisher,
                VALID_FROM,
            ).raw,
            "submission.version_exists",
        ),
    }
    before = snapshot(inst.log)
    for name, (raw, code) in cases.items():
        outcome = inst.pipeline.submit([raw])[0]
        assert (outcome.index, outcome.code) == (None, code), (name, outcome.message)
        assert snapshot(inst.log) == before, name


@pytest.mark.parametrize("revocation_first", [True, False])
def test_a_key_revoked_in_the_same_batch(
    inst: Installation, parties: Parties, revocation_first: bool
) -> None:
    """A key revocation and an attestation signed by that key, in one batch: the attestation is judged at
    its own index, so it is refused exactly when the revocation comes first."""
    key_revocation = signed(Op.revoke_key(SUPPLIER, pub(parties.supplier)), inst.registrar)
    att = signed_attestation(parties.supplier)
    batch = [key_revocation, att] if revocation_first else [att, key_revocation]
    outcomes = {o.kind: o for o in inst.pipeline.submit(batch)}
    assert outcomes["registry"].index is not None
    if revocation_first:
        assert (outcomes["attestation"].index, outcomes["attestation"].code) == (None, "registry.key_revoked")
    else:
        assert outcomes["attestation"].index is not None


def test_one_batch_sees_its_own_attestations(inst: Installation, parties: Parties) -> None:
    """An attestation, its endorsement, its revocation (naming no product) and another endorsement after
    the revocation, in one submission: each is judged at its index, so only the last is refused."""
    a = signed_attestation(parties.supplier)
    d = digest_of(a)
    late = sign_endorsement(Endorsement(d, PRODUCT, "limited"), parties.cert, VALID_FROM).raw
    batch = [
        a,
        signed_endorsement(parties.cert, d),
        signed_revocation(parties.supplier, d, product=None),
        late,
    ]
    before = snapshot(inst.log)["size"]
    outcomes = inst.pipeline.submit(batch)
    assert [o.index for o in outcomes[:3]] == [before, before + 1, before + 2]
    assert (outcomes[3].index, outcomes[3].code) == (None, "submission.revoked")
    assert row(inst, d).revoked_at == before + 2
    assert checkpoint_sizes(inst.log)[-1] == before + 3  # one batch, one checkpoint


def test_each_proof_is_verified_once(
    inst: Installation, parties: Parties, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The submitter verifies each document; the admission (this process's or another's batch) does not."""
    calls: list[str] = []
    verify = verify_credential  # what passport.envelope calls (imported there by name)

    def counting(doc: Any, **kw: Any) -> Any:
        calls.append(doc.digest)
        return verify(doc, **kw)

    monkeypatch.setattr(envelope, "verify_credential", counting)
    raws = [signed_attestation(parties.supplier, product_id=f"88.118.8/CELL-{i}") for i in range(5)]
    logged(inst, *raws)
    assert sorted(calls) == sorted(digest_of(r) for r in raws)

    # A document another process verified and left pending is judged without verifying it again.
    pending = prepare(signed_attestation(parties.supplier, product_id="88.118.8/CELL-P"))
    calls.clear()
    enqueue(inst, pending.record or b"", pending.document.canonical)
    inst.pipeline.append([b"a raw entry"])
    assert calls == []
    assert row(inst, pending.document.digest).product == "88.118.8/CELL-P"


def test_the_admission_checks_the_proofs_key_is_the_issuers(inst: Installation, parties: Parties) -> None:
    """Without verifying again, the admission still takes the signer from the proof's verification method and
    refuses one that is not the issuer's did:key."""
    prepared = prepare(signed_attestation(parties.supplier))
    forged = json.loads(prepared.document.canonical)
    forged["proof"]["verificationMethod"] = did_key_verification_method(pub(parties.other))
    enqueue(inst, prepared.record or b"", canonical_json(forged))
    before = snapshot(inst.log)
    result = inst.pipeline.append([b"raw"])
    after = snapshot(inst.log)
    assert after["size"] == before["size"] + 1  # the raw entry only
    assert after["attestations"] == before["attestations"]
    with inst.log.store.engine.connect() as conn:
        codes = (
            conn.execute(select(Pending.refused_code).where(Pending.refused_code.is_not(None)))
            .scalars()
            .all()
        )
    assert codes == ["passport.issuer"]
    assert result[0].index is not None


def enqueue(inst: Installation, entry: bytes, attachment: bytes | None) -> int:
    """Insert one pending row as another process's Sequencer.append does."""
    with inst.log.store.engine.begin() as conn:
        values = {
            "data": entry,
            "attachment": attachment,
            "leaf_hash": leaf_hash(entry),
            "submitted": datetime.now(UTC),
            "done": False,
        }
        return int(conn.execute(insert(Pending).returning(Pending.id), values).scalar_one())
