"""The tamper campaign (issue 6, docs/verify.md): a full bundle of a three-tier battery passport, built from a
real database, passes untouched; every single-field change that matters is caught with its expected code and
on the document concerned; a public bundle passes with the attestations' checks not made, and fails when every
check is required; a blacklisted endorser and a revoked key's signature fail the bundles that carry them."""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from api.bundles import build_bundle
from api.logservice import append, batch_receipts
from identifiers.registry_ops import RegistryOperation as Op
from ledger.keys import generate_log_key
from ledger.policy import Policy
from passport.document import SignedDocument
from passport.endorsement import Endorsement, sign_endorsement
from passport.records import leaf_record
from tests.integration.api.passport_support import LITHIUM_ORG, Chains, register_chains
from tests.integration.api.registry_support import VALID_FROM, did, install, new_key, pub, uscc
from tests.unit.passport import chain_fixtures as cf
from verifier.bundle import bundle_from_json
from verifier.errors import BundleError
from verifier.report import Report, Status
from verifier.verify import verify_bundle

PACK = "88.118.4/PACK-14kWh"
CERTIFIER_ORG = uscc(15)
LITHIUM_PRODUCT = "88.118.1/LI2CO3-BG"

Bundle = dict[str, Any]


class Battery:
    """A three-tier chain (lithium attestation -> cathode -> cell -> pack) with an endorsed attestation."""

    def __init__(self, chains: Chains) -> None:
        self.chains = chains
        self.certifier = new_key()
        self.lithium = chains.attest()
        chains.inst.logged(
            Op.register_organisation(
                CERTIFIER_ORG, "Certifier", ["certification-body"], keys=[pub(self.certifier)]
            )
        )
        endorsement = Endorsement(self.lithium.digest, LITHIUM_PRODUCT)
        self.endorsement = sign_endorsement(endorsement, self.certifier, VALID_FROM)
        chains.push(self.endorsement.raw)
        self.cathode = chains.tier(cf.CATHODE, seed=1)[1]
        self.cell = chains.tier(cf.CELL, seed=2)[1]
        self.pack = chains.tier(cf.PACK, seed=3)[1]
        self.policy = Policy.from_keys(chains.inst.vkey, [], 0)
        self.registrar = pub(chains.inst.registrar)

    def bundle(self, *, full: bool = True) -> Bundle:
        return build_bundle(self.chains.inst.log, PACK, full=full)

    def verify(self, bundle: Bundle) -> Report:
        return verify_bundle(bundle_from_json(bundle), self.policy, self.registrar)


@pytest.fixture
def battery(tmp_path: Path, sqlite_db: str) -> Battery:
    return Battery(register_chains(install(tmp_path / "home", sqlite_db)))


def record_of(bundle: Bundle, digest: str) -> dict[str, Any]:
    return next(r for r in bundle["records"] if json.loads(r["record"])["credential"] == digest)


def registry_record(bundle: Bundle, subject: str) -> dict[str, Any]:
    """The first registry entry about ``subject`` (an organisation's registration)."""
    records: list[dict[str, Any]] = bundle["records"]
    for r in records:
        fields = json.loads(r["record"])
        if fields["kind"] == "registry" and fields["subject"] == subject:
            return r
    raise AssertionError(f"no entry about {subject}")


def failures(report: Report) -> set[tuple[str, str | None]]:
    """(code, document) of every failed check."""
    return {(c.code, c.document) for c in report.failures()}


def codes(report: Report) -> set[str]:
    return {c.code for c in report.failures()}


def test_the_untouched_full_bundle_passes_every_check(battery: Battery) -> None:
    report = battery.verify(battery.bundle())
    assert report.ok(require_full=True), report.failures(require_full=True)
    assert report.counts()["not-checked"] == 0
    assert report.checkpoint is not None
    assert report.checkpoint.size > 0
    nodes = {n.credential: n for n in report.tree.walk()}
    assert report.tree.credential == battery.pack.digest
    for doc in (battery.lithium, battery.endorsement, battery.cathode, battery.cell):
        assert doc.digest in nodes
    names = {c.name for c in nodes[battery.pack.digest].checks}
    assert {"inclusion", "digest", "record", "signature", "contexts", "authority", "status", "link", "rollup",
            "grade"} <= names  # fmt: skip
    assert nodes[battery.cathode.digest].share is not None
    assert {n.kind for n in report.others} == {"registry"}


