"""A battery's footprint attestation in the EU battery-passport carbon-footprint shape (docs/pact.md,
"EU battery passport").

Battery Pass data model ``io.BatteryPass.CarbonFootprint`` 1.2.0 (``CarbonFootprintForBatteries``; DIN DKE
SPEC 99100 section 6.3), which carries Regulation (EU) 2023/1542 article 7 and annex II: the footprint in kg
CO2e per kWh of the total energy the battery provides over its expected service life, per life-cycle stage
(raw material extraction, main production, distribution, end of life and recycling; the regulation leaves
the use stage out), the performance class and a link to the supporting study; optionally the absolute
footprint of one battery.

The footprint is the attestation's ``pcfExcludingBiogenic`` (temporary biogenic storage not counted, as the
regulation and ISO 14067 report it). A per-kWh attestation is taken to be per kWh of lifetime energy, the
regulation's functional unit; a per-piece one needs the lifetime energy of one battery. Divisions are exact,
or every value is rounded once (ROUND_HALF_EVEN) to ``places`` when the caller states them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal, Inexact, Rounded
from typing import Any

from passport.attestation import Attestation
from passport.errors import AttestationError, BatteryPassportError
from passport.quantity import EXACT, check_text

STAGES = (
    ("rawMaterialAcquisition", "RawMaterialExtraction"),
    ("manufacturing", "MainProduction"),
    ("distribution", "Distribution"),
    ("endOfLife", "Recycling"),
)
"""carbontrail's stage names and the Battery Pass ``LifecycleStage`` values, in life-cycle order."""

_URL = re.compile(r"https?://[^\s\"<>\\^`{|}]+")
_ROUNDING = Context(prec=120, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True)
class BatteryCarbonFootprint:
    """The battery-passport carbon-footprint values (kg CO2e per kWh of lifetime energy; ``absolute`` in kg
    CO2e per battery)."""

    per_kwh: Decimal
    stages: tuple[tuple[str, Decimal], ...]
    performance_class: str | None = None
    study: str | None = None
    absolute: Decimal | None = None

    def to_json(self) -> dict[str, Any]:
        """The ``CarbonFootprintForBatteries`` object; numbers are ``Decimal`` (write them with
        :func:`passport.pact.dump_pact`, which keeps their digits)."""
        out: dict[str, Any] = {
            "batteryCarbonFootprint": self.per_kwh,
            "carbonFootprintPerLifecycleStage": [
                {"lifecycleStage": stage, "carbonFootprint": value} for stage, value in self.stages
            ],
        }
        if self.performance_class is not None:
            out["carbonFootprintPerformanceClass"] = self.performance_class
        if self.study is not None:
            out["carbonFootprintStudy"] = self.study
        if self.absolute is not None:
            out["absoluteCarbonFootprint"] = self.absolute
        return out


def _divide(value: Decimal, by: Decimal, places: int | None) -> Decimal:
    # With places stated, every value is rounded to them, once; without, every division must be exact.
    if places is not None:
        return _ROUNDING.divide(value, by).quantize(Decimal(1).scaleb(-places), context=_ROUNDING)
    try:
        return EXACT.divide(value, by)
    except (Inexact, Rounded) as e:
        raise BatteryPassportError(
            "inexact", f"{value} / {by} is not exact; state the rounding places"
        ) from e


def battery_carbon_footprint(
    att: Attestation,
    *,
    lifetime_energy_kwh: Decimal | None = None,
    performance_class: str | None = None,
    study: str | None = None,
    places: int | None = None,
) -> BatteryCarbonFootprint:
    """The battery-passport carbon footprint of a battery attestation.

    Args:
        att: the attestation, per ``kilowatt hour`` (of lifetime energy) or per ``piece``, with stages.
        lifetime_energy_kwh: the total energy one battery provides over its expected service life; needed
            for a per-piece attestation, and gives the absolute footprint of a per-kWh one.
        performance_class: the carbon footprint performance class, if assigned (the schema requires one).
        study: an http(s) link to the public study behind the values (the schema requires one).
        places: decimal places every value is rounded to (ROUND_HALF_EVEN, once per value); None: exact only.

    Raises:
        BatteryPassportError: ``unit`` (another declared unit, or per piece without the lifetime energy),
            ``stages`` (no stages, or a non-zero use stage), ``inexact``, ``field`` (a bad argument).
    """
    if lifetime_energy_kwh is not None and lifetime_energy_kwh <= 0:
        raise BatteryPassportError("field", "lifetime_energy_kwh must be greater than 0")
    if places is not None and not 0 <= places <= 18:
        raise BatteryPassportError("field", "places runs from 0 to 18")
    if performance_class is not None:
        try:
            check_text(performance_class, "performance_class", AttestationError)
        except AttestationError as e:
            raise BatteryPassportError("field", e.message) from e
    if study is not None and _URL.fullmatch(study) is None:
        raise BatteryPassportError("field", "study must be an http(s) URL")
    if att.stages is None:
        raise BatteryPassportError(
            "stages", "the battery passport reports the footprint per life-cycle stage"
        )
    reported = dict(att.stages.items())
    if reported.get("use", Decimal(0)) != 0:
        raise BatteryPassportError(
            "stages", "the battery regulation leaves the use stage out; it is not zero"
        )
    amount = att.unitary_product_amount
    if att.declared_unit == "kilowatt hour":
        kwh = amount
    elif att.declared_unit == "piece" and lifetime_energy_kwh is not None:
        kwh = EXACT.multiply(amount, lifetime_energy_kwh)
    else:
        raise BatteryPassportError(
            "unit",
            f"a {att.declared_unit!r} footprint has no per-kWh form (per piece, give the lifetime energy)",
        )
    stages = tuple(
        (stage, _divide(reported[name], kwh, places)) for name, stage in STAGES if name in reported
    )
    absolute = None
    if lifetime_energy_kwh is not None:
        per_battery = EXACT.multiply(att.pcf_excluding_biogenic, lifetime_energy_kwh)
        absolute = _divide(per_battery, kwh, places)
    return BatteryCarbonFootprint(
        _divide(att.pcf_excluding_biogenic, kwh, places), stages, performance_class, study, absolute
    )
