"""Bundles built from the database (api/bundles.py, docs/verify.md) and ``impact`` (api/impact.py): a
three-tier battery chain's pack bundle holds every document it rests on, each record proven against one
checkpoint, older checkpoints made consistent with it; a public bundle withholds the attestations' bodies;
``impact`` walks tiers upward; the CLI and the HTTP route give the same bundle."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from api import cli
from api.app import create_app
from api.bundles import build_bundle
from api.errors import NotFoundError
from api.impact import impact
from identifiers.registry_ops import RegistryOperation as Op
from ledger.checkpoint import parse_checkpoint
from ledger.hashing import leaf_hash
from ledger.note import parse_note
from ledger.policy import Policy
from ledger.receipt import parse_receipt, verify_receipt
from ledger.verify import verify_consistency
from passport.document import SignedDocument
from passport.endorsement import Endorsement, sign_endorsement
from passport.records import is_leaf_record
from tests.integration.api.passport_support import (
    LITHIUM_ORG,
    MAKER_ORG,
    PUBLISHER_ORG,
    Chains,
    register_chains,
)
from tests.integration.api.registry_support import VALID_FROM, install, new_key, pub, uscc
from tests.unit.passport import chain_fixtures as cf

PACK = "88.118.4/PACK-14kWh"
CERTIFIER_ORG = uscc(15)


@pytest.fixture
def chains(tmp_path: Path, db_url: str) -> Chains:
    return register_chains(install(tmp_path / "home", db_url))


def battery(chains: Chains) -> dict[str, SignedDocument]:
    lithium = chains.attest()
    certifier = new_key()
    chains.inst.logged(
        Op.register_organisation(CERTIFIER_ORG, "Certifier", ["certification-body"], keys=[pub(certifier)])
    )
    endorsement = sign_endorsement(Endorsement(lithium.digest, "88.118.1/LI2CO3-BG"), certifier, VALID_FROM)
    chains.push(endorsement.raw)
    _, cathode, _ = chains.tier(cf.CATHODE, seed=1)
    _, cell, _ = chains.tier(cf.CELL, seed=2)
    _, pack, _ = chains.tier(cf.PACK, seed=3)
    return {"lithium": lithium, "endorsement": endorsement, "cathode": cathode, "cell": cell, "pack": pack}


def records(bundle: dict[str, object]) -> dict[str, dict[str, object]]:
    """The bundle's records by the credential digest they name."""
    out = {}
    for r in bundle["records"]:  # type: ignore[attr-defined]
        out[json.loads(r["record"])["credential"]] = r
    return out


def test_a_full_bundle_holds_everything_the_pack_rests_on(chains: Chains) -> None:
    docs = battery(chains)
    bundle = build_bundle(chains.inst.log, PACK, full=True)
    assert (bundle["type"], bundle["scope"], bundle["product"]) == ("carbontrail-bundle/v1", "full", PACK)
    assert bundle["passport"] == docs["pack"].digest
    by_digest = records(bundle)
    for name in ("lithium", "endorsement", "cathode", "cell", "pack"):
        assert docs[name].digest in by_digest, name
        assert bundle["credentials"][docs[name].digest] == docs[name].canonical.decode()
    kinds = [json.loads(r["record"])["kind"] for r in bundle["records"]]
    assert {"factor-dataset", "benchmark"} <= set(kinds)
    subjects = {json.loads(r["record"])["subject"] for r in bundle["records"] if '"registry"' in r["record"]}
    assert {LITHIUM_ORG, MAKER_ORG, PUBLISHER_ORG, CERTIFIER_ORG} <= subjects
    # The intruder signed nothing the pack rests on.
    assert uscc(14) not in subjects
    indices = [r["index"] for r in bundle["records"]]
    assert indices == sorted(indices)
    # Every record is the logged entry, proven against the bundle's one checkpoint under the log's key.
    policy = Policy.from_keys(chains.inst.vkey, [], 0)
    note = bundle["checkpoint"].encode()
    for r in bundle["records"]:
        entry = r["record"].encode()
        assert is_leaf_record(entry)
        assert entry == chains.inst.log.store.entry(r["index"])
        receipt = parse_receipt(r["receipt"].encode())
        assert receipt.checkpoint == note
        verify_receipt(receipt, entry, None, policy)
        credential = json.loads(entry)["credential"]
        assert SignedDocument.from_bytes(bundle["credentials"][credential].encode()).digest == credential
    # The receipts embedded in the passports name older checkpoints: each is proven consistent.
    head = parse_checkpoint(parse_note(note).text)
    proven = {c["size"]: c["proof"] for c in bundle["consistency"]}
    assert proven
    for link_receipt in _embedded(bundle):
        old = parse_receipt(link_receipt.encode()).tree_head()
        if old.size == head.size:
            continue
        proof = [base64.b64decode(h) for h in proven[old.size]]
        verify_consistency(old.size, head.size, old.root, head.root, proof)


