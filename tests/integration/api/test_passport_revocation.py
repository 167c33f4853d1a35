"""Revoking a passport, on SQLite and PostgreSQL (passport/authority.py, api/documentindex.py,
api/passportview.py, api/compose.py, api/bundles.py, ``carbontrail revoke``): the issuer's key revokes its
passport, which the ``passport`` table records and every reader sees (status ``revoked``, no longer the
product's current one: the passport route, the resolver and the label answer 404); another organisation, a
second revocation and composing on the revoked passport are refused with their codes, nothing logged; a newer
passport supersedes nothing of it; a bundle of a passport resting on it carries the revocation."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from sqlalchemy import select

from api import cli
from api.app import create_app
from api.bundles import build_bundle
from api.compose import ComposeError
from api.keyfile import write_key_file
from api.orm import PassportRow
from api.passportview import latest_passport, passport_status, product_passports
from passport.document import SignedDocument
from passport.revocation import Revocation, sign_revocation
from tests.integration.api.attestation_support import snapshot
from tests.integration.api.passport_support import MAKER_ORG, Chains, register_chains
from tests.integration.api.registry_support import VALID_FROM, install
from tests.integration.api.test_bundles import records
from tests.unit.passport import chain_fixtures as cf

CATHODE = "88.118.2/LFP-CAM"


@pytest.fixture
def chains(tmp_path: Path, db_url: str) -> Chains:
    return register_chains(install(tmp_path / "home", db_url))


def revoke(
    chains: Chains, digest: str, key: Ed25519PrivateKey | None = None, product: str | None = CATHODE
) -> SignedDocument:
    return sign_revocation(Revocation(digest, product, "withdrawn"), key or chains.maker, VALID_FROM)


def status(chains: Chains, digest: str) -> tuple[int | None, str | None, int | None, str | None]:
    with chains.inst.log.store.engine.connect() as conn:
        row = conn.execute(
            select(
                PassportRow.superseded_at,
                PassportRow.superseded_by,
                PassportRow.revoked_at,
                PassportRow.revoked_by,
            ).where(PassportRow.digest == digest)
        ).one()
    return row.superseded_at, row.superseded_by, row.revoked_at, row.revoked_by


def test_the_issuer_revokes_its_passport(chains: Chains) -> None:
    chains.attest()
    _, cathode, _ = chains.tier(cf.CATHODE, seed=1)
    revocation = revoke(chains, cathode.digest)
    at = chains.push(revocation.raw)
    assert status(chains, cathode.digest) == (None, None, at, revocation.digest)
    with chains.inst.log.store.engine.connect() as conn:
        listed = product_passports(conn, CATHODE)
        assert latest_passport(conn, CATHODE) is None
        one = passport_status(conn, cathode.digest)
    assert [(p["credential"], p["status"]) for p in listed] == [(cathode.digest, "revoked")]
    assert one is not None
    assert one["revokedBy"] == {"credential": revocation.digest, "index": at}
    assert (one["issuer"], one["supersededBy"]) == (MAKER_ORG, None)

    # Readers: the passport route, the resolver and the label have no current passport to show.
    client = TestClient(create_app(chains.inst.settings))
    assert client.get("/products/88.118.2%2FLFP-CAM/passport").status_code == 404
    assert client.get("/id/88.118.2/LFP-CAM", follow_redirects=False).status_code == 404

    # A newer passport is current again and supersedes nothing of the revoked one.
    _, newer, _ = chains.tier(cf.CATHODE, seed=2)
    assert status(chains, cathode.digest)[:2] == (None, None)
    with chains.inst.log.store.engine.connect() as conn:
        listed = product_passports(conn, CATHODE)
    assert [(p["credential"], p["status"]) for p in listed] == [
        (newer.digest, "valid"),
        (cathode.digest, "revoked"),
    ]
    assert client.get("/products/88.118.2%2FLFP-CAM/passport").json()["status"]["credential"] == newer.digest


def test_refused_revocations_log_nothing(chains: Chains) -> None:
    chains.attest()
    _, cathode, _ = chains.tier(cf.CATHODE, seed=1)
    cases = [
        (revoke(chains, cathode.digest, chains.intruder), "submission.not_issuer"),
        (revoke(chains, cathode.digest, product="88.118.2/OTHER"), "submission.product_mismatch"),
    ]
    for doc, code in cases:
        before = snapshot(chains.inst.log)
        outcome = chains.inst.pipeline.submit([doc.raw])[0]
        assert (outcome.index, outcome.code) == (None, code)
        assert snapshot(chains.inst.log) == before
    first = revoke(chains, cathode.digest)
    chains.push(first.raw)
    again = sign_revocation(Revocation(cathode.digest, CATHODE, "again"), chains.maker, VALID_FROM)
    before = snapshot(chains.inst.log)
    outcome = chains.inst.pipeline.submit([again.raw])[0]
    assert (outcome.index, outcome.code) == (None, "submission.revoked")
    assert snapshot(chains.inst.log) == before


def test_a_revocation_and_a_second_one_in_one_batch(chains: Chains) -> None:
    chains.attest()
    _, cathode, _ = chains.tier(cf.CATHODE, seed=1)
    first = revoke(chains, cathode.digest)
    second = sign_revocation(Revocation(cathode.digest, CATHODE, "again"), chains.maker, VALID_FROM)
    outcomes = chains.inst.pipeline.submit([first.raw, second.raw])
    assert outcomes[0].index is not None
    assert (outcomes[1].index, outcomes[1].code) == (None, "submission.revoked")
    assert status(chains, cathode.digest)[2:] == (outcomes[0].index, first.digest)


def test_composing_on_a_revoked_passport_is_refused(chains: Chains) -> None:
    chains.attest()
    _, cathode, _ = chains.tier(cf.CATHODE, seed=1)
    _, cell, _ = chains.tier(cf.CELL, seed=2)  # composed while the cathode's passport stood
    chains.push(revoke(chains, cathode.digest).raw)
    before = snapshot(chains.inst.log)
    with pytest.raises(ComposeError) as e:
        chains.compose(cf.CELL, seed=3)
    assert (e.value.code, e.value.component) == ("compose.revoked", "cathode")
    pinned = cf.CELL.replace("unit: kg}", f"unit: kg, pinned: '{cathode.digest}'}}", 1)
    with pytest.raises(ComposeError) as e:
        chains.compose(pinned, seed=3)
    assert (e.value.code, e.value.component) == ("compose.revoked", "cathode")
    assert snapshot(chains.inst.log) == before
    # The cell's bundle carries the revocation of the passport it rests on.
    bundle = build_bundle(chains.inst.log, "88.118.3/LFP-280Ah", full=True)
    revoked_by = status(chains, cathode.digest)[3]
    assert bundle["passport"] == cell.digest
    assert revoked_by in records(bundle)


def test_carbontrail_revoke_takes_a_passport_digest(
    chains: Chains, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    chains.attest()
    _, cathode, _ = chains.tier(cf.CATHODE, seed=1)
    key = tmp_path / "maker.key"
    write_key_file(key, chains.maker)
    settings = chains.inst.settings
    where = ["--db", settings.db_url, "--home", str(settings.home)]
    assert cli.main(["revoke", cathode.digest, "--key", str(key), "--reason", "recalled", *where]) == 0
    capsys.readouterr()
    assert status(chains, cathode.digest)[2] is not None
    assert cli.main(["revoke", cathode.digest, "--key", str(key), *where]) == 2
    assert "submission.revoked" in capsys.readouterr().err


def test_a_revocation_naming_no_product_takes_the_passports(chains: Chains) -> None:
    chains.attest()
    _, cathode, _ = chains.tier(cf.CATHODE, seed=1)
    revocation = revoke(chains, cathode.digest, product=None)
    at = chains.push(revocation.raw)
    assert status(chains, cathode.digest)[2:] == (at, revocation.digest)
    entry = chains.inst.log.store.entry(at)
    assert b'"subject":"88.118.2/LFP-CAM"' in entry
    # The label has no current passport to show either.
    client = TestClient(create_app(chains.inst.settings))
    assert client.get("/labels/88.118.2%2FLFP-CAM.svg").status_code == 404
