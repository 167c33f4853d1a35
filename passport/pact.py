"""WBCSD PACT ProductFootprints to and from footprint attestations (docs/pact.md).

PACT Technical Specifications v2.3 and v3.0 (``ProductFootprint``, ``CarbonFootprint``) and the Technical
Specification for Data Model Extensions 2.0.0. passport/pact_v2.py and passport/pact_v3.py map the fields the
attestation models; this module does what is the same for both:

* **import** (:func:`import_pact`): the modelled fields become the attestation; carbontrail's footprint
  extension, if the document has one, gives what PACT has no field for (boundary, stages, ...); every other
  PACT field whose value the model would not give back travels verbatim in the attestation's fields extension
  (passport/pact_extension.py), and other parties' extensions are kept as they are. The import then exports
  its result and refuses (``pact.unrepresentable``) unless that gives the document back: an import is
  faithful or it does not happen.
* **export** (:func:`export_pact`): the model's fields, then the verbatim fields of an import of the same
  version, then the host's record (id, company, ... which the attestation does not state) fill the document;
  a required field none of them gives is refused (``pact.required``), and so is a value the version cannot
  hold (``pact.unrepresentable``). The export then imports its result and refuses unless that gives the
  attestation back.

So ``import_pact(export_pact(a, v, record=r)).attestation == a`` and ``export_pact(i.attestation, v,
record=i.record, issuer_domain=i.issuer_domain) == doc`` for ``i = import_pact(doc)``, or the call raised.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType, ModuleType
from typing import Any

from passport import pact_common as pc
from passport import pact_extension as px
from passport import pact_v2, pact_v3
from passport.attestation import Attestation
from passport.errors import AttestationError
from passport.quantity import format_decimal

VERSIONS: dict[str, ModuleType] = {pact_v2.VERSION: pact_v2, pact_v3.VERSION: pact_v3}
"""Target versions of :func:`export_pact`: ``"2.3"`` and ``"3.0"``."""


@dataclass(frozen=True)
class PactImport:
    """An imported PACT document: the attestation, the PACT version it came from (``"2.3"`` or ``"3.0"``),
    the fields the exporting host filled from its own records (carbontrail's footprint extension lists them;
    they are not part of the attestation), and the issuer domain of a ``urn:pact:<domain>:handle:`` product
    id. Give ``record`` and ``issuer_domain`` back to :func:`export_pact` to get the document back."""

    attestation: Attestation
    version: str
    record: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    issuer_domain: str | None = None


def load_pact(raw: bytes) -> dict[str, Any]:
    """Parse a PACT JSON document keeping every number's digits (JSON numbers with a fraction or exponent
    become ``Decimal``; duplicate member names are refused).

    Raises:
        PactError: ``pact.schema``: not UTF-8 JSON, or not an object.
    """

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out = dict(items)
        if len(out) != len(items):
            raise ValueError("duplicate member name")
        return out

    try:
        value = json.loads(raw.decode("utf-8"), parse_float=Decimal, object_pairs_hook=pairs)
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise pc.err("schema", f"not a JSON document: {e}") from e
    if not isinstance(value, dict):
        raise pc.err("schema", "a ProductFootprint is a JSON object")
    return value


def dump_pact(doc: Mapping[str, Any]) -> bytes:
    """Serialise an exported document as compact UTF-8 JSON, writing ``Decimal`` numbers with their exact
    digits (Python's JSON encoder would need floats, which cannot hold ``0.1``)."""
    return _json_text(doc).encode("utf-8")


def _json_text(value: Any) -> str:
    if isinstance(value, Decimal):
        return format_decimal(value)
    if isinstance(value, Mapping):
        members = (f"{json.dumps(k, ensure_ascii=False)}:{_json_text(v)}" for k, v in value.items())
        return "{" + ",".join(members) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_json_text(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def export_pact(
    att: Attestation,
    version: str,
    *,
    record: Mapping[str, Any] | None = None,
    issuer_domain: str | None = None,
) -> dict[str, Any]:
    """Export an attestation as a PACT ``ProductFootprint`` of ``version`` (``"2.3"`` or ``"3.0"``).

    Args:
        att: the attestation.
        version: the target version.
        record: values for PACT fields the attestation does not state, from the host's records (``id``,
            ``created``, ``status``, ``companyName``, ``companyIds``, ``productDescription``, ...; the
            version's ``RECORD_KEYS``, pcf members as ``pcf.<name>``); used only where neither the model nor
            the attestation's verbatim PACT fields give the field, and listed in the footprint extension.
        issuer_domain: the domain for a Handle product id's ``urn:pact:<domain>:handle:`` URN.

    Returns:
        The document; v2.3 numbers are ``Decimal`` (:func:`dump_pact` writes them exactly).

    Raises:
        PactError: ``pact.version``, ``pact.schema`` (a bad record), ``pact.required``,
            ``pact.unrepresentable``, ``pact.extension`` (a misplaced carbontrail extension).
    """
    module = VERSIONS.get(version)
    if module is None:
        raise pc.err("version", f"carbontrail exports PACT {sorted(VERSIONS)}, not {version!r}")
    doc = _assemble(att, module, record or {}, issuer_domain)
    back = _read(doc)
    if back.attestation.to_subject() != att.to_subject():
        where = pc.first_difference(att.to_subject(), back.attestation.to_subject())
        raise pc.err(
            "unrepresentable", f"PACT {version} does not give the attestation back ({where} differs)"
        )
    return doc


def import_pact(doc: Mapping[str, Any]) -> PactImport:
    """Import a PACT ``ProductFootprint`` (v2.0 to v2.3, or v3.0) as an attestation.

    Raises:
        PactError: ``pact.version`` (another specVersion), ``pact.schema`` (not the ProductFootprint shape),
            ``pact.unrepresentable`` (a value the model cannot hold, or a document the import would not give
            back), ``pact.inconsistent`` (totals that are not their parts' sums, stages that do not add up,
            ...; ``attestation_code`` names the rule), ``pact.extension``.
    """
    imported = _read(doc)
    module = VERSIONS[imported.version]
    again = _assemble(imported.attestation, module, imported.record, imported.issuer_domain)
    if not pc.same_json(again, doc):
        where = pc.first_difference(doc, again)
        raise pc.err("unrepresentable", f"the import would not give the document back ({where} differs)")
    return imported


# --- the two directions ---------------------------------------------------------------------------------


def _split_extensions(att: Attestation) -> tuple[list[Any], dict[str, Any] | None]:
    foreign, fields = [], None
    for ext in att.extensions:
        if ext.data_schema == pc.FIELDS_SCHEMA:
            if fields is not None:
                raise pc.err("extension", "an attestation carries one PACT fields extension")
            fields = ext.data_value
        elif ext.data_schema == pc.FOOTPRINT_SCHEMA:
            raise pc.err("extension", "the footprint extension is written by the export, not carried")
        else:
            foreign.append(ext)
    return foreign, fields


def _assemble(
    att: Attestation, module: ModuleType, record: Mapping[str, Any], domain: str | None
) -> dict[str, Any]:
    derived: pc.Derived = module.derive(att, domain)
    top, pcf, footprint = dict(derived.top), dict(derived.pcf), dict(derived.footprint)
    foreign, fields = _split_extensions(att)
    absent: set[str] = set()
    if fields is not None and fields.get("pactVersion") == module.VERSION:
        top |= fields.get("productFootprint", {})
        pcf |= fields.get("pcf", {})
        absent = set(fields.get("absent", []))
        for name in absent:
            (pcf if name.startswith("pcf.") else top).pop(name.removeprefix("pcf."), None)
    elif fields is not None:
        footprint["pactFields"] = fields
    unknown = set(record) - set(module.RECORD_KEYS)
    if unknown:
        raise pc.err(
            "schema",
            f"PACT {module.VERSION} records hold only {list(module.RECORD_KEYS)}, not {sorted(unknown)}",
        )
    used = []
    for key in module.RECORD_KEYS:
        target, name = (pcf, key[4:]) if key.startswith("pcf.") else (top, key)
        if key in record and name not in target and key not in absent:
            pc.check_record_value(key, record[key])
            target[name] = record[key]
            used.append(key)
    if used:
        footprint["recordFields"] = used
    for where, problem in derived.problems:
        target, name = (pcf, where[4:]) if where.startswith("pcf.") else (top, where)
        if problem.rule != "required" or name not in target:
            raise problem
    for names, target, prefix in ((module.REQUIRED_TOP, top, ""), (module.REQUIRED_PCF, pcf, "pcf.")):
        for name in names:
            if name != "pcf" and name not in target:
                raise pc.err(
                    "required",
                    f"PACT {module.VERSION} requires {prefix}{name}; the attestation does not state it",
                )
    extensions = [px.extension_to_json(e) for e in foreign]
    if footprint:
        extensions.append(px.footprint_extension(footprint))
    return top | {"pcf": pcf} | ({"extensions": extensions} if extensions else {})


def _version_of(doc: Mapping[str, Any]) -> ModuleType:
    major, minor = pc.spec_version_major_minor(doc.get("specVersion"))
    if major == 2 and minor <= 3:
        return pact_v2
    if (major, minor) == (3, 0):
        return pact_v3
    raise pc.err("version", f"carbontrail imports PACT 2.0 to 2.3 and 3.0, not {doc.get('specVersion')}")


def _read(doc: Mapping[str, Any]) -> PactImport:
    if not isinstance(doc, Mapping):
        raise pc.err("schema", "a ProductFootprint is a JSON object")
    module = _version_of(doc)
    pcf_in = doc.get("pcf")
    if not isinstance(pcf_in, Mapping):
        raise pc.err("schema", "pcf must be a CarbonFootprint object")
    for names, source, prefix in ((module.REQUIRED_TOP, doc, ""), (module.REQUIRED_PCF, pcf_in, "pcf.")):
        missing = [prefix + n for n in names if n not in source]
        if missing:
            raise pc.err("schema", f"a PACT {module.VERSION} ProductFootprint requires {missing}")
    raw_extensions = doc.get("extensions", [])
    if not isinstance(raw_extensions, list):
        raise pc.err("schema", "extensions must be a list of DataModelExtension objects")
    foreign, footprint = [], None
    for i, item in enumerate(raw_extensions):
        ext = px.extension_from_json(item, f"extensions[{i}]")
        if ext.data_schema == pc.FIELDS_SCHEMA:
            raise pc.err("extension", "the fields extension belongs in an attestation, not a PACT document")
        if ext.data_schema != pc.FOOTPRINT_SCHEMA:
            foreign.append(ext)
        elif footprint is not None:
            raise pc.err("extension", "a document carries one carbontrail footprint extension")
        else:
            footprint = px.check_footprint_data(ext.data_value)
    footprint = footprint or {}
    record_keys = footprint.get("recordFields", [])
    if not set(record_keys) <= set(module.RECORD_KEYS):
        raise pc.err("extension", f"recordFields names fields that are not {module.VERSION} record fields")
    top = {k: v for k, v in doc.items() if k not in ("pcf", "extensions")}
    pcf = dict(pcf_in)
    record = {}
    for key in record_keys:
        source, name = (pcf, key[4:]) if key.startswith("pcf.") else (top, key)
        if name not in source:
            raise pc.err("extension", f"recordFields names {key}, which the document lacks")
        record[key] = source.pop(name)
    product_id, domain = pc.product_id_in(top.get("productIds"))
    values = module.read(top, pcf, footprint)
    try:
        att = Attestation(product_id=product_id, extensions=tuple(foreign), **values)
    except AttestationError as e:
        raise pc.from_attestation_error(e, f"PACT {module.VERSION} footprint") from e
    fields = _verbatim(att, module, domain, top, pcf)
    carried = footprint.get("pactFields")
    if fields and carried is not None:
        raise pc.err("unrepresentable", "a document with verbatim fields of two PACT versions")
    if carried is not None:
        if not isinstance(carried.get("pactVersion"), str) or carried["pactVersion"] == module.VERSION:
            raise pc.err("extension", "pactFields carries the fields of the other PACT version")
        fields = carried
    if fields:
        att = att.with_changes(extensions=(*att.extensions, px.fields_extension(fields)))
    return PactImport(att, module.VERSION, MappingProxyType(record), domain)


def _verbatim(
    att: Attestation, module: ModuleType, domain: str | None, top: Mapping[str, Any], pcf: Mapping[str, Any]
) -> dict[str, Any]:
    # The PACT fields the model does not give back as they are: kept verbatim, and the fields the model
    # would add that the document lacks, noted absent.
    derived: pc.Derived = module.derive(att, domain)
    kept_top = {k: v for k, v in top.items() if k not in derived.top or not pc.same_json(derived.top[k], v)}
    kept_pcf = {k: v for k, v in pcf.items() if k not in derived.pcf or not pc.same_json(derived.pcf[k], v)}
    absent = sorted(
        [k for k in derived.top if k not in top] + [f"pcf.{k}" for k in derived.pcf if k not in pcf]
    )
    if not (kept_top or kept_pcf or absent):
        return {}
    out: dict[str, Any] = {"pactVersion": module.VERSION}
    if kept_top:
        out["productFootprint"] = kept_top
    if kept_pcf:
        out["pcf"] = kept_pcf
    if absent:
        out["absent"] = absent
    return out
