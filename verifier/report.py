"""A verification report: the provenance tree of a passport, each node with its named checks, and the
checkpoint the answer was judged by (docs/verify.md, "The report").

A report is built at the edge by catching the verifier's errors (STYLE.md, rule 3): each check is a
:class:`Check` that passed, failed (with the error's stable code, the document and the field it concerns) or
could not be made from what the bundle carries (``not-checked``, never counted as passed). The same value is
printed as a tree by ``carbontrail verify``, returned as JSON by ``--json`` and ``POST /verify``, and shown on
the passport page.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    """What became of one check."""

    PASSED = "passed"
    FAILED = "failed"
    NOT_CHECKED = "not-checked"


@dataclass(frozen=True)
class Check:
    """One named check on one document (or on the bundle as a whole when ``document`` is None).

    ``code`` is the stable code of the failure (``verify.signature``, ...) for a failed check, the code the
    check would fail with for a passed one, and for a check not made the reason code
    (``verify.not_in_bundle``). ``field`` is a JSON pointer into the document when the failure is about one
    member of it (``/credentialSubject/emissionsScorecard/carbonFootprint``).
    """

    name: str
    status: Status
    code: str
    message: str = ""
    document: str | None = None
    field: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The check as a JSON object (members that are None are left out)."""
        out: dict[str, Any] = {"name": self.name, "status": str(self.status), "code": self.code}
        if self.message:
            out["message"] = self.message
        if self.document is not None:
            out["document"] = self.document
        if self.field is not None:
            out["field"] = self.field
        return out


@dataclass(frozen=True)
class Node:
    """One document of the provenance tree: a passport, an attestation, a factor dataset or a benchmark.

    ``share`` is the node's share of its parent's footprint per declared unit of the parent (None when the
    parent discloses only totals, and for the root). ``footprint`` and ``unit`` are what the document states
    per its declared unit, when the bundle carries the document (None for a record without its credential).
    """

    kind: str
    credential: str
    subject: str
    issuer: str
    issuer_name: str | None = None
    log_index: int | None = None
    footprint: Decimal | None = None
    unit: str | None = None
    share: Decimal | None = None
    checks: tuple[Check, ...] = ()
    children: tuple[Node, ...] = ()

    def walk(self) -> Iterator[Node]:
        """This node and every node below it, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()

    def to_json(self) -> dict[str, Any]:
        """The node and its subtree as JSON (decimals as strings, exactly)."""
        out: dict[str, Any] = {
            "kind": self.kind,
            "credential": self.credential,
            "subject": self.subject,
            "issuer": self.issuer,
        }
        if self.issuer_name is not None:
            out["issuerName"] = self.issuer_name
        if self.log_index is not None:
            out["logIndex"] = self.log_index
        if self.footprint is not None:
            out["footprint"] = str(self.footprint)
        if self.unit is not None:
            out["unit"] = self.unit
        if self.share is not None:
            out["share"] = str(self.share)
        out["checks"] = [c.to_json() for c in self.checks]
        out["components"] = [c.to_json() for c in self.children]
        return out


@dataclass(frozen=True)
class Judged:
    """The checkpoint a report was judged by: the log's origin, the tree size and root, and the newest
    timestamp among the cosignatures that counted toward the policy's quorum (POSIX seconds; None when the
    policy asks for no witness), which says how fresh the answer is."""

    origin: str
    size: int
    root: str
    time: int | None

    def to_json(self) -> dict[str, Any]:
        """The checkpoint summary as JSON."""
        return {"origin": self.origin, "size": self.size, "root": self.root, "time": self.time}


@dataclass(frozen=True)
class Report:
    """The whole answer for one bundle: its scope (``full`` or ``public``), the product, the checkpoint
    judged by, bundle-wide checks (checkpoints, consistency, contexts) and the provenance tree.

    ``others`` are the documents the tree rests on that are not nodes of it: the registry entries that decide
    each signer's authority, and any record of the bundle that no passport links (each with its checks).
    """

    scope: str
    product: str
    checkpoint: Judged | None
    checks: tuple[Check, ...]
    tree: Node
    extra: dict[str, Any] = field(default_factory=dict)
    others: tuple[Node, ...] = ()

    def all_checks(self) -> Iterator[Check]:
        """Every check of the report: the bundle's, then each node's, depth first, then the others'."""
        yield from self.checks
        for node in self.tree.walk():
            yield from node.checks
        for other in self.others:
            for node in other.walk():
                yield from node.checks

    def failures(self, *, require_full: bool = False) -> list[Check]:
        """The checks that make the report fail: every failed check, and with ``require_full`` every check
        the bundle could not make."""
        bad = {Status.FAILED, Status.NOT_CHECKED} if require_full else {Status.FAILED}
        return [c for c in self.all_checks() if c.status in bad]

    def ok(self, *, require_full: bool = False) -> bool:
        """Whether every check the bundle allows passed (and, with ``require_full``, every check was made)."""
        return not self.failures(require_full=require_full)

    def counts(self) -> dict[str, int]:
        """How many checks passed, failed and were not made."""
        out = {str(s): 0 for s in Status}
        for check in self.all_checks():
            out[str(check.status)] += 1
        return out

    def to_json(self, *, require_full: bool = False) -> dict[str, Any]:
        """The machine-readable report ``carbontrail verify --json`` prints and ``POST /verify`` returns."""
        return {
            "ok": self.ok(require_full=require_full),
            "requireFull": require_full,
            "scope": self.scope,
            "product": self.product,
            "checkpoint": None if self.checkpoint is None else self.checkpoint.to_json(),
            "counts": self.counts(),
            "checks": [c.to_json() for c in self.checks],
            "tree": self.tree.to_json(),
            "others": [n.to_json() for n in self.others],
            **self.extra,
        }
