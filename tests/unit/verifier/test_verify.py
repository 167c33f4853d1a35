"""verifier/verify.py and the modules it names: each check in isolation on hand-built bundles (the whole
chain of passports is exercised by tests/integration/verifier/)."""

from __future__ import annotations

import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from passport.attestation import sign_attestation
from passport.contexts import ContextStore
from passport.document import SignedDocument
from passport.envelope import public_key_bytes
from passport.records import leaf_record
from tests.unit.passport import chain_fixtures as cf
from tests.unit.verifier.bundles import WHEN, Made, build, record_for, supplier_bundle, supplier_org
from verifier.bundle import bundle_from_json
from verifier.report import Check, Report, Status
from verifier.verify import verify_bundle


def verify(made: Made, **options: Any) -> Report:
    return verify_bundle(bundle_from_json(made.bundle), made.policy, made.registrar, **options)


def checks_of(report: Report, digest: str) -> dict[str, Check]:
    node = next(n for o in (report.tree, *report.others) for n in o.walk() if n.credential == digest)
    return {c.name: c for c in node.checks}


def bundle_check(report: Report, name: str) -> Check:
    return next(c for c in report.checks if c.name == name)


def test_a_sound_attestation_passes_every_check_it_has() -> None:
    made, _ = supplier_bundle()
    report = verify(made)
    attestation = made.documents[1].digest
    checks = checks_of(report, attestation)
    for name in (
        "inclusion",
        "digest",
        "record",
        "signature",
        "contexts",
        "authority",
        "status",
        "endorsements",
    ):
        assert checks[name].status is Status.PASSED, checks[name]
    assert checks_of(report, made.documents[0].digest)["authority"].status is Status.PASSED
    # Not a passport bundle: the bundle-wide check says so, and only it fails.
    assert {(c.name, c.code) for c in report.failures()} == {("bundle", "verify.bundle")}
    assert report.tree.credential == attestation
    assert report.checkpoint is not None
    assert report.checkpoint.size == 2
    assert report.checkpoint.time is None


def test_the_checkpoint_must_be_the_trusted_logs() -> None:
    made, _ = supplier_bundle()
    other, _ = supplier_bundle()
    report = verify_bundle(bundle_from_json(made.bundle), other.policy, made.registrar)
    assert bundle_check(report, "checkpoint").code == "verify.checkpoint"
    assert bundle_check(report, "checkpoint").status is Status.FAILED


def test_the_quorum_and_its_newest_time() -> None:
    made, _ = supplier_bundle(witnesses=3, quorum=2)
    report = verify(made)
    assert bundle_check(report, "quorum").status is Status.PASSED
    assert report.checkpoint is not None
    assert report.checkpoint.time == 1_700_000_002
    # Drop every cosignature: the quorum is not met.
    note = made.bundle["checkpoint"]
    made.bundle["checkpoint"] = note[: note.index("\u2014 w0.test")]
    report = verify(made)
    assert (bundle_check(report, "quorum").status, bundle_check(report, "quorum").code) == (
        Status.FAILED,
        "verify.quorum",
    )


def test_a_receipt_against_another_checkpoint_fails_inclusion() -> None:
    made, _ = supplier_bundle()
    other, _ = supplier_bundle()
    made.bundle["records"][1]["receipt"] = other.bundle["records"][1]["receipt"]
    report = verify(made)
    check = checks_of(report, made.documents[1].digest)["inclusion"]
    assert (check.status, check.code) == (Status.FAILED, "verify.receipt")


def test_changed_bytes_fail_the_digest_and_nothing_else_is_claimed() -> None:
    made, _ = supplier_bundle()
    digest = made.documents[1].digest
    made.bundle["credentials"][digest] = made.bundle["credentials"][digest].replace("12.00", "11.00", 1)
    checks = checks_of(verify(made), digest)
    assert (checks["digest"].status, checks["digest"].code) == (Status.FAILED, "verify.digest")
    assert checks["signature"].status is Status.NOT_CHECKED
    assert checks["authority"].status is Status.NOT_CHECKED


