"""The illustrative background database carbontrail ships: one emission-factor dataset for the battery, PV
and steel chains and the product-category benchmarks (docs/background-data.md; the credential shapes are
docs/attestation.md, "Factor datasets" and "Benchmarks").

The files live in :mod:`passport.data`, unsigned: a database publisher signs them with its own key
(:func:`passport.factors.sign_factor_dataset`, :func:`passport.factors.sign_benchmark`), so the dataset's
``publisher`` is given when it is loaded, never shipped.

``cn-background.json`` is ``{"datasetId", "version", "sources", "factors"}``. ``sources`` maps a short key to
a full citation (author or organisation, title, year, URL or DOI where known); each factor is the
``EmissionFactor`` wire form whose ``source`` is such a key, plus ``locator`` (the table, page or passage
the value is read from). The credential's ``source`` text is the citation, ``"; "``, and the locator, so a
citation is written once and every factor still carries its whole provenance. ``benchmarks.json`` is a list
of ``ProductCategoryBenchmark`` subjects, exactly as they are signed.

Both files are read strictly: an unknown or missing member, an undefined or unused source key, or any rule
of :mod:`passport.factors` broken raises the dataset's or benchmark's error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import resources
from typing import Any

from passport.envelope import check_object
from passport.errors import BenchmarkError, FactorDatasetError
from passport.factors import Benchmark, EmissionFactor, FactorDataset
from passport.quantity import check_text, check_token

DATASET_FILE = "cn-background.json"
BENCHMARKS_FILE = "benchmarks.json"
_FACTOR_REQUIRED = {"factorId", "value", "unit", "year", "source", "locator"}
_FACTOR_OPTIONAL = {"geography", "uncertainty", "description"}


def _read(name: str) -> Any:
    return json.loads(resources.files("passport.data").joinpath(name).read_text(encoding="utf-8"))


def citation(sources: Mapping[str, str], key: str, locator: str) -> str:
    """The ``source`` text of a factor: the citation under ``key``, ``"; "``, then ``locator``.

    Raises:
        FactorDatasetError: ``factors.field``: ``key`` names no source.
    """
    if key not in sources:
        raise FactorDatasetError("field", f"source {key!r} is not defined in sources")
    return f"{sources[key]}; {locator}"


def dataset_from_document(document: Any, publisher: str) -> FactorDataset:
    """Build the factor dataset a shipped dataset document describes, published by ``publisher``.

    Args:
        document: the parsed ``cn-background.json`` (see the module docstring).
        publisher: the canonical USCC of the organisation that will sign the dataset.

    Raises:
        FactorDatasetError: a missing, unknown or mistyped member (``factors.field``), a source key that is
            undefined or never used, or any rule of :class:`~passport.factors.FactorDataset`.
    """
    err = FactorDatasetError
    doc = check_object(
        document, "dataset document", {"datasetId", "version", "sources", "factors"}, set(), err
    )
    sources = doc["sources"]
    if not isinstance(sources, dict) or not sources:
        raise err("field", "sources must be a non-empty object")
    for key, text in sources.items():
        check_token(key, "source key", err, "field")
        check_text(text, f"source {key}", err, limit=900)
    if not isinstance(doc["factors"], list):
        raise err("field", "factors must be a list")
    factors = []
    used = set()
    for raw in doc["factors"]:
        f = check_object(raw, "a factor", _FACTOR_REQUIRED, _FACTOR_OPTIONAL, err)
        key, locator = f["source"], f["locator"]
        if not isinstance(key, str):
            raise err("field", "a factor's source must be a source key")
        check_text(locator, "locator", err)
        used.add(key)
        wire = {name: value for name, value in f.items() if name != "locator"}
        wire["source"] = citation(sources, key, locator)
        factors.append(EmissionFactor.from_wire(wire))
    unused = sorted(set(sources) - used)
    if unused:
        raise err("field", f"sources never used: {unused}")
    return FactorDataset(doc["datasetId"], doc["version"], publisher, tuple(factors))


def load_factor_dataset(publisher: str) -> FactorDataset:
    """The shipped emission-factor dataset (``cn-background``), to be published by ``publisher``.

    Args:
        publisher: the canonical USCC of the database publisher that will sign it.

    Raises:
        FactorDatasetError: the shipped file breaks a rule (a packaging fault), or ``publisher`` is not a
            canonical USCC (``factors.publisher``).
    """
    return dataset_from_document(_read(DATASET_FILE), publisher)


def benchmarks_from_document(document: Any) -> tuple[Benchmark, ...]:
    """Build the benchmarks a shipped benchmark document (a list of benchmark subjects) describes.

    Raises:
        BenchmarkError: not a non-empty list (``benchmark.field``), a category repeated
            (``benchmark.duplicate``), or any rule of :class:`~passport.factors.Benchmark`.
    """
    if not isinstance(document, list) or not document:
        raise BenchmarkError("field", "the benchmark document must be a non-empty list")
    benchmarks = tuple(Benchmark.from_subject(subject) for subject in document)
    categories = [b.category for b in benchmarks]
    if len(set(categories)) != len(categories):
        raise BenchmarkError("duplicate", "a category has more than one benchmark")
    return benchmarks


def load_benchmarks() -> tuple[Benchmark, ...]:
    """The shipped product-category benchmarks, all ``illustrative``.

    Raises:
        BenchmarkError: the shipped file breaks a rule (a packaging fault).
    """
    return benchmarks_from_document(_read(BENCHMARKS_FILE))


def benchmark_for(category: str) -> Benchmark:
    """The shipped benchmark of ``category``.

    Raises:
        KeyError: no shipped benchmark has that category.
    """
    for benchmark in load_benchmarks():
        if benchmark.category == category:
            return benchmark
    raise KeyError(category)