def test_a_public_bundle_passes_with_the_attestations_not_checked(battery: Battery) -> None:
    report = battery.verify(battery.bundle(full=False))
    assert report.ok()
    assert not report.ok(require_full=True)
    lithium = next(n for n in report.tree.walk() if n.credential == battery.lithium.digest)
    status = {c.name: c.status for c in lithium.checks}
    assert status["inclusion"] is Status.PASSED
    assert status["authority"] is Status.PASSED
    for name in ("digest", "signature", "contexts", "record"):
        assert status[name] is Status.NOT_CHECKED
    cathode = next(n for n in report.tree.walk() if n.credential == battery.cathode.digest)
    assert {c.name: c.status for c in cathode.checks}["rollup"] is Status.NOT_CHECKED
    assert {c.code for c in report.failures(require_full=True)} == {"verify.withheld"}


def _flip(text: str, at: int = 5) -> str:
    raw = bytearray(base64.b64decode(text))
    raw[at] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def _figure(b: Battery, bundle: Bundle) -> str:
    body = bundle["credentials"][b.lithium.digest]
    assert '"12.00"' in body
    bundle["credentials"][b.lithium.digest] = body.replace('"12.00"', '"10.00"', 1)
    return b.lithium.digest


def _credential_proof_byte(b: Battery, bundle: Bundle) -> str:
    data = json.loads(bundle["credentials"][b.cell.digest])
    value = data["proof"]["proofValue"]
    data["proof"]["proofValue"] = value[:10] + ("2" if value[10] != "2" else "3") + value[11:]
    bundle["credentials"][b.cell.digest] = json.dumps(data)
    return b.cell.digest


def _record_digest(b: Battery, bundle: Bundle) -> str:
    record = record_of(bundle, b.cell.digest)
    fields = json.loads(record["record"])
    fields["credential"] = "sha256:" + "ab" * 32
    record["record"] = json.dumps(fields)
    bundle["credentials"]["sha256:" + "ab" * 32] = bundle["credentials"].pop(b.cell.digest)
    return "sha256:" + "ab" * 32


def _inclusion_proof_byte(b: Battery, bundle: Bundle) -> str:
    record = record_of(bundle, b.lithium.digest)
    lines = record["receipt"].split("\n")
    lines[2] = _flip(lines[2])  # the first proof hash, after the header and index lines
    record["receipt"] = "\n".join(lines)
    return b.lithium.digest


def _receipt_checkpoint(b: Battery, bundle: Bundle) -> str:
    record = record_of(bundle, b.cathode.digest)
    head, _, note = record["receipt"].partition("\n\n")
    origin, size, root, rest = note.split("\n", 3)
    record["receipt"] = f"{head}\n\n{origin}\n{size}\n{_flip(root)}\n{rest}"
    return b.cathode.digest


def _embedded_receipt(b: Battery, bundle: Bundle) -> str:
    # Re-pointing a passport's link changes its bytes: its digest no longer matches what was logged.
    body = bundle["credentials"][b.pack.digest]
    data = json.loads(body)
    data["credentialSubject"]["components"][0]["logIndex"] += 1
    bundle["credentials"][b.pack.digest] = json.dumps(data)
    return b.pack.digest


def _registry_entry(b: Battery, bundle: Bundle) -> str:
    record = registry_record(bundle, LITHIUM_ORG)
    digest = str(json.loads(record["record"])["credential"])
    body = bundle["credentials"][digest]
    assert "88.118.1" in body
    bundle["credentials"][digest] = body.replace("88.118.1", "88.118.7", 1)
    return digest


def _dropped_registry_entry(b: Battery, bundle: Bundle) -> str:
    record = registry_record(bundle, LITHIUM_ORG)
    bundle["records"].remove(record)
    del bundle["credentials"][json.loads(record["record"])["credential"]]
    return b.lithium.digest


def _dropped_component(b: Battery, bundle: Bundle) -> str:
    bundle["records"].remove(record_of(bundle, b.cell.digest))
    del bundle["credentials"][b.cell.digest]
    return b.pack.digest


def _consistency(b: Battery, bundle: Bundle) -> None:
    bundle["consistency"][0]["proof"][0] = _flip(bundle["consistency"][0]["proof"][0])


def _checkpoint_line(b: Battery, bundle: Bundle) -> None:
    origin, size, rest = bundle["checkpoint"].split("\n", 2)
    bundle["checkpoint"] = f"{origin}\n{int(size) + 1}\n{rest}"


