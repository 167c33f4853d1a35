"""A product's QR carbon label from its latest valid passport (the figures it prints are that passport's)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection

from api.errors import NotFoundError
from api.labels import LabelContent
from api.passportview import latest_passport
from passport.units import REC20_CODES

UNIT_SYMBOLS = {
    "KGM": "kg",
    "KWH": "kWh",
    "LTR": "L",
    "MTQ": "m3",
    "3B": "MJ",
    "TKM": "tkm",
    "MTK": "m2",
    "H87": "piece",
    "HUR": "h",
}
"""How a UN/ECE Recommendation 20 declared unit is printed after ``kgCO2e/``."""

assert set(UNIT_SYMBOLS) == set(REC20_CODES.values()), "every declared unit a passport can have prints"


def label_content(conn: Connection, product: str, base_url: str) -> LabelContent:
    """What the label of ``product`` (canonical identifier) shows, from its latest valid passport.

    Raises:
        NotFoundError: no valid passport of the product is logged.
        LabelError: the passport's figures or the base URL cannot make a label.
    """
    found = latest_passport(conn, product)
    if found is None:
        raise NotFoundError(f"no valid passport of {product} is logged")
    _summary, body = found
    credential: dict[str, Any] = json.loads(body)
    subject = credential["credentialSubject"]
    scorecard = subject.get("emissionsScorecard", {})
    claims = subject.get("conformityClaim") or []
    claim = claims[0] if claims and isinstance(claims[0], dict) else {}
    benchmark = claim.get("benchmark") or {}
    amount = scorecard.get("unitaryProductAmount", "1")
    unit = UNIT_SYMBOLS.get(scorecard.get("declaredUnit", ""), scorecard.get("declaredUnit", ""))
    per = unit if amount in ("1", "1.0") else f"{amount} {unit}"
    return LabelContent(
        base_url=base_url,
        product_id=product,
        name=subject.get("product", {}).get("name") or product,
        footprint=scorecard["pcfExcludingBiogenic"],
        unit=f"kgCO2e/{per}",
        grade=claim.get("grade"),
        category=benchmark.get("category") if claim.get("grade") else None,
        date=str(credential.get("validFrom", ""))[:10],
    )
