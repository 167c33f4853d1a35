"""The provenance tree of a verified bundle (docs/verify.md, "The report"): the root passport, its
components (upstream passports recursively, attestations, factor datasets) and its benchmark; under each
attestation or passport the endorsements, revocations and superseding credentials the bundle carries. Every
other record (the registry entries, anything no passport reaches) is listed apart, with its checks.

A component's share is its contribution by stage summed, over its parent's footprint per declared unit, where
the parent discloses contributions (full form), rounded half-even to four places.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction

from passport.attestation import Attestation
from passport.dpp_parse import ComponentLink, Passport
from passport.rollup_stats import round_half_even
from verifier.checks import failed
from verifier.documents import Doc
from verifier.errors import MissingError
from verifier.replay import Replay
from verifier.report import Node

__all__ = ["SHARE_PLACES", "build_tree"]

SHARE_PLACES = 4
_ORDER = (
    "inclusion", "digest", "record", "signature", "contexts", "authority", "status", "endorsements", "link",
    "rollup", "grade",
)  # fmt: skip


class _Builder:
    def __init__(self, by_digest: Mapping[str, Doc], state: Replay) -> None:
        self.by_digest = by_digest
        self.state = state
        self.placed: set[str] = set()
        self._names: dict[str, str | None] = {}

    def name(self, issuer: str) -> str | None:
        if issuer not in self._names:
            self._names[issuer] = self.state.legal_name(issuer)
        return self._names[issuer]

    def node(self, doc: Doc, share: Decimal | None, path: frozenset[str]) -> Node:
        self.placed.add(doc.digest)
        claim = None if doc.prepared is None else doc.prepared.claim
        footprint: Decimal | None = None
        unit: str | None = None
        children: list[Node] = []
        path = path | {doc.digest}
        if isinstance(claim, Attestation):
            footprint, unit = claim.pcf_excluding_biogenic, claim.declared_unit
        elif isinstance(claim, Passport):
            footprint, unit = claim.pcf, claim.declared_unit
            for link in claim.components:
                children.append(self.link(claim, link, path))
            if claim.benchmark is not None:
                children.append(self.child(claim.benchmark, None, path))
        children.extend(self.standing(doc, path))
        checks = tuple(doc.checks[n] for n in _ORDER if n in doc.checks)
        return Node(
            kind=doc.fields.kind, credential=doc.digest, subject=doc.fields.subject, issuer=doc.fields.issuer,
            issuer_name=self.name(doc.fields.issuer), log_index=doc.index, footprint=footprint, unit=unit,
            share=share, checks=checks, children=tuple(children),
        )  # fmt: skip

    def child(self, digest: str, share: Decimal | None, path: frozenset[str], product: str = "") -> Node:
        doc = self.by_digest.get(digest)
        if doc is None or digest in path:
            error = MissingError(f"{digest} is not in the bundle")
            check = failed("link", error, digest)
            return Node(kind="missing", credential=digest, subject=product, issuer="", checks=(check,))
        return self.node(doc, share, path)

    def link(self, parent: Passport, link: ComponentLink, path: frozenset[str]) -> Node:
        share = None
        if link.contribution is not None and parent.pcf != 0:
            contributed = sum((Fraction(v) for _, v in link.contribution), Fraction(0))
            share = round_half_even(contributed / Fraction(parent.pcf), SHARE_PLACES)
        return self.child(link.credential, share, path, link.product_id or "")

    def standing(self, doc: Doc, path: frozenset[str]) -> Iterable[Node]:
        """The endorsements, revocation and successor of an attestation or passport."""
        index = self.state.index
        found = index.attestation(doc.digest) or index.passport(doc.digest)
        related = [d for d, _ in self.state.endorsements.get(doc.digest, ())]
        if found is not None:
            related += [d for d in (found.revoked_by, found.superseded_by) if d is not None]
        for digest in related:
            if digest in self.by_digest and digest not in path:
                yield self.node(self.by_digest[digest], None, path)


def build_tree(root: str, docs: Iterable[Doc], state: Replay) -> tuple[Node, tuple[Node, ...]]:
    """The tree from the root passport, and the records not in it (in log order)."""
    docs = list(docs)
    by_digest: dict[str, Doc] = {}
    for doc in docs:
        by_digest.setdefault(doc.digest, doc)
    builder = _Builder(by_digest, state)
    tree = builder.child(root, None, frozenset())
    others = tuple(builder.node(d, None, frozenset()) for d in docs if d.digest not in builder.placed)
    return tree, others
