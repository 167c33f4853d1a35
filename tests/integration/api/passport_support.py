"""Shared by the passport integration tests: an installation with a lithium supplier (88.118.1), a
manufacturer (88.118.2 to 88.118.9) and a database publisher registered, the shipped background dataset and
benchmarks published, and the chain specifications of tests/unit/passport/chain_fixtures.py composed from the
log tier by tier (``api.compose``), signed and pushed."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.compose import Composition, compose
from identifiers.registry_ops import RegistryOperation as Op
from ledger.policy import Policy
from ledger.receipt import parse_receipt, verify_receipt
from passport.attestation import Attestation, sign_attestation
from passport.background import load_benchmarks, load_factor_dataset
from passport.document import SignedDocument
from passport.dpp import sign_passport
from passport.factors import sign_benchmark, sign_factor_dataset
from passport.records import PASSPORT_KINDS
from passport.spec import parse_spec
from tests.integration.api.registry_support import VALID_FROM, Installation, did, new_key, pub, uscc
from tests.unit.passport import chain_fixtures as cf

LITHIUM_ORG, MAKER_ORG, PUBLISHER_ORG, INTRUDER_ORG = uscc(11), uscc(12), uscc(13), uscc(14)
MAKER_NAME = "Changzhou Manufacturing Co., Ltd."
RESOLVER = "https://ct.example.cn"


@dataclass
class Chains:
    """The registered parties' keys on one installation."""

    inst: Installation
    lithium: Ed25519PrivateKey
    maker: Ed25519PrivateKey
    publisher: Ed25519PrivateKey
    intruder: Ed25519PrivateKey

    def push(self, raw: bytes) -> int:
        """Submit one signed document; return its index (the test fails with the refusal otherwise)."""
        outcome = self.inst.pipeline.submit([raw])[0]
        assert outcome.index is not None, (outcome.code, outcome.message)
        return outcome.index

    def attest(self, att: Attestation = cf.LITHIUM_CARBONATE) -> SignedDocument:
        """Sign ``att`` with the lithium supplier's key and push it."""
        doc = sign_attestation(att, self.lithium, VALID_FROM)
        self.push(doc.raw)
        return doc

    def compose(self, text: str, *, disclosure: str = "full", seed: int = 1) -> Composition:
        """Compose the specification ``text`` from the log, for the manufacturer (nothing is logged)."""
        return compose(
            self.inst.log, parse_spec(text), issuer=did(self.maker), issuer_name=MAKER_NAME,
            resolver_base=RESOLVER, disclosure=disclosure,
            passport_id=f"urn:uuid:00000000-0000-4000-8000-{seed:012d}", valid_from=VALID_FROM,
        )  # fmt: skip

    def tier(self, text: str, *, seed: int = 1) -> tuple[Composition, SignedDocument, int]:
        """Compose, sign with the manufacturer's key and push one tier; its composition, document, index."""
        composition = self.compose(text, seed=seed)
        doc = sign_passport(composition.credential, self.maker)
        outcome = self.inst.pipeline.submit([doc.raw], kinds=PASSPORT_KINDS)[0]
        assert outcome.index is not None, (outcome.code, outcome.message)
        return composition, doc, outcome.index

    def verify_receipt(self, receipt: str, index: int) -> None:
        """Verify a tlog-proof receipt for entry ``index`` against the log's key."""
        policy = Policy.from_keys(self.inst.vkey, [], 0)
        verified = verify_receipt(
            parse_receipt(receipt.encode()), self.inst.log.store.entry(index), None, policy
        )
        assert verified.index == index


def register_chains(inst: Installation) -> Chains:
    """Register the parties and publish the shipped dataset and benchmarks."""
    chains = Chains(inst, new_key(), new_key(), new_key(), new_key())
    prefixes = [f"88.118.{n}" for n in range(2, 10)]
    inst.logged(
        Op.register_organisation(
            LITHIUM_ORG, "Lithium", ["supplier"], prefixes=["88.118.1"], keys=[pub(chains.lithium)]
        )
    )
    inst.logged(
        Op.register_organisation(
            MAKER_ORG, MAKER_NAME, ["manufacturer"], prefixes=prefixes, keys=[pub(chains.maker)]
        )
    )
    inst.logged(
        Op.register_organisation(
            PUBLISHER_ORG, "Database", ["database-publisher"], keys=[pub(chains.publisher)]
        )
    )
    inst.logged(
        Op.register_organisation(
            INTRUDER_ORG, "Elsewhere", ["manufacturer"], prefixes=["88.119.1"], keys=[pub(chains.intruder)]
        )
    )
    dataset = sign_factor_dataset(load_factor_dataset(PUBLISHER_ORG), chains.publisher, VALID_FROM)
    raws = [dataset.raw] + [sign_benchmark(b, chains.publisher, VALID_FROM).raw for b in load_benchmarks()]
    for outcome in inst.pipeline.submit(raws):
        assert outcome.index is not None, (outcome.code, outcome.message)
    return chains
