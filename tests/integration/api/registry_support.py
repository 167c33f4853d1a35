"""Shared by the registry's integration tests: an installation, keys, USCCs, signed entries, table counts, and
the registry replayed from the log alone (log entries -> credential store -> ``identifiers.registry.replay``).

Also the worker that ``test_registry_pipeline`` runs in spawned processes (it must be importable by name).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from api import logservice
from api.keyfile import public_bytes, read_key_file
from api.orm import Credential, Document
from api.registryview import organisation_json
from api.settings import Settings
from api.submission import Pipeline, Submitted, open_pipeline
from identifiers.multikey import did_key_from_public_key, did_key_verification_method
from identifiers.registry import RegistryState, replay
from identifiers.registry_ops import RegistryOperation
from identifiers.uscc import parse_uscc
from ledger.storage.orm import Checkpoint, LogEntry, Pending
from passport.dataintegrity import EDDSA_JCS_2022, sign_credential
from passport.document import SignedDocument
from passport.registry import parse_registry_entry, sign_registry_entry

VALID_FROM = "2026-11-24T10:00:00Z"
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def uscc(n: int) -> str:
    """The n-th valid test USCC (GB 32100-2015 check character computed by trying each one)."""
    base = f"91320000MA{n:07d}"
    for c in _USCC_CHARS:
        try:
            return parse_uscc(base + c).canonical
        except ValueError:
            continue
    raise AssertionError(f"no check character for {base}")


SUPPLIER, CERT_BODY = uscc(1), uscc(2)
"""The organisations most tests register: a supplier and a certification body."""


def wrong_check(code: str) -> str:
    """``code`` with another check character (one from the right alphabet, so only the check fails)."""
    return code[:-1] + next(c for c in _USCC_CHARS if c != code[-1])


def new_key() -> Ed25519PrivateKey:
    """A fresh Ed25519 key."""
    return Ed25519PrivateKey.generate()


def pub(key: Ed25519PrivateKey) -> bytes:
    """The raw public key."""
    return public_bytes(key)


def did(key: Ed25519PrivateKey) -> str:
    """The key's did:key."""
    return did_key_from_public_key(pub(key))


def signed(op: RegistryOperation, signer: Ed25519PrivateKey) -> bytes:
    """The exact bytes of ``op`` signed as a registry entry by ``signer``."""
    return sign_registry_entry(op, signer, VALID_FROM).raw


@dataclass
class Installation:
    """An initialised log with its pipeline and the registrar's (genesis) key."""

    settings: Settings
    log: logservice.Log
    pipeline: Pipeline
    registrar: Ed25519PrivateKey
    vkey: str

    def submit(self, op: RegistryOperation, signer: Ed25519PrivateKey | None = None) -> Submitted:
        """Sign ``op`` (by default with the registrar's genesis key) and submit it."""
        return self.pipeline.submit([signed(op, signer or self.registrar)])[0]

    def logged(self, op: RegistryOperation, signer: Ed25519PrivateKey | None = None) -> int:
        """Submit and return the index, failing the test with the refusal if there is one."""
        outcome = self.submit(op, signer)
        assert outcome.index is not None, (outcome.code, outcome.message)
        return outcome.index


def install(home: Path, db_url: str, origin: str = "registry.test/log") -> Installation:
    """``carbontrail init`` in ``home`` on ``db_url``, then open the log and its pipeline."""
    settings = Settings(home=home, db_url=db_url)
    vkey = logservice.init_log(settings, origin)
    log = logservice.open_log(settings)
    return Installation(settings, log, open_pipeline(log), read_key_file(settings.registrar_key_path), vkey)


@dataclass(frozen=True)
class Tables:
    """Row counts of everything a submission may write."""

    size: int
    entries: int
    credentials: int
    documents: int
    checkpoints: int
    pending: int


