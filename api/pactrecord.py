"""The PACT host-record fields carbontrail derives for an export of a logged credential (passport/pact.py
``record``): shared by the attestation's export (``carbontrail pact export``) and the passport's
(``api/passportpact.py``)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from passport.attestation import Attestation

PACT_VERSIONS = {"2": "2.3", "2.3": "2.3", "3": "3.0", "3.0": "3.0"}
"""The PACT versions an export may name, as ``--version`` takes them, and the version each means."""

DERIVED = frozenset({"id", "created", "status", "companyName", "companyIds", "productDescription",
                      "productNameCompany", "precedingPfIds", "version", "comment"})  # fmt: skip
"""The record fields :func:`pact_record` derives (a ``--record`` file may set the others)."""


def pact_record(
    version: str,
    status: dict[str, Any],
    data: Mapping[str, Any],
    att: Attestation,
    legal_name: str,
    domain: str,
) -> dict[str, Any]:
    """The PACT host-record fields a logged attestation gives (passport/pact.py ``record``): a UUID derived
    from the credential's digest (the same one on every export), ``created`` = ``validFrom``, ``status``
    (``Deprecated`` once superseded or revoked), the issuer's legal name and USCC, the product's name."""
    name = att.product_name or att.product_id
    record: dict[str, Any] = {
        "id": _pact_id(status["credential"]),
        "created": data["validFrom"],
        "status": "Active" if status["status"] == "valid" else "Deprecated",
        "companyName": legal_name,
        "companyIds": [f"urn:pact:{domain}:company-id:{status['issuer']}"],
        "productDescription": name,
        "productNameCompany": name,
    }
    if status["supersedes"] is not None:
        record["precedingPfIds"] = [_pact_id(status["supersedes"])]
    if version == "2.3":
        record |= {"version": 1, "comment": ""}
    return record


def _pact_id(digest: str) -> str:
    return str(uuid.UUID(bytes=bytes.fromhex(digest.removeprefix("sha256:"))[:16], version=4))
