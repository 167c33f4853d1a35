"""``carbontrail attest``, ``push``, ``revoke``, ``endorse``, ``factors publish`` and ``pact export`` end to
end (api/commands/attest.py), on SQLite and PostgreSQL, against the local log and against a server
(``--server``, served in-process)."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from api.app import create_app
from api.attestationview import attestation_status
from api.cli import main
from api.keyfile import write_key_file
from passport.attestation import Attestation
from passport.background import load_benchmarks
from passport.document import SignedDocument
from passport.footprint import DataQuality
from tests.integration.api.attestation_support import (
    PRODUCT,
    PUBLISHER,
    Parties,
    attestation,
    register_parties,
)
from tests.integration.api.registry_support import SUPPLIER, Installation, install

DOMAIN = ("--issuer-domain", "cells.example.com")
LOGGED = re.compile(r"^(.+): logged at index (\d+)( \(already logged\))?; credential (sha256:[0-9a-f]{64})$")


class Cli:
    """``carbontrail`` in-process on one installation, with the parties' key files."""

    def __init__(self, capsys: pytest.CaptureFixture[str], inst: Installation, parties: Parties) -> None:
        self.capsys, self.inst = capsys, inst
        self.where = ["--home", str(inst.settings.home), "--db", inst.settings.db_url]
        self.keys = inst.settings.home.parent / "keys"
        for name in ("supplier", "other", "cert", "publisher"):
            key: Ed25519PrivateKey = getattr(parties, name)
            write_key_file(self.keys / f"{name}.key", key)

    def key(self, name: str) -> str:
        return str(self.keys / f"{name}.key")

    def run(self, *argv: str) -> tuple[int, str, str]:
        status = main(list(argv))
        out = self.capsys.readouterr()
        return status, out.out, out.err

    def logged(self, *argv: str) -> list[tuple[str, int, bool, str]]:
        """Run a submitting command that must log everything; (what, index, already, digest) per line."""
        status, out, err = self.run(*argv)
        assert (status, err) == (0, ""), err
        lines = [LOGGED.match(line) for line in out.strip().splitlines()]
        assert all(lines), out
        return [(m[1], int(m[2]), m[3] is not None, m[4]) for m in lines if m]


