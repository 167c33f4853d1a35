"""Verifying a tlog-proof@v1 receipt against the Ed25519 verifications it cannot do without.

The receipt is for a random entry of the benchmark's small log (built through the sequencer; its inclusion
proof comes from :meth:`LogStore.inclusion_proof`), with the log's stored checkpoint cosigned by N witnesses
and a policy requiring all N. The measured call is what an offline verifier does with the receipt's bytes,
the entry and a policy loaded once: ``verify_receipt(parse_receipt(data), entry, None, policy)`` (parse,
shape checks, the log's signature, every trusted cosignature, the quorum, the leaf hash, the inclusion
proof). The reference is exactly the N + 1 Ed25519 verifications it needs, made with ``cryptography``
directly on public keys loaded beforehand over messages built beforehand. Both are timed in alternating
rounds; the figure is the ratio of the medians.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from bench.harness import BenchResult, Figure, Workspace, interleaved_medians
from bench.logbuild import built_log, entry

NAME = "receipts"
TIMESTAMP = 1_700_000_000


def _pair(ws: Workspace, witnesses: int) -> tuple[Callable[[], object], Callable[[], object], int]:
    """Return (verify the receipt, the bare Ed25519 verifications, the proof's length)."""
    from ledger import keys
    from ledger.cosignature import CosignatureSigner, CosignatureVerifier, cosign, cosigned_message
    from ledger.note import Ed25519Signer, parse_note
    from ledger.policy import Policy
    from ledger.receipt import Receipt, format_receipt, parse_receipt, verify_receipt
    from ledger.storage.store import LogStore

    log = built_log(ws, ws.sizes.proof_small)
    store = LogStore.open(str(log.path))
    stored = store.latest_checkpoint()
    assert stored is not None
    index = random.Random(witnesses).randrange(stored.size)
    proof = store.inclusion_proof(index, stored.size)
    store.engine.dispose()

    log_verifier = Ed25519Signer.from_skey(keys.read_private_key(log.skey_path)).verifier()
    signers = [
        CosignatureSigner.from_skey(keys.generate_witness_key(f"witness{j}.example")[0])
        for j in range(witnesses)
    ]
    note = parse_note(stored.note)
    cosigs = [cosign(note.text, s, TIMESTAMP + j) for j, s in enumerate(signers)]
    data = format_receipt(Receipt(index, tuple(proof), note.with_signatures(cosigs).to_bytes()))
    policy = Policy.from_keys(log_verifier.vkey, [s.verifier().vkey for s in signers], witnesses)
    the_entry = entry(index)

    def full() -> object:
        return verify_receipt(parse_receipt(data), the_entry, None, policy)

    # The reference: the log's signature and each cosignature, nothing else.
    text = note.text.encode()
    checks: list[tuple[Ed25519PublicKey, bytes, bytes]] = [
        (Ed25519PublicKey.from_public_bytes(log_verifier.public_key), note.signatures[0].signature, text)
    ]
    for j, (s, c) in enumerate(zip(signers, cosigs, strict=True)):
        v: CosignatureVerifier = s.verifier()
        pk = Ed25519PublicKey.from_public_bytes(v.public_key)
        checks.append((pk, c.signature[8:], cosigned_message(text, TIMESTAMP + j)))

    def bare() -> object:
        for pk, sig, msg in checks:
            pk.verify(sig, msg)
        return None

    verified = verify_receipt(parse_receipt(data), the_entry, None, policy)
    assert len(verified.witnesses) == witnesses
    bare()
    return full, bare, len(proof)


def run(ws: Workspace) -> BenchResult:
    """Time receipt verification against bare Ed25519 verifications, for each number of witnesses."""
    sz = ws.sizes
    result = BenchResult(NAME)
    proof_len = 0
    for n in sz.receipt_witnesses:
        print(f"  receipts with {n} cosignature(s) ...", file=sys.stderr, flush=True)
        full, bare, proof_len = _pair(ws, n)
        t_full, t_bare = interleaved_medians([full, bare], sz.receipt_rounds, sz.receipt_loops)
        result.figures.append(
            Figure(
                name=f"verify receipt, {n} cosignature(s), quorum {n}",
                measured=f"{t_full * 1e6:,.1f} us vs {t_bare * 1e6:,.1f} us",
                ratio=t_full / t_bare,
                ratio_of=f"receipt / {n + 1} Ed25519 verify",
                op="<=",
                bound=1.3,
            )
        )
    result.notes.append(
        f"receipt for an entry of the {sz.proof_small:,}-entry log ({proof_len} proof hashes; a "
        f"1,000,000-entry log has 20); {sz.receipt_rounds} alternating rounds of {sz.receipt_loops} calls; "
        "the reference's public keys are loaded and its messages built before timing"
    )
    return result
