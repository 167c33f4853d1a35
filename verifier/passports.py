"""The checks of a passport against what it rests on (docs/verify.md, "Checks": ``link``, ``rollup``,
``grade``; docs/passport.md, "The grade").

* ``link``: each component a passport links is in the bundle, with the digest, product and log index it
  states, and its embedded receipt verifies: the receipt's checkpoint opens with the log's key (each distinct
  note once, :class:`~verifier.anchors.NoteCache`), proves the bundled record at that index, and is proven
  consistent with the bundle's checkpoint by the bundle's consistency proofs. The datasets of its
  specification and its benchmark must be in the bundle too.
* ``rollup``: a full-disclosure passport's figures recomputed digit for digit by
  :func:`passport.dpp.recompute` from its components' credentials, datasets and benchmark; not checked when a
  body it needs is withheld (public bundle) or the passport is aggregated.
* ``grade``: the stated grade recomputed from the stated footprint and the benchmark credential.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from ledger.errors import LedgerError
from ledger.hashing import leaf_hash
from ledger.verify import verify_inclusion
from passport.attestation import Attestation
from passport.dpp import recompute
from passport.dpp_parse import ComponentLink, Passport
from passport.errors import PassportError
from passport.factors import Benchmark, FactorDataset
from passport.quantity import format_decimal
from passport.records import KIND_ATTESTATION, KIND_FACTOR_DATASET, KIND_PASSPORT
from passport.rollup import BenchmarkUse, DatasetUse, Upstream
from passport.rollup_stats import grade, grade_letter, round_half_even
from passport.units import factor_between, symbol_of
from verifier.anchors import NoteCache
from verifier.checks import AGGREGATED, WITHHELD, NotChecked
from verifier.documents import Doc
from verifier.errors import CheckpointError, GradeError, LinkError, MissingError, RollupError

__all__ = ["Consistent", "check_grade", "check_links", "check_rollup"]

_KINDS = {"component": (KIND_ATTESTATION, KIND_PASSPORT), "material": (KIND_FACTOR_DATASET,)}


@dataclass(frozen=True)
class Consistent:
    """The tree sizes proven consistent with the bundle's checkpoint, with the root proven at each."""

    roots: Mapping[int, bytes]


def _pointer(i: int, member: str = "") -> str:
    return f"/credentialSubject/components/{i}" + (f"/{member}" if member else "")


def _embedded(link: ComponentLink, target: Doc, notes: NoteCache, consistent: Consistent, i: int) -> None:
    assert link.receipt is not None
    pointer = _pointer(i, "receipt")
    try:
        receipt = notes.receipt(link.receipt)
    except LedgerError as e:
        raise LinkError(f"component {i}: the embedded receipt does not parse: {e}", field=pointer) from e
    try:
        checkpoint = notes.open(receipt.checkpoint)
    except CheckpointError as e:
        raise LinkError(f"component {i}: the embedded receipt's {e.message}", field=pointer) from e
    try:
        verify_inclusion(
            leaf_hash(target.record.record), receipt.index, checkpoint.size, receipt.proof, checkpoint.root
        )
    except LedgerError as e:
        raise LinkError(
            f"component {i}: the embedded receipt does not prove the record: {e}", field=pointer
        ) from e
    proven = consistent.roots.get(checkpoint.size)
    if proven is None or not hmac.compare_digest(proven, checkpoint.root):
        raise LinkError(
            f"component {i}: the embedded receipt's checkpoint (size {checkpoint.size}) is not proven "
            "consistent with the bundle's",
            field=pointer,
        )


def check_links(
    passport: Passport, by_digest: Mapping[str, Doc], notes: NoteCache, consistent: Consistent
) -> str:
    """The ``link`` check (module docstring).

    Raises:
        MissingError: a linked credential, dataset or benchmark is not in the bundle (``verify.missing``).
        LinkError: a link states another kind, product or index, or its embedded receipt does not verify
            (``verify.link``).
    """
    for i, link in enumerate(passport.components):
        target = by_digest.get(link.credential)
        if target is None:
            raise MissingError(f"component {i} ({link.credential}) is not in the bundle", field=_pointer(i))
        if target.fields.kind not in _KINDS[link.kind]:
            raise LinkError(
                f"component {i} is a {target.fields.kind} record, not a {link.kind}", field=_pointer(i)
            )
        if link.product_id is not None and link.product_id != target.fields.subject:
            raise LinkError(
                f"component {i} names {link.product_id}; its record is of {target.fields.subject}",
                field=_pointer(i, "productId"),
            )
        if link.log_index is not None and link.log_index != target.index:
            raise LinkError(
                f"component {i} states log index {link.log_index}; the bundle's record is at {target.index}",
                field=_pointer(i, "logIndex"),
            )
        if link.receipt is not None:
            _embedded(link, target, notes, consistent, i)
    used = [] if passport.spec is None else [d.credential for d in passport.spec.datasets if d.credential]
    for digest in used + ([passport.benchmark] if passport.benchmark else []):
        if digest not in by_digest:
            raise MissingError(f"{digest}, which the passport uses, is not in the bundle")
    return f"{len(passport.components)} component link(s)"