def tables(log: logservice.Log) -> Tables:
    """Count the log's and the document store's rows (queried, not taken from any cache)."""
    with log.store.engine.connect() as conn:

        def count(table: Any) -> int:
            return int(conn.execute(select(func.count()).select_from(table)).scalar_one())

        return Tables(
            log.store.size(),
            count(LogEntry),
            count(Credential),
            count(Document),
            count(Checkpoint),
            count(Pending),
        )


def checkpoint_sizes(log: logservice.Log) -> list[int]:
    """Every stored checkpoint's size, ascending (one per batch that logged something)."""
    with log.store.engine.connect() as conn:
        return list(conn.execute(select(Checkpoint.size).order_by(Checkpoint.size)).scalars())


def logged_registry(log: logservice.Log) -> list[tuple[int, RegistryOperation, bytes]]:
    """The registry entries in the log, from the log's own records: each record names a credential by
    digest; the stored credential must hash to it and verify; returns (index, operation, signer) in order."""
    out = []
    with log.store.engine.connect() as conn:
        bodies = dict(conn.execute(select(Credential.digest, Credential.body)).all())
    for index, record_bytes in enumerate(log.store.iter_entries()):
        record = json.loads(record_bytes)
        body = bodies[record["credential"]]
        digest = "sha256:" + hashlib.sha256(body).hexdigest()
        assert hmac.compare_digest(digest, record["credential"])
        if record["kind"] == "registry":
            op, signer = parse_registry_entry(SignedDocument.from_bytes(body))
            out.append((index, op, signer))
    return out


def replayed(log: logservice.Log) -> RegistryState:
    """The registry replayed from the log alone, anchored at the log's recorded registrar key."""
    return replay(log.registrar_genesis, logged_registry(log))


def registry_json(state: RegistryState) -> dict[str, Any]:
    """A picklable, comparable picture of a whole registry state."""
    return {
        "last_index": state.last_index,
        "applied": state.applied,
        "registrar": [(i, k.hex()) for i, k in state.registrar_keys()],
        "organisations": [organisation_json(view) for view in state.organisations()],
    }


def two_keyed_org(inst: Installation) -> tuple[bytes, bytes, int]:
    """Register the supplier with keys k1, k2; return its revocation of k1 by the registrar (R) and the
    revocation of k2 signed by k1 (E: an entry whose authority R takes away), and the log size."""
    k1, k2 = new_key(), new_key()
    inst.logged(
        RegistryOperation.register_organisation(
            SUPPLIER, "Cells", ["supplier"], prefixes=["88.118.8"], keys=[pub(k1), pub(k2)]
        )
    )
    revocation = signed(RegistryOperation.revoke_key(SUPPLIER, pub(k1), "compromised"), inst.registrar)
    by_revoked = signed(RegistryOperation.revoke_key(SUPPLIER, pub(k2)), k1)
    return revocation, by_revoked, tables(inst.log).size


def unknown_kind() -> bytes:
    """A validly signed credential of a type carbontrail does not log."""
    key = new_key()
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential", "Advertisement"],
        "issuer": did(key),
        "validFrom": VALID_FROM,
        "credentialSubject": {"id": "did:web:example.com"},
    }
    return sign_credential(
        credential, key, did_key_verification_method(pub(key)), cryptosuite=EDDSA_JCS_2022
    ).raw


def submit_worker(
    home: str, db_url: str, documents: list[bytes], start: Any, done: Any
) -> tuple[list[tuple[int | None, str | None]], int, dict[str, Any], dict[str, Any]]:
    """Run in a spawned process: open its own Pipeline, submit ``documents`` one by one once every worker is
    ready, then report its outcomes, and its registry view at its own last index and after all are done."""
    log = logservice.open_log(Settings(home=Path(home), db_url=db_url))
    pipeline = open_pipeline(log)
    start.wait(timeout=60)
    outcomes = [(o.index, o.code) for raw in documents for o in pipeline.submit([raw])]
    mine = pipeline.registry_state()
    done.wait(timeout=60)
    final = pipeline.registry_state()
    log.store.engine.dispose()
    return outcomes, mine.last_index, registry_json(mine), registry_json(final)
