"""carbontrail's two PACT data model extensions (docs/pact.md): building, reading and checking them.

WBCSD PACT Technical Specification for Data Model Extensions (``specVersion`` 2.0.0, section 5 "JSON
Representation"), as the PACT v2.3 and v3.0 mappings use it (:mod:`passport.pact_v2`,
:mod:`passport.pact_v3`).

Two extensions, two directions:

* the **footprint extension** (:data:`~passport.pact_common.FOOTPRINT_SCHEMA`) travels inside an exported
  PACT document and carries what carbontrail's model states and PACT has no field for (boundary, stage
  breakdown, uncertainty, ...);
* the **fields extension** (:data:`~passport.pact_common.FIELDS_SCHEMA`) travels inside an attestation and
  carries, verbatim, the PACT fields an import did not model (company, descriptions, assurance, record
  metadata, ...), so that the export gives the imported document back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from passport import footprint as fp
from passport.document import canonical_json
from passport.errors import PactError
from passport.pact_common import (
    EXTENSION_SPEC_VERSION,
    FIELDS_DOCUMENTATION,
    FIELDS_SCHEMA,
    FOOTPRINT_DOCUMENTATION,
    FOOTPRINT_SCHEMA,
    dec_in,
    dec_out,
    err,
)

FOOTPRINT_KEYS = frozenset(
    {
        "boundary", "stages", "productCategory", "uncertainty", "factorDatasets", "supersedes", "dqi",
        "components", "standards", "recordFields", "pactFields",
    }
)  # fmt: skip
"""Members the footprint extension's ``data`` may have (docs/pact.md, "The footprint extension")."""


def extension_to_json(ext: fp.PactExtension) -> dict[str, Any]:
    """A PACT ``DataModelExtension`` object from an attestation's extension."""
    out: dict[str, Any] = {"specVersion": ext.spec_version, "dataSchema": ext.data_schema}
    if ext.documentation is not None:
        out["documentation"] = ext.documentation
    out["data"] = ext.data_value
    return out


def extension_from_json(value: Any, what: str) -> fp.PactExtension:
    """An attestation extension from a PACT ``DataModelExtension`` object, verbatim.

    Raises:
        PactError: ``pact.schema`` (not the DataModelExtension shape).
    """
    if not isinstance(value, dict) or not {"specVersion", "dataSchema", "data"} <= set(value):
        raise err("schema", f"{what} must be a DataModelExtension (specVersion, dataSchema, data)")
    if set(value) - {"specVersion", "dataSchema", "data", "documentation"}:
        raise err("unrepresentable", f"{what} has members beyond the DataModelExtension ones")
    doc = value.get("documentation")
    if not all(isinstance(value[k], str) for k in ("specVersion", "dataSchema")) or not (
        doc is None or isinstance(doc, str)
    ):
        raise err("schema", f"{what}: specVersion, dataSchema and documentation are strings")
    if not isinstance(value["data"], dict):
        raise err("schema", f"{what}: data must be a JSON object")
    return fp.PactExtension(
        value["specVersion"], value["dataSchema"], canonical_json(_plain(value["data"])).decode(), doc
    )


def _plain(value: Any) -> Any:
    # Extension data keeps its numbers; a Decimal read by load_pact becomes the float it denotes only if
    # that is exact, else the import cannot keep it (JCS numbers are doubles).
    if isinstance(value, Decimal):
        as_float = float(value)
        if Decimal(repr(as_float)) != value:
            raise err("unrepresentable", f"the number {value} has no exact JSON (double) form")
        return int(value) if value == value.to_integral_value() and abs(value) < 2**53 else as_float
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def footprint_extension(data: Mapping[str, Any]) -> dict[str, Any]:
    """carbontrail's footprint extension object around ``data``."""
    return {
        "specVersion": EXTENSION_SPEC_VERSION,
        "dataSchema": FOOTPRINT_SCHEMA,
        "documentation": FOOTPRINT_DOCUMENTATION,
        "data": dict(data),
    }