def _claim(doc: Doc) -> object:
    return None if doc.prepared is None else doc.prepared.claim


def check_rollup(passport: Passport, by_digest: Mapping[str, Doc]) -> str:
    """The ``rollup`` check (module docstring).

    Raises:
        RollupError: a stated figure is not the roll-up's (``verify.rollup``).
        NotChecked: the passport is aggregated, or a body the roll-up needs is withheld or did not verify.
    """
    if passport.spec is None:
        raise NotChecked(AGGREGATED, "an aggregated passport discloses only totals")
    upstream: dict[str, Upstream | DatasetUse | BenchmarkUse] = {}
    needed = [link.credential for link in passport.components if link.kind == "component"]
    needed += [d.credential for d in passport.spec.datasets if d.credential]
    needed += [passport.benchmark] if passport.benchmark else []
    for digest in needed:
        doc = by_digest.get(digest)
        claim = None if doc is None else _claim(doc)
        if isinstance(claim, Attestation):
            upstream[digest] = Upstream.from_attestation(claim, digest)
        elif isinstance(claim, Passport):
            upstream[digest] = claim.to_upstream(digest)
        elif isinstance(claim, FactorDataset):
            upstream[digest] = DatasetUse(claim, digest)
        elif isinstance(claim, Benchmark):
            upstream[digest] = BenchmarkUse(claim, digest)
        else:
            raise NotChecked(WITHHELD, f"{digest} is not in the bundle with a verified body")
    try:
        recompute(passport, upstream)
    except PassportError as e:
        raise RollupError(e.message, field="/credentialSubject/emissionsScorecard") from e
    return "recomputed digit for digit"


def check_grade(passport: Passport, by_digest: Mapping[str, Doc]) -> str:
    """The ``grade`` check: the letter, graded value and conformance the passport states are those its stated
    footprint gives against the benchmark credential.

    Raises:
        GradeError: another letter, value or conformance, or a benchmark for another category, boundary or
            unit (``verify.grade``).
        NotChecked: the benchmark's body is not in the bundle, verified.
    """
    assert passport.benchmark is not None
    doc = by_digest.get(passport.benchmark)
    benchmark = None if doc is None else _claim(doc)
    if not isinstance(benchmark, Benchmark):
        raise NotChecked(WITHHELD, "the benchmark credential is not in the bundle with a verified body")
    pointer = "/credentialSubject/conformityClaim/0"
    claim = passport.subject["conformityClaim"][0]
    places = passport.subject["emissionsScorecard"]["decimalPlaces"]
    try:
        if passport.spec is not None:
            value = grade(passport.pcf, passport.spec, BenchmarkUse(benchmark, passport.benchmark)).value
        else:
            if benchmark.boundary is not None and benchmark.boundary != passport.boundary:
                raise GradeError(f"the benchmark is {benchmark.boundary}, the passport {passport.boundary}")
            per = factor_between(symbol_of(benchmark.declared_unit), symbol_of(passport.declared_unit))
            value = (
                Fraction(passport.pcf) * Fraction(benchmark.unitary_product_amount) * per
                / Fraction(passport.unitary_product_amount)
            )  # fmt: skip
    except PassportError as e:
        raise GradeError(e.message, field=pointer) from e
    letter = grade_letter(value, benchmark)
    graded = round_half_even(value, places)
    conforms = value <= Fraction(benchmark.limit)
    if claim.get("grade") != letter:
        raise GradeError(
            f"the grade stated is {claim.get('grade')!r}; the footprint gives {letter}", field=pointer
        )
    if claim.get("gradedValue") != format_decimal(graded):
        raise GradeError(
            f"the graded value stated is {claim.get('gradedValue')}; the footprint gives {graded}",
            field=f"{pointer}/gradedValue",
        )
    if claim.get("conformance") is not conforms:
        raise GradeError(f"conformance stated {claim.get('conformance')}, computed {conforms}", field=pointer)
    return f"{letter} ({graded} against limit {benchmark.limit})"
