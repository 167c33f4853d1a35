"""``carbontrail attest``, ``push``, ``revoke``, ``endorse``, ``factors publish`` and ``pact export``: the
supplier's, the certification body's and the database publisher's commands (docs/attestations-api.md).

``attest`` signs a footprint attestation with the supplier's key file and prints the credential (its JCS
bytes); it does not submit it. ``push`` submits credential files, to the local log (``--db``/``--home``) or
to a server (``--server URL``: one ``POST /attestations`` batch). ``revoke``, ``endorse`` and ``factors
publish`` sign and submit in one step, locally or to ``--server``, and print where each credential was
logged; a refused document prints ``carbontrail: <code>: <what>: <message>`` on standard error (exit 2).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from api.attestationview import attestation_status, check_digest, credential, product_attestations
from api.commands.common import (
    add_installation_options,
    add_pact_export_options,
    pact_record_fields,
    read_file,
    settings_of,
)
from api.errors import CliError
from api.keyfile import read_key_file
from api.logservice import open_log
from api.pactrecord import DERIVED, PACT_VERSIONS, pact_record
from api.passportview import passport_status
from api.submission import open_pipeline
from identifiers.parse import parse_identifier
from passport.attestation import Attestation, sign_attestation
from passport.background import (
    benchmarks_from_document,
    dataset_from_document,
    load_benchmarks,
    load_factor_dataset,
)
from passport.document import SignedDocument
from passport.dpp import is_passport
from passport.endorsement import LEVELS, Endorsement, sign_endorsement
from passport.errors import AttestationError
from passport.factors import sign_benchmark, sign_factor_dataset
from passport.footprint import LIFE_CYCLE_STAGES, Stages
from passport.quantity import parse_decimal
from passport.records import CREDENTIAL_KINDS
from passport.revocation import Revocation, sign_revocation

Sub = Any


def register(sub: Sub) -> None:
    """Add ``attest``, ``push``, ``revoke``, ``endorse``, ``factors`` and ``pact``."""
    p = sub.add_parser("attest", help="sign a footprint attestation; prints the credential")
    p.add_argument("--key", type=Path, required=True, metavar="FILE", help="the supplier's key file")
    source = p.add_mutually_exclusive_group()
    source.add_argument(
        "--from", dest="from_file", type=Path, metavar="JSON", help="a credentialSubject file"
    )
    source.add_argument("--from-pact", type=Path, metavar="FILE", help="a PACT v2.3 or v3.0 ProductFootprint")
    p.add_argument("--subject", metavar="ID", help="productId: the product identifier")
    p.add_argument("--product-name")
    p.add_argument("--declared-unit", metavar="UNIT", help="a PACT v3.0 unit, e.g. 'kilowatt hour'")
    p.add_argument("--amount", default="1", help="unitaryProductAmount (default 1)")
    p.add_argument("--pcf", metavar="KGCO2E", help="pcfExcludingBiogenic per declared unit")
    p.add_argument("--pcf-including", metavar="KGCO2E", help="pcfIncludingBiogenic (default pcf + uptake)")
    p.add_argument("--fossil", metavar="KGCO2E", help="fossilGhgEmissions (default pcf - land use)")
    p.add_argument("--land-use", metavar="KGCO2E", help="landUseEmissions")
    p.add_argument("--biogenic-uptake", metavar="KGCO2E", help="biogenicCO2Uptake (<= 0)")
    p.add_argument("--packaging", metavar="KGCO2E", help="packagingGhgEmissions (packaging included)")
    p.add_argument("--stage", action="append", default=[], metavar="NAME=KGCO2E", help="one life-cycle stage")
    p.add_argument("--boundary", default="cradle-to-gate", choices=["cradle-to-gate", "cradle-to-grave"])
    p.add_argument(
        "--period-start", metavar="DATETIME", help="referencePeriodStart, e.g. 2025-01-01T00:00:00Z"
    )
    p.add_argument("--period-end", metavar="DATETIME", help="referencePeriodEnd (exclusive)")
    p.add_argument("--geography", help="ISO 3166-1 or 3166-2 code (CN, CN-JS) or a PACT region")
    p.add_argument("--standard", action="append", default=[], help="repeatable (default ISO14067)")
    p.add_argument("--primary-data-share", metavar="PERCENT")
    p.add_argument("--supersedes", metavar="DIGEST", help="the attestation this one replaces")
    p.add_argument("--valid-from", metavar="DATETIME")
    p.add_argument("--valid-until", metavar="DATETIME")
    p.add_argument("--out", type=Path, metavar="FILE", help="write the credential here instead of stdout")
    p.set_defaults(run=run_attest)

    p = sub.add_parser("push", help="submit credential files (local log, or --server URL)")
    _target(p)
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.set_defaults(run=run_push)

    p = sub.add_parser(
        "revoke", help="revoke an attestation or passport of your organisation (signed and submitted)"
    )
    _target(p)
    p.add_argument("digest", metavar="DIGEST")
    p.add_argument("--key", type=Path, required=True, metavar="FILE")
    p.add_argument("--reason")
    p.set_defaults(run=run_revoke)

    p = sub.add_parser(
        "endorse", help="endorse an attestation as a certification body (signed and submitted)"
    )
    _target(p)
    p.add_argument("digest", metavar="DIGEST")
    p.add_argument("--key", type=Path, required=True, metavar="FILE")
    p.add_argument("--level", choices=list(LEVELS))
    p.add_argument("--standard", metavar="NAME", help="the verification standard, e.g. ISO 14064-3")
    p.add_argument("--completed-at", metavar="DATETIME")
    p.add_argument("--comments")
    p.set_defaults(run=run_endorse)

    factors = sub.add_parser("factors", help="the background database: emission-factor datasets, benchmarks")
    fc = factors.add_subparsers(dest="factors_command", required=True, metavar="FACTORS_COMMAND")
    p = fc.add_parser("publish", help="sign and submit a dataset or benchmarks (default: the shipped ones)")
    _target(p)
    p.add_argument("file", nargs="?", type=Path, metavar="FILE", help="a dataset or benchmark list (JSON)")
    p.add_argument("--key", type=Path, required=True, metavar="FILE", help="the publisher's key file")
    p.add_argument("--publisher", required=True, metavar="USCC", help="the publishing organisation")
    p.set_defaults(run=run_factors_publish)

    pact = sub.add_parser("pact", help="WBCSD PACT ProductFootprint import and export")
    pc = pact.add_subparsers(dest="pact_command", required=True, metavar="PACT_COMMAND")
    p = pc.add_parser("export", help="print a logged attestation as a PACT ProductFootprint")
    add_installation_options(p)
    p.add_argument("attestation", metavar="DIGEST|ID", help="a credential digest, or a product's current one")
    add_pact_export_options(p)
    p.set_defaults(run=run_pact_export)


def _target(p: argparse.ArgumentParser) -> None:
    add_installation_options(p)
    p.add_argument(
        "--server", metavar="URL", help="submit to this carbontrail server instead of the local log"
    )


# --- submitting -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Result:
    index: int | None
    credential: str | None
    duplicate: bool = False
    code: str | None = None
    message: str | None = None


def _post(server: str, raws: Sequence[bytes]) -> list[_Result]:
    import httpx

    body = b"[" + b",".join(raws) + b"]"  # each credential's exact bytes, as a batch
    try:
        response = httpx.post(
            server.rstrip("/") + "/attestations",
            content=body,
            headers={"content-type": "application/json"},
            timeout=60,
        )
    except httpx.HTTPError as e:
        raise CliError("cli.server", f"{server}: {e}") from e
    data = _json(response)
    if response.status_code != 200:
        raise CliError(str(data.get("code", "cli.server")), str(data.get("detail", response.text)))
    return [
        _Result(r["index"], r["credential"], r["duplicate"], r.get("code"), r.get("message"))
        for r in data["results"]
    ]


def _json(response: Any) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError as e:
        raise CliError("cli.server", f"the server answered {response.status_code} without JSON") from e
    if not isinstance(data, dict):
        raise CliError("cli.server", "the server's answer is not a JSON object")
    return data


def _submit(args: argparse.Namespace, raws: Sequence[bytes], names: Sequence[str]) -> int:
    if args.server is not None:
        results = _post(args.server, raws)
    else:
        outcomes = open_pipeline(open_log(settings_of(args))).submit(raws, kinds=CREDENTIAL_KINDS)
        results = [_Result(o.index, o.digest, o.duplicate, o.code, o.message) for o in outcomes]
    status = 0
    for name, r in zip(names, results, strict=True):
        if r.index is None:
            print(f"carbontrail: {r.code}: {name}: {r.message}", file=sys.stderr)
            status = 2
        else:
            note = " (already logged)" if r.duplicate else ""
            print(f"{name}: logged at index {r.index}{note}; credential {r.credential}")
    return status


def _status_of(args: argparse.Namespace, digest: str) -> dict[str, Any]:
    """The status of a logged attestation, from the server or the local log."""
    check_digest(digest)
    if args.server is not None:
        import httpx

        try:
            response = httpx.get(f"{args.server.rstrip('/')}/attestations/{digest}", timeout=60)
        except httpx.HTTPError as e:
            raise CliError("cli.server", f"{args.server}: {e}") from e
        data = _json(response)
        if response.status_code != 200:
            raise CliError(str(data.get("code", "cli.server")), str(data.get("detail", "")))
        status: dict[str, Any] = data["status"]
        return status
    log = open_log(settings_of(args))
    with log.store.engine.connect() as conn:
        found = attestation_status(conn, digest)
    if found is None:
        raise CliError("api.not_found", f"no attestation {digest} is logged")
    return found


# --- commands -------------------------------------------------------------------------------------------


def _dec(value: str, what: str) -> Decimal:
    return parse_decimal(value, what, AttestationError)


def _from_flags(args: argparse.Namespace) -> Attestation:
    missing = [
        flag
        for flag, value in (
            ("--subject", args.subject),
            ("--declared-unit", args.declared_unit),
            ("--pcf", args.pcf),
            ("--period-start", args.period_start),
            ("--period-end", args.period_end),
        )
        if value is None
    ]
    if missing:
        raise CliError("cli.usage", f"attest needs {', '.join(missing)} (or --from / --from-pact)")
    pcf = _dec(args.pcf, "--pcf")
    land_use = None if args.land_use is None else _dec(args.land_use, "--land-use")
    uptake = None if args.biogenic_uptake is None else _dec(args.biogenic_uptake, "--biogenic-uptake")
    fossil = _dec(args.fossil, "--fossil") if args.fossil is not None else pcf - (land_use or 0)
    including = (
        _dec(args.pcf_including, "--pcf-including") if args.pcf_including is not None else pcf + (uptake or 0)
    )
    stages: dict[str, Decimal] = {}
    for item in args.stage:
        name, _, value = item.partition("=")
        if name not in LIFE_CYCLE_STAGES:
            raise CliError("cli.usage", f"--stage {item!r}: the stages are {', '.join(LIFE_CYCLE_STAGES)}")
        stages[name] = _dec(value, f"stage {name}")
    packaging = None if args.packaging is None else _dec(args.packaging, "--packaging")
    return Attestation(
        product_id=parse_identifier(args.subject).canonical,
        product_name=args.product_name,
        declared_unit=args.declared_unit,
        unitary_product_amount=_dec(args.amount, "--amount"),
        pcf_excluding_biogenic=pcf,
        pcf_including_biogenic=including,
        fossil_ghg_emissions=fossil,
        land_use_emissions=land_use,
        biogenic_co2_uptake=uptake,
        packaging_emissions_included=packaging is not None,
        packaging_ghg_emissions=packaging,
        stages=Stages.from_items(stages) if stages else None,
        boundary=args.boundary,
        reference_period_start=args.period_start,
        reference_period_end=args.period_end,
        geography=args.geography,
        standards=tuple(args.standard or ["ISO14067"]),
        primary_data_share=None
        if args.primary_data_share is None
        else _dec(args.primary_data_share, "--primary-data-share"),
        supersedes=args.supersedes,
    )


def run_attest(args: argparse.Namespace) -> int:
    key = read_key_file(args.key)
    if args.from_file is not None:
        att = Attestation.from_subject(SignedDocument.from_bytes(read_file(args.from_file)).data)
    elif args.from_pact is not None:
        from passport.pact import import_pact, load_pact

        att = import_pact(load_pact(read_file(args.from_pact))).attestation
    else:
        att = _from_flags(args)
    if args.supersedes is not None and att.supersedes != args.supersedes:
        att = att.with_changes(supersedes=check_digest(args.supersedes))
    signed = sign_attestation(att, key, args.valid_from, valid_until=args.valid_until)
    if args.out is not None:
        args.out.write_bytes(signed.raw)
        print(f"{args.out}: credential {signed.digest}")
    else:
        sys.stdout.buffer.write(signed.raw + b"\n")
    return 0


def run_push(args: argparse.Namespace) -> int:
    raws = [read_file(path) for path in args.files]
    return _submit(args, raws, [str(path) for path in args.files])


def run_revoke(args: argparse.Namespace) -> int:
    key = read_key_file(args.key)
    revocation = Revocation(args.digest, _revoked_product(args, args.digest), args.reason)
    return _submit(args, [sign_revocation(revocation, key).raw], [f"revocation of {args.digest}"])


def _revoked_product(args: argparse.Namespace, digest: str) -> str:
    """The product of the logged attestation or passport ``digest``, from the server or the local log."""
    check_digest(digest)
    if args.server is not None:
        import httpx

        base = args.server.rstrip("/")
        try:
            response = httpx.get(f"{base}/attestations/{digest}", timeout=60)
            data = _json(response)
            if response.status_code == 200:
                return str(data["status"]["product"])
            stored = httpx.get(f"{base}/credentials/{digest}", timeout=60)
        except httpx.HTTPError as e:
            raise CliError("cli.server", f"{args.server}: {e}") from e
        credential_data = _json(stored) if stored.status_code == 200 else {}
        if is_passport(credential_data):  # the log judges the revocation; this only names its product
            return str(credential_data["credentialSubject"]["product"]["registeredId"])
        raise CliError(str(data.get("code", "cli.server")), str(data.get("detail", "")))
    log = open_log(settings_of(args))
    with log.store.engine.connect() as conn:
        found = attestation_status(conn, digest) or passport_status(conn, digest)
    if found is None:
        raise CliError("api.not_found", f"no attestation or passport {digest} is logged")
    return str(found["product"])


def run_endorse(args: argparse.Namespace) -> int:
    key = read_key_file(args.key)
    status = _status_of(args, args.digest)
    endorsement = Endorsement(
        args.digest, status["product"], args.level, args.standard, args.completed_at, args.comments
    )
    return _submit(args, [sign_endorsement(endorsement, key).raw], [f"endorsement of {args.digest}"])


def run_factors_publish(args: argparse.Namespace) -> int:
    from identifiers.uscc import parse_uscc

    key = read_key_file(args.key)
    publisher = parse_uscc(args.publisher).canonical
    raws: list[bytes] = []
    names: list[str] = []
    if args.file is None:
        dataset = load_factor_dataset(publisher)
        benchmarks = load_benchmarks()
    else:
        document = json.loads(read_file(args.file))
        if isinstance(document, dict):
            dataset, benchmarks = dataset_from_document(document, publisher), ()
        else:
            dataset, benchmarks = None, benchmarks_from_document(document)
    if dataset is not None:
        raws.append(sign_factor_dataset(dataset, key).raw)
        names.append(f"factor dataset {dataset.dataset_id} {dataset.version}")
    for benchmark in benchmarks:
        raws.append(sign_benchmark(benchmark, key).raw)
        names.append(f"benchmark {benchmark.category} {benchmark.version}")
    return _submit(args, raws, names)


def run_pact_export(args: argparse.Namespace) -> int:
    from passport.pact import VERSIONS, dump_pact, export_pact

    version = PACT_VERSIONS[args.version]
    pipeline = open_pipeline(open_log(settings_of(args)))
    with pipeline.log.store.engine.connect() as conn:
        digest = args.attestation
        if not digest.startswith("sha256:"):
            product = parse_identifier(digest).canonical
            current = [a for a in product_attestations(conn, product) if a["status"] == "valid"]
            if not current:
                raise CliError("api.not_found", f"no valid attestation of {product} is logged")
            digest = current[0]["credential"]
        stored = credential(conn, digest)
        status = attestation_status(conn, digest)
    if stored is None or status is None:
        raise CliError("api.not_found", f"no attestation {digest} is logged")
    data = SignedDocument.from_bytes(stored[0]).data
    att = Attestation.from_credential(data)
    legal_name = pipeline.registry_state().organisation(status["issuer"]).legal_name
    record = pact_record(version, status, data, att, legal_name, args.issuer_domain)
    record |= pact_record_fields(args) or {}
    keys = VERSIONS[version].RECORD_KEYS
    record = {k: v for k, v in record.items() if k in keys or k not in DERIVED}
    exported = export_pact(att, version, record=record, issuer_domain=args.issuer_domain)
    sys.stdout.buffer.write(dump_pact(exported) + b"\n")
    return 0