def fields_extension(data: Mapping[str, Any]) -> fp.PactExtension:
    """The attestation-side extension carrying unmodelled PACT fields verbatim."""
    return fp.PactExtension(
        EXTENSION_SPEC_VERSION,
        FIELDS_SCHEMA,
        canonical_json(_plain(dict(data))).decode(),
        FIELDS_DOCUMENTATION,
    )


def check_footprint_data(data: Any) -> dict[str, Any]:
    """Check the footprint extension's ``data`` has only known members of the right JSON types.

    Raises:
        PactError: ``pact.extension``.
    """
    if not isinstance(data, dict) or set(data) - FOOTPRINT_KEYS:
        raise err(
            "extension", f"the carbontrail footprint extension has members beyond {sorted(FOOTPRINT_KEYS)}"
        )
    kinds: dict[str, type] = {
        "boundary": str, "stages": dict, "productCategory": str, "uncertainty": dict, "factorDatasets": list,
        "supersedes": str, "dqi": dict, "components": dict, "standards": list, "recordFields": list,
        "pactFields": dict,
    }  # fmt: skip
    for key, value in data.items():
        if not isinstance(value, kinds[key]) or (isinstance(value, (dict, list)) and not value):
            raise err(
                "extension", f"the footprint extension's {key} must be a non-empty {kinds[key].__name__}"
            )
    for key in ("standards", "recordFields"):
        if not all(isinstance(v, str) for v in data.get(key, [])):
            raise err("extension", f"the footprint extension's {key} lists strings")
    return data


def stages_out(stages: fp.Stages) -> dict[str, str]:
    """The stage breakdown's wire form (decimal strings by life-cycle stage)."""
    return {name: dec_out(value) for name, value in stages.items()}


def stages_in(value: Any) -> fp.Stages:
    """Read the footprint extension's ``stages``.

    Raises:
        PactError: ``pact.extension``.
    """
    if not isinstance(value, dict) or not value or set(value) - set(fp.LIFE_CYCLE_STAGES):
        raise err("extension", f"stages maps some of {list(fp.LIFE_CYCLE_STAGES)} to decimals")
    return fp.Stages.from_items({k: _ext_dec(v, f"stages.{k}") for k, v in value.items()})


def _ext_dec(value: Any, what: str) -> Decimal:
    try:
        return dec_in(value, what)
    except PactError as e:
        raise err("extension", f"the footprint extension's {e.message}") from e


def ext_decimals(value: Any, names: Iterable[str], what: str) -> dict[str, Decimal]:
    """Read the named decimal members of a footprint extension object (others refused).

    Raises:
        PactError: ``pact.extension``.
    """
    allowed = set(names)
    if not isinstance(value, dict) or set(value) - allowed:
        raise err("extension", f"the footprint extension's {what} has members beyond {sorted(allowed)}")
    return {k: _ext_dec(v, f"{what}.{k}") for k, v in value.items()}


def factor_datasets_in(value: Any) -> tuple[fp.FactorDatasetRef, ...]:
    """Read the footprint extension's ``factorDatasets`` (carbontrail's references with digests).

    Raises:
        PactError: ``pact.extension``.
    """
    refs = []
    for item in value:
        if not isinstance(item, dict) or not {"datasetId", "version"} <= set(item) <= {
            "datasetId", "version", "credential"
        } or not all(isinstance(v, str) for v in item.values()):  # fmt: skip
            raise err("extension", "a factor dataset is {datasetId, version[, credential]} strings")
        refs.append(fp.FactorDatasetRef(item["datasetId"], item["version"], item.get("credential")))
    return tuple(refs)


def factor_datasets_out(refs: tuple[fp.FactorDatasetRef, ...]) -> list[dict[str, str]]:
    """The footprint extension's ``factorDatasets``."""
    return [
        {"datasetId": r.dataset_id, "version": r.version}
        | ({} if r.credential is None else {"credential": r.credential})
        for r in refs
    ]