def test_a_withheld_attestation_is_not_checked_but_its_authority_is_judged_from_its_record() -> None:
    made, _ = supplier_bundle()
    digest = made.documents[1].digest
    made.bundle["scope"] = "public"
    del made.bundle["credentials"][digest]
    report = verify(made)
    checks = checks_of(report, digest)
    for name in ("digest", "signature", "contexts", "record"):
        assert (checks[name].status, checks[name].code) == (Status.NOT_CHECKED, "verify.withheld")
    assert checks["authority"].status is Status.PASSED
    assert checks["inclusion"].status is Status.PASSED
    # A full bundle must carry it.
    made.bundle["scope"] = "full"
    checks = checks_of(verify(made), digest)
    assert (checks["digest"].status, checks["digest"].code) == (Status.FAILED, "verify.missing")


def test_a_logged_credential_whose_proof_does_not_verify_fails_its_signature() -> None:
    registrar, supplier = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    entry = supplier_org(registrar, supplier)
    data = json.loads(sign_attestation(cf.LITHIUM_CARBONATE, supplier, WHEN).raw)
    value = data["proof"]["proofValue"]
    data["proof"]["proofValue"] = value[:20] + ("3" if value[20] != "3" else "4") + value[21:]
    forged = SignedDocument.from_json(data)
    record = leaf_record("attestation", forged.digest, cf.LITHIUM_CARBONATE.product_id, data["issuer"], WHEN)
    made = build([entry.raw, forged.raw], records=[record_for(entry), record],
                 registrar=public_key_bytes(registrar))  # fmt: skip
    checks = checks_of(verify(made), forged.digest)
    assert checks["digest"].status is Status.PASSED
    assert (checks["signature"].status, checks["signature"].code) == (Status.FAILED, "verify.signature")


def test_a_record_that_is_not_the_credentials_fails_the_record_check() -> None:
    registrar, supplier = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    entry = supplier_org(registrar, supplier)
    attestation = sign_attestation(cf.LITHIUM_CARBONATE, supplier, WHEN)
    wrong = record_for(attestation, subject="88.118.1/OTHER")
    made = build([entry.raw, attestation.raw], records=[record_for(entry), wrong],
                 registrar=public_key_bytes(registrar))  # fmt: skip
    checks = checks_of(verify(made), attestation.digest)
    assert (checks["record"].status, checks["record"].code) == (Status.FAILED, "verify.record")


def test_authority_is_the_registry_replayed_from_the_verifiers_registrar() -> None:
    made, _ = supplier_bundle()
    stranger = public_key_bytes(Ed25519PrivateKey.generate())
    report = verify_bundle(bundle_from_json(made.bundle), made.policy, stranger)
    for document in made.documents:
        check = checks_of(report, document.digest)["authority"]
        assert (check.status, check.code) == (Status.FAILED, "verify.authority")
    assert "registry.not_registrar" in checks_of(report, made.documents[0].digest)["authority"].message


def test_an_unregistered_signer_has_no_authority() -> None:
    registrar, supplier = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    entry = supplier_org(registrar, supplier)
    outsider = sign_attestation(cf.LITHIUM_CARBONATE, Ed25519PrivateKey.generate(), WHEN)
    made = build([entry.raw, outsider.raw], registrar=public_key_bytes(registrar))
    check = checks_of(verify(made), outsider.digest)["authority"]
    assert (check.status, check.code) == (Status.FAILED, "verify.authority")


def test_a_context_file_that_is_not_its_pinned_copy_fails_the_contexts_check(tmp_path: Any) -> None:
    made, _ = supplier_bundle()
    (tmp_path / "credentials-v2.jsonld").write_text('{"@context": {}}')
    report = verify(made, contexts=ContextStore(tmp_path))
    check = checks_of(report, made.documents[1].digest)["contexts"]
    assert (check.status, check.code) == (Status.FAILED, "verify.context")
    assert verify(made).failures() == [bundle_check(verify(made), "bundle")]
