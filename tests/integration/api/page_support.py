"""Shared by the passport page tests: the battery chain (lithium carbonate attestation, cathode, cell and pack
passports) and a GS1-identified wafer passport logged on one installation, with what the page must show."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from identifiers.registry_ops import RegistryOperation as Op
from passport.attestation import sign_attestation
from passport.document import SignedDocument
from tests.integration.api.passport_support import MAKER_ORG, Chains
from tests.integration.api.registry_support import VALID_FROM
from tests.unit.passport import chain_fixtures as cf

PACK = "88.118.4/PACK-14kWh"
GTIN = "09506000164908"


@dataclass(frozen=True)
class Logged:
    """One logged document: its signed form and log index."""

    doc: SignedDocument
    index: int

    @property
    def subject(self) -> dict[str, Any]:
        """The credential's subject."""
        subject: dict[str, Any] = json.loads(self.doc.canonical)["credentialSubject"]
        return subject


@dataclass(frozen=True)
class LoggedChains:
    """What was logged, by name."""

    lithium: Logged
    cathode: Logged
    cell: Logged
    pack: Logged
    wafer: Logged


def log_chains(chains: Chains) -> LoggedChains:
    """Log the battery chain tier by tier and a wafer passport under a GTIN (the maker is bound the GS1
    company prefix 9506000 for it)."""
    lithium = sign_attestation(cf.LITHIUM_CARBONATE, chains.lithium, VALID_FROM)
    lithium_index = chains.push(lithium.raw)
    _, cathode, cathode_index = chains.tier(cf.CATHODE, seed=2)
    _, cell, cell_index = chains.tier(cf.CELL, seed=3)
    _, pack, pack_index = chains.tier(cf.PACK, seed=4)
    chains.inst.logged(Op.bind_prefixes(MAKER_ORG, ["gs1:9506000"]))
    wafer_spec = cf.WAFER.replace("88.118.5/WAFER-M10", GTIN).replace("mono wafer M10", "单晶硅片 M10")
    _, wafer, wafer_index = chains.tier(wafer_spec, seed=5)
    return LoggedChains(
        Logged(lithium, lithium_index),
        Logged(cathode, cathode_index),
        Logged(cell, cell_index),
        Logged(pack, pack_index),
        Logged(wafer, wafer_index),
    )