CAMPAIGN: list[tuple[str, Callable[[Battery, Bundle], str | None], str]] = [
    ("a figure in an attestation", _figure, "verify.digest"),
    ("a byte of a credential's proof", _credential_proof_byte, "verify.digest"),
    ("the digest a record names", _record_digest, "verify.receipt"),
    ("a hash of an inclusion proof", _inclusion_proof_byte, "verify.receipt"),
    ("the root in a receipt's checkpoint", _receipt_checkpoint, "verify.receipt"),
    ("a component link's log index", _embedded_receipt, "verify.digest"),
    ("a prefix in a registry entry", _registry_entry, "verify.digest"),
    ("a dropped registry entry", _dropped_registry_entry, "verify.authority"),
    ("a dropped component", _dropped_component, "verify.missing"),
    ("a hash of a consistency proof", _consistency, "verify.consistency"),
    ("the checkpoint's size line", _checkpoint_line, "verify.checkpoint"),
]


@pytest.mark.parametrize(("what", "tamper", "code"), CAMPAIGN, ids=[c[0] for c in CAMPAIGN])
def test_each_tamper_is_caught_with_its_code(
    battery: Battery, what: str, tamper: Callable[[Battery, Bundle], str | None], code: str
) -> None:
    bundle = battery.bundle()
    tampered = copy.deepcopy(bundle)
    document = tamper(battery, tampered)
    assert tampered != bundle, what
    report = battery.verify(tampered)
    assert not report.ok(), what
    assert (code, document) in failures(report), (what, failures(report))


def test_the_registry_entry_tamper_takes_the_signers_authority_with_it(battery: Battery) -> None:
    bundle = battery.bundle()
    _registry_entry(battery, bundle)
    report = battery.verify(bundle)
    assert ("verify.authority", battery.lithium.digest) in failures(report)


def test_other_trust_anchors_refuse_the_bundle(battery: Battery) -> None:
    bundle = bundle_from_json(battery.bundle())
    stranger = verify_bundle(bundle, battery.policy, pub(new_key()))
    assert ("verify.authority", battery.pack.digest) in failures(stranger)
    other_log = Policy.from_keys(generate_log_key("registry.test/log")[1], [], 0)
    assert "verify.checkpoint" in codes(verify_bundle(bundle, other_log, battery.registrar))


def test_an_unknown_member_is_refused(battery: Battery) -> None:
    bundle = battery.bundle()
    bundle["note"] = "trust me"
    with pytest.raises(BundleError) as caught:
        bundle_from_json(bundle)
    assert caught.value.code == "verify.bundle"


def test_an_endorser_blacklisted_before_the_checkpoint_fails_the_bundle(battery: Battery) -> None:
    assert battery.verify(battery.bundle()).ok()
    battery.chains.inst.logged(Op.blacklist(CERTIFIER_ORG, "fraud"))
    report = battery.verify(battery.bundle())
    assert failures(report) == {("verify.blacklisted", battery.lithium.digest)}


def test_a_signature_by_a_revoked_key_is_refused_by_the_registry_replay(battery: Battery) -> None:
    inst = battery.chains.inst
    revoked = new_key()
    inst.logged(Op.add_keys(CERTIFIER_ORG, [pub(revoked)]))
    inst.logged(Op.revoke_key(CERTIFIER_ORG, pub(revoked), "lost"))
    forged = sign_endorsement(Endorsement(battery.lithium.digest, LITHIUM_PRODUCT), revoked, VALID_FROM)
    outcome = inst.pipeline.submit([forged.raw])[0]
    assert outcome.index is None
    assert outcome.code == "registry.key_revoked"
    # The log refuses it; an operator writing the record into the log directly is what the replay catches.
    record = leaf_record("endorsement", forged.digest, LITHIUM_PRODUCT, did(revoked), VALID_FROM)
    assert append(inst.log, [record])[0].refused_code is not None
    # A dishonest operator's sequencer admits anything.
    index = inst.log.sequencer().append([record])[0].index
    assert index is not None
    bundle = battery.bundle()
    checkpoint, receipts = batch_receipts(inst.log, [r["index"] for r in bundle["records"]] + [index])
    assert checkpoint.cosigned_note.decode() == bundle["checkpoint"]
    bundle["records"].append({"index": index, "record": record.decode(), "receipt": receipts[index]})
    bundle["credentials"][forged.digest] = SignedDocument.from_bytes(forged.raw).canonical.decode()
    report = battery.verify(bundle)
    forged_node = next(n for n in report.others if n.credential == forged.digest)
    authority = next(c for c in forged_node.checks if c.name == "authority")
    assert (authority.status, authority.code) == (Status.FAILED, "verify.authority")
    assert "registry.key_revoked" in authority.message
    assert failures(report) == {("verify.authority", forged.digest)}