def _embedded(bundle: dict[str, object]) -> list[str]:
    out = []
    for body in bundle["credentials"].values():  # type: ignore[attr-defined]
        data = json.loads(body)
        for link in data.get("credentialSubject", {}).get("components", []) if "components" in body else []:
            if "receipt" in link:
                out.append(link["receipt"])
    return out


def test_a_public_bundle_withholds_the_attestations_figures_only(chains: Chains) -> None:
    docs = battery(chains)
    full = build_bundle(chains.inst.log, PACK, full=True)
    public = build_bundle(chains.inst.log, PACK)
    assert public["scope"] == "public"
    assert public["records"] == full["records"]
    assert docs["lithium"].digest not in public["credentials"]
    assert set(full["credentials"]) - set(public["credentials"]) == {docs["lithium"].digest}
    for name in ("endorsement", "cathode", "cell", "pack"):
        assert docs[name].digest in public["credentials"]


def test_a_product_without_a_passport_has_no_bundle(chains: Chains) -> None:
    chains.attest()
    with pytest.raises(NotFoundError):
        build_bundle(chains.inst.log, "88.118.1/LI2CO3-BG")


def test_impact_walks_every_tier_above_a_credential(chains: Chains) -> None:
    docs = battery(chains)
    with chains.inst.log.store.engine.connect() as conn:
        affected = impact(conn, docs["lithium"].digest)
        assert [(a.digest, a.tier) for a in affected] == [
            (docs["cathode"].digest, 1),
            (docs["cell"].digest, 2),
            (docs["pack"].digest, 3),
        ]
        assert all(a.current for a in affected)
        assert affected[1].via == docs["cathode"].digest
        assert impact(conn, docs["pack"].digest) == []
        with pytest.raises(NotFoundError):
            impact(conn, "sha256:" + "0" * 64)


def test_the_cli_writes_the_bundle_and_lists_the_impact(
    chains: Chains, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    docs = battery(chains)
    settings = chains.inst.settings
    where = ["--db", settings.db_url, "--home", str(settings.home)]
    out = tmp_path / "pack.bundle.json"
    assert cli.main(["bundle", PACK, "--full", "--out", str(out), *where]) == 0
    written = json.loads(out.read_bytes())
    assert written["passport"] == docs["pack"].digest
    assert written["scope"] == "full"
    capsys.readouterr()
    assert cli.main(["impact", docs["lithium"].digest, "--json", *where]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [p["tier"] for p in listed["passports"]] == [1, 2, 3]
    assert cli.main(["bundle", "88.118.9/NOTHING", "--out", str(out), *where]) == 2
    assert "api.not_found" in capsys.readouterr().err
    assert cli.main(["impact", "sha256:nothex", *where]) == 2


def test_the_bundle_over_http(chains: Chains) -> None:
    docs = battery(chains)
    client = TestClient(create_app(chains.inst.settings))
    r = client.get(f"/products/{quote(PACK, safe='')}/bundle")
    assert r.status_code == 200
    assert r.json()["scope"] == "public"
    assert docs["lithium"].digest not in r.json()["credentials"]
    assert "attachment" in r.headers["content-disposition"]
    r = client.get(f"/products/{quote(PACK, safe='')}/bundle", params={"scope": "full"})
    assert docs["lithium"].digest in r.json()["credentials"]
    r = client.get(f"/products/{quote(PACK, safe='')}/bundle", params={"scope": "everything"})
    assert (r.status_code, r.json()["code"]) == (400, "api.error")
    r = client.get(f"/products/{quote('88.118.9/NOTHING', safe='')}/bundle")
    assert (r.status_code, r.json()["code"]) == (404, "api.not_found")


def test_a_bundle_records_each_entry_by_its_leaf_hash(chains: Chains) -> None:
    battery(chains)
    bundle = build_bundle(chains.inst.log, PACK)
    for r in bundle["records"]:
        assert chains.inst.log.store.index_of(leaf_hash(r["record"].encode())) == r["index"]