@pytest.fixture
def cli(tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> Cli:
    inst = install(tmp_path / "home", db_url, "cli.test/log")
    return Cli(capsys, inst, register_parties(inst))


def attest(cli: Cli, *flags: str) -> bytes:
    status, out, err = cli.run("attest", "--key", cli.key("supplier"), *flags)
    assert (status, err) == (0, ""), err
    return out.encode().rstrip(b"\n")


FLAGS = (
    "--subject", PRODUCT, "--declared-unit", "kilowatt hour", "--pcf", "62.40", "--land-use", "0.40",
    "--biogenic-uptake", "-0.20", "--stage", "rawMaterialAcquisition=44.10", "--stage", "manufacturing=18.30",
    "--period-start", "2025-01-01T00:00:00Z", "--period-end", "2026-01-01T00:00:00Z", "--geography", "CN-JS",
    "--standard", "ISO14067", "--standard", "GB/T 24067", "--primary-data-share", "72.5",
)  # fmt: skip


def test_attest_push_endorse_revoke_locally(cli: Cli, tmp_path: Path) -> None:
    raw = attest(cli, *FLAGS)
    att = Attestation.from_credential(SignedDocument.from_bytes(raw).data)
    assert (att.product_id, str(att.fossil_ghg_emissions), str(att.pcf_including_biogenic)) == (
        PRODUCT,
        "62.00",
        "62.20",
    )
    path = tmp_path / "att.json"
    path.write_bytes(raw)
    [(_, index, already, digest)] = cli.logged("push", *cli.where, str(path))
    assert (already, digest) == (False, SignedDocument.from_bytes(raw).digest)
    [(_, again, already, _)] = cli.logged("push", *cli.where, str(path))
    assert (again, already) == (index, True)

    [(what, ie, _, _)] = cli.logged(
        "endorse", digest, "--key", cli.key("cert"), "--level", "limited", *cli.where
    )
    assert what == f"endorsement of {digest}"
    [(_, ir, _, _)] = cli.logged(
        "revoke", digest, "--key", cli.key("supplier"), "--reason", "typo", *cli.where
    )
    with cli.inst.log.store.engine.connect() as conn:
        status = attestation_status(conn, digest)
    assert status is not None
    assert (status["status"], status["revoked"]["index"], status["endorsements"][0]["index"]) == (
        "revoked",
        ir,
        ie,
    )


def test_push_refused_document_exits_2_with_its_code(cli: Cli, tmp_path: Path) -> None:
    status, out, err = cli.run("attest", "--key", cli.key("other"), *FLAGS)
    assert status == 0
    path = tmp_path / "theirs.json"
    path.write_text(out)
    status, out, err = cli.run("push", *cli.where, str(path))
    assert (status, out) == (2, "")
    assert err.startswith(f"carbontrail: registry.prefix_not_held: {path}: ")
    status, _, err = cli.run("attest", "--key", cli.key("supplier"), "--subject", PRODUCT)
    assert status == 2
    assert err.startswith("carbontrail: cli.usage: attest needs --declared-unit")


def test_attest_from_a_subject_file(cli: Cli, tmp_path: Path) -> None:
    raw = attest(cli, "--from", str(_subject(tmp_path)))
    assert Attestation.from_credential(SignedDocument.from_bytes(raw).data) == attestation()


def test_pact_export_then_attest_from_pact(cli: Cli, tmp_path: Path) -> None:
    """A logged attestation exported as PACT v3.0 (by digest) and v2.3 (by product, with extra host-record
    fields), each imported back by ``attest --from-pact`` into the same attestation."""
    ready = pact_ready()
    subject = tmp_path / "subject.json"
    subject.write_text(json.dumps(ready.to_subject()))
    path = tmp_path / "att.json"
    path.write_bytes(attest(cli, "--from", str(subject)))
    [(_, _, _, digest)] = cli.logged("push", *cli.where, str(path))
    status, out, err = cli.run("pact", "export", digest, "--version", "3", *DOMAIN, *cli.where)
    assert (status, err) == (0, ""), err
    v3 = json.loads(out)
    assert (v3["specVersion"], v3["status"], v3["companyName"]) == ("3.0.0", "Active", "Cells")
    assert v3["companyIds"] == [f"urn:pact:cells.example.com:company-id:{SUPPLIER}"]
    extra = tmp_path / "record.json"
    extra.write_text(
        json.dumps(
            {
                "productCategoryCpc": "46410",
                "pcf.boundaryProcessesDescription": "Cell manufacturing.",
                "pcf.exemptedEmissionsDescription": "None.",
            }
        )
    )
    status, out2, err = cli.run(
        "pact", "export", PRODUCT, "--version", "2", *DOMAIN, "--record", str(extra), *cli.where
    )
    assert (status, err) == (0, ""), err
    assert json.loads(out2)["specVersion"].startswith("2.")
    for text in (out, out2):
        pact = tmp_path / "pact.json"
        pact.write_text(text)
        raw = attest(cli, "--from-pact", str(pact))
        assert Attestation.from_credential(SignedDocument.from_bytes(raw).data) == ready
    status, _, err = cli.run("pact", "export", "88.118.8/NONE", "--version", "3", *DOMAIN, *cli.where)
    assert status == 2
    assert err.startswith("carbontrail: api.not_found:")
    for bad in ("{not json", "[1, 2]"):
        extra.write_text(bad)
        status, _, err = cli.run(
            "pact", "export", PRODUCT, "--version", "3", *DOMAIN, "--record", str(extra), *cli.where
        )
        assert status == 2
        assert err.startswith("carbontrail: cli.usage:")


def pact_ready() -> Attestation:
    """The example with what both PACT versions require (and no v3.0-only biogenic non-CO2 emissions)."""
    return attestation(
        product_mass_per_declared_unit=Decimal("5.4"),
        fossil_carbon_content=Decimal("0.12"),
        biogenic_carbon_content=Decimal("0"),
        exempted_emissions_percent=Decimal("0.5"),
        dqi=DataQuality(
            Decimal("1.6"), Decimal("1.2"), Decimal("1.4"), Decimal("2"), Decimal("1.5"), Decimal("98")
        ),
        biogenic_non_co2_emissions=None,
        land_use_emissions=Decimal("0.50"),
        ipcc_characterization_factors=("AR6",),
        primary_data_share=Decimal("72.5"),
    )


def _subject(tmp_path: Path) -> Path:
    subject = tmp_path / "subject.json"
    subject.write_text(json.dumps(attestation().to_subject()))
    return subject


def test_factors_publish_the_shipped_database(cli: Cli) -> None:
    lines = cli.logged(
        "factors", "publish", "--key", cli.key("publisher"), "--publisher", PUBLISHER, *cli.where
    )
    assert [what for what, *_ in lines] == [
        "factor dataset cn-background 2025.1",
        *(f"benchmark {b.category} {b.version}" for b in load_benchmarks()),
    ]
    status, _, err = cli.run(
        "factors", "publish", "--key", cli.key("publisher"), "--publisher", SUPPLIER, *cli.where
    )
    assert status == 2
    assert "submission.publisher_mismatch" in err


def test_push_revoke_endorse_through_a_server(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = TestClient(create_app(cli.inst.settings), base_url="http://server.test")
    monkeypatch.setattr(httpx, "post", client.post)
    monkeypatch.setattr(httpx, "get", client.get)
    server = ["--server", "http://server.test"]
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    first.write_bytes(attest(cli, *FLAGS))
    second.write_bytes(attest(cli, *FLAGS[:1], "88.118.8/LFP-100Ah", *FLAGS[2:]))
    lines = cli.logged("push", *server, str(first), str(second))
    assert [what for what, *_ in lines] == [str(first), str(second)]
    digest = lines[0][3]
    cli.logged("endorse", digest, "--key", cli.key("cert"), *server)
    cli.logged("revoke", digest, "--key", cli.key("supplier"), *server)
    assert client.get(f"/attestations/{digest}").json()["status"]["status"] == "revoked"
    status, _, err = cli.run("revoke", "sha256:" + "0" * 64, "--key", cli.key("supplier"), *server)
    assert status == 2
    assert err.startswith("carbontrail: api.not_found:")
