"""The log's side of C2SP tlog-witness: ask each witness the log's policy names to cosign a checkpoint.

For each witness with a URL, ``POST <url>/add-checkpoint`` with ``old <size>`` (the last size that witness
cosigned for this log, 0 at first), the consistency proof from there, a blank line and the log-signed
checkpoint. A 409 answer carries the witness's recorded size (``text/x.tlog.size``): the log retries once from
that size. Each returned cosignature is verified with the witness's key from the policy before it is stored.
A witness that is down or refuses only means fewer cosignatures; the log carries on and says so.
"""

from __future__ import annotations

import base64
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx

from ledger.checkpoint import parse_decimal
from ledger.errors import LedgerError, MalformedError
from ledger.note import parse_note, verify_note
from ledger.policy import PolicyWitness

if TYPE_CHECKING:
    from api.logservice import Log

MAX_ATTEMPTS = 2


@dataclass(frozen=True)
class WitnessOutcome:
    """What one witness answered: cosigned (True) or the reason it did not."""

    name: str
    cosigned: bool
    detail: str


def cosign_latest(log: Log) -> list[WitnessOutcome]:
    """Ask every witness with a URL to cosign the latest checkpoint; store the cosignatures that verify."""
    latest = log.store.latest_checkpoint()
    witnesses = [w for w in log.policy.witnesses if w.url]
    if latest is None or not witnesses:
        return []
    outcomes = [request_cosignature(log, w, latest.size) for w in witnesses]
    for outcome in outcomes:
        if not outcome.cosigned:
            print(f"carbontrail: witness {outcome.name}: {outcome.detail}", file=sys.stderr)
    return outcomes


def request_cosignature(log: Log, witness: PolicyWitness, size: int) -> WitnessOutcome:
    """Ask one witness to cosign the checkpoint of ``size``; store its cosignature if it verifies."""
    assert witness.url is not None  # callers pass witnesses with URLs only
    checkpoint = log.store.checkpoint(size)
    verifier = witness.verifier
    if any(_is_signed_by(line, verifier.name, verifier.key_id) for line in checkpoint.cosignatures):
        return WitnessOutcome(witness.name, True, "already cosigned")
    old = log.store.last_cosigned_size(verifier.name, verifier.key_id, size)
    url = witness.url.rstrip("/") + "/add-checkpoint"
    for _ in range(MAX_ATTEMPTS):
        proof = log.store.consistency_proof(old, size) if 0 < old < size else []
        body = (
            f"old {old}\n".encode()
            + b"".join(base64.b64encode(h) + b"\n" for h in proof)
            + b"\n"
            + checkpoint.note
        )
        try:
            response = httpx.post(url, content=body, timeout=log.settings.witness_timeout)
        except (httpx.HTTPError, httpx.InvalidURL) as e:  # a typo in a policy URL must not fail an append
            return WitnessOutcome(witness.name, False, f"unreachable: {e}")
        if response.status_code == 409 and response.headers.get("content-type", "").startswith(
            "text/x.tlog.size"
        ):
            try:
                recorded = parse_decimal(response.text.strip(), "witness size")
            except MalformedError as e:
                return WitnessOutcome(witness.name, False, f"bad 409 answer: {e.message}")
            if recorded > size:
                return WitnessOutcome(witness.name, False, f"the witness has seen size {recorded} > {size}")
            if recorded == old:
                # We sent its own recorded size and it still conflicts: it cosigned another root at this size.
                return WitnessOutcome(
                    witness.name, False, f"the witness cosigned another tree of size {size}: a fork"
                )
            old = recorded
            continue
        if response.status_code != 200:
            return WitnessOutcome(witness.name, False, f"HTTP {response.status_code}: {response.text[:200]}")
        try:
            cosigned = parse_note(checkpoint.note + response.content)
            verified = verify_note(cosigned, [verifier])
        except LedgerError as e:
            return WitnessOutcome(witness.name, False, f"bad cosignature: {e.message}")
        for sig in verified.verified:
            log.store.add_cosignature(size, sig.name, sig.key_id, sig.line().rstrip("\n"))
        return WitnessOutcome(witness.name, True, "cosigned")
    return WitnessOutcome(witness.name, False, "the witness's recorded size kept changing")


def _is_signed_by(line: str, name: str, key_id: bytes) -> bool:
    """Whether a stored cosignature line ``— <name> <base64(key ID || signature)>`` is from this key."""
    prefix = f"— {name} "
    if not line.startswith(prefix):
        return False
    try:
        raw = base64.b64decode(line[len(prefix) :], validate=True)
    except ValueError:
        return False
    return raw[:4] == key_id
