"""What a manufacturer states for its passport's PACT export that the roll-up does not decide: the
specification's optional ``pact`` member (docs/passport.md, "The PACT split and export").

PACT v3.0 requires ``productMassPerDeclaredUnit``, ``fossilCarbonContent``, ``exemptedEmissionsPercent`` and
``ipccCharacterizationFactors`` (v2.3 also ``biogenicCarbonContent``); none of them is a sum of the
components' figures (a mass and carbon content are the product's, what was exempted and which IPCC report
characterised it are the study's), so the manufacturer states them, they are signed in the passport's
scorecard under the attestation's names, and the export takes them from there. Absent, the export refuses
(``pact.required``): never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from passport.envelope import check_object
from passport.errors import SpecError
from passport.quantity import format_decimal, parse_decimal

DECIMALS = (
    ("product_mass_per_declared_unit", "productMassPerDeclaredUnit"),
    ("fossil_carbon_content", "fossilCarbonContent"),
    ("biogenic_carbon_content", "biogenicCarbonContent"),
    ("exempted_emissions_percent", "exemptedEmissionsPercent"),
)
WIRE_NAMES = frozenset({*(w for _, w in DECIMALS), "ipccCharacterizationFactors"})
_IPCC = re.compile(r"AR[1-9][0-9]?")


@dataclass(frozen=True)
class PactStatements:
    """The manufacturer's statements for PACT (kg and kgC per declared unit, a percentage, IPCC reports)."""

    product_mass_per_declared_unit: Decimal | None = None
    fossil_carbon_content: Decimal | None = None
    biogenic_carbon_content: Decimal | None = None
    exempted_emissions_percent: Decimal | None = None
    ipcc_characterization_factors: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for attr, wire in DECIMALS:
            value = getattr(self, attr)
            if value is not None and value < 0:
                raise SpecError("amount", f"pact.{wire} must not be negative")
        if self.exempted_emissions_percent is not None and self.exempted_emissions_percent > 100:
            raise SpecError("amount", "pact.exemptedEmissionsPercent runs from 0 to 100")
        ars = self.ipcc_characterization_factors
        if not all(isinstance(a, str) and _IPCC.fullmatch(a) for a in ars) or len(set(ars)) != len(ars):
            raise SpecError(
                "field", "pact.ipccCharacterizationFactors lists distinct reports (AR5, AR6, ...)"
            )

    def to_wire(self) -> dict[str, Any]:
        """The members as written (decimal strings, the reports as a list), only those stated."""
        out: dict[str, Any] = {
            w: format_decimal(getattr(self, a)) for a, w in DECIMALS if getattr(self, a) is not None
        }
        if self.ipcc_characterization_factors:
            out["ipccCharacterizationFactors"] = list(self.ipcc_characterization_factors)
        return out

    def as_attestation_fields(self) -> dict[str, Any]:
        """The statements as :class:`~passport.attestation.Attestation` keyword arguments."""
        out: dict[str, Any] = {a: getattr(self, a) for a, _ in DECIMALS if getattr(self, a) is not None}
        if self.ipcc_characterization_factors:
            out["ipcc_characterization_factors"] = self.ipcc_characterization_factors
        return out


def read_pact(value: Any, what: str = "pact") -> PactStatements:
    """Read the ``pact`` object (the specification's, or the scorecard's members).

    Raises:
        SpecError: an unknown or mistyped member, a bad decimal, a negative amount, a bad report.
    """
    obj = check_object(value, what, set(), set(WIRE_NAMES), SpecError)
    if not obj:
        raise SpecError("field", f"{what} states at least one member (leave it out otherwise)")
    values: dict[str, Any] = {
        a: parse_decimal(obj[w], f"{what}.{w}", SpecError) for a, w in DECIMALS if w in obj
    }
    if "ipccCharacterizationFactors" in obj:
        ars = obj["ipccCharacterizationFactors"]
        if not isinstance(ars, list) or not ars:
            raise SpecError("field", f"{what}.ipccCharacterizationFactors is a non-empty list")
        values["ipcc_characterization_factors"] = tuple(ars)
    return PactStatements(**values)
