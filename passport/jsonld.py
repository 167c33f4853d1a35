"""JSON-LD processing over the allow-list only: a pyld document loader and RDF Dataset Canonicalization.

* :class:`DocumentLoader` is a JSON-LD 1.1 API (section 9.4, ``LoadDocumentCallback``) document loader that
  serves allow-listed context files, checked against their pinned digests, and refuses every other URL. It
  has no code path to the network.
* :func:`canonicalize_rdfc` converts a document to RDF (JSON-LD 1.1 API, "Deserialize JSON-LD to RDF"), then
  applies RDF Dataset Canonicalization (RDFC-1.0, the algorithm published earlier as URDNA2015) and returns
  the serialized canonical N-Quads, as ``eddsa-rdfc-2022`` needs. Two guards the Data Integrity
  specifications ask for are applied: a property or IRI that expansion would drop is an error (otherwise it
  would travel unsigned), and RDFC-1.0 section 4.4 "dataset poisoning" is stopped by a work budget.
* Literals are written in RDFC-1.0's canonical N-Quads form (Appendix A): pyld writes URDNA2015's form, which
  leaves control characters other than HT, LF and CR unescaped, so its hashes and output are corrected here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from pyld import jsonld
from pyld.canon import URDNA2015
from pyld.context_resolver import ContextResolver

from passport.contexts import DEFAULT_STORE, ContextStore
from passport.errors import CanonicalizationError, ContextNotAllowedError, PassportError

MAX_BLANK_NODES = 4096
"""The most blank nodes a dataset may have before it is refused without canonicalising it."""

NDEGREE_WORK_FACTOR = 8
"""Hash N-Degree Quads may run at most ``64 + factor x blank nodes`` times (RDFC-1.0 section 4.4)."""


class DocumentLoader:
    """A pyld document loader serving the allow-listed contexts of a :class:`ContextStore`, nothing else.

    Each loader owns the cache pyld keeps of resolved contexts (keyed by URL), so a context resolved
    through one store is never served to another.
    """

    def __init__(self, store: ContextStore = DEFAULT_STORE) -> None:
        """Build a loader over ``store`` (the shipped contexts by default)."""
        self.store = store
        self._resolved_cache: dict[str, Any] = {}

    def __call__(self, url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Return the remote document for ``url`` in pyld's form.

        Raises:
            ContextNotAllowedError: the URL is not allow-listed or may only be named.
            ContextDigestError: the context file does not match its pinned digest.
        """
        if not isinstance(url, str):
            raise ContextNotAllowedError("a context URL must be a string", url=repr(url))
        data = self.store.read(url)
        return {"contextUrl": None, "documentUrl": url, "document": json.loads(data)}

    def resolver(self) -> Any:
        """Return a pyld context resolver that uses this loader and this loader's cache."""
        return ContextResolver(self._resolved_cache, self)


DEFAULT_LOADER = DocumentLoader()
"""A loader over the shipped contexts."""


def _passport_cause(error: BaseException) -> PassportError | None:
    # pyld wraps what the loader raises, sometimes several times; find our own error in the chain.
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, PassportError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _dropped(expanded_property: str | None) -> None:
    raise CanonicalizationError(
        f"property {expanded_property!r} has no term definition: JSON-LD would drop it and leave it unsigned"
    )


_NOT_IN_IRIREF = re.compile(r'[\x00-\x20<>"{}|^`\\]')
"""Characters N-Quads cannot write in an IRI (the IRIREF production); pyld drops such IRIs silently."""
_LANGUAGE_TAG = re.compile(r"[a-zA-Z]+(-[a-zA-Z0-9]+)*")
"""The N-Quads LANGTAG production (without its ``@``)."""
_UNESCAPED_BY_PYLD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""The characters RDFC-1.0 Appendix A escapes in a literal and pyld's N-Quads writer leaves as they are."""
_ECHAR = {"\b": "\\b", "\f": "\\f"}


def _check_iris(expanded: Any) -> None:
    # Relative IRIs in @id or @type, and IRIs or language tags N-Quads cannot write, would be silently left
    # out of the RDF dataset or written so that no other implementation reads them: refuse them.
    if isinstance(expanded, list):
        for item in expanded:
            _check_iris(item)
        return
    if not isinstance(expanded, dict):
        return
    for key, value in expanded.items():
        if key == "@id" and isinstance(value, str):
            _require_absolute(value, key)
        elif key == "@type" and "@value" not in expanded:
            for t in value if isinstance(value, list) else [value]:
                _require_absolute(t, key)
        elif key == "@type":
            if value != "@json":
                _require_absolute(value, key)
        elif key == "@language":
            if not isinstance(value, str) or not _LANGUAGE_TAG.fullmatch(value):
                raise CanonicalizationError(f"@language {value!r} is not a language tag N-Quads can write")
        elif key != "@value":
            if not key.startswith("@"):
                _require_absolute(key, "property")
            _check_iris(value)


def _require_absolute(iri: Any, key: str) -> None:
    if not isinstance(iri, str) or not (iri.startswith("_:") or ":" in iri):
        raise CanonicalizationError(f"{key} value {iri!r} is not an absolute IRI: JSON-LD would drop it")
    if _NOT_IN_IRIREF.search(iri):
        raise CanonicalizationError(f"{key} value {iri!r} holds a character an N-Quads IRI cannot")


def _canonical_escapes(nquads: str) -> str:
    # pyld escapes only \\, ", HT, LF and CR in literals (URDNA2015). RDFC-1.0 Appendix A also writes BS
    # and FF as ECHAR and every other character in U+0000..U+001F and U+007F as UCHAR with uppercase hex.
    # Those characters can only be inside literals here: _check_iris refused IRIs and language tags with them.
    return _UNESCAPED_BY_PYLD.sub(lambda m: _ECHAR.get(m[0]) or f"\\u{ord(m[0]):04X}", nquads)


def _canonical_order(nquads: list[str]) -> list[str]:
    # Escaping changes the code point order the algorithm sorts by, so sort again after it.
    return sorted(_canonical_escapes(q) for q in nquads)


class _BudgetedURDNA2015(URDNA2015):  # type: ignore[misc]  # pyld's class is untyped
    """RDFC-1.0 with a bound on Hash N-Degree Quads calls, the step poisoned datasets blow up."""

    def __init__(self, budget: int) -> None:
        super().__init__()
        self.budget = budget

    def hash_nquads(self, nquads: list[str]) -> Any:
        # Hash First Degree Quads (RDFC-1.0 4.6.3 steps 3-5) hashes quads in canonical N-Quads form.
        if any(_UNESCAPED_BY_PYLD.search(q) for q in nquads):
            nquads = _canonical_order(nquads)
        return super().hash_nquads(nquads)

    def hash_n_degree_quads(self, id_: str, issuer: Any) -> Any:
        self.budget -= 1
        if self.budget < 0:
            raise CanonicalizationError("RDF dataset needs too much work to canonicalise (dataset poisoning)")
        return super().hash_n_degree_quads(id_, issuer)


def _blank_nodes(dataset: Mapping[str, Any]) -> int:
    names: set[str] = set()
    for graph, triples in dataset.items():
        if graph.startswith("_:"):
            names.add(graph)
        for triple in triples:
            for position in ("subject", "object"):
                term = triple[position]
                if term.get("type") == "blank node":
                    names.add(term["value"])
    return len(names)


def canonicalize_rdfc(document: Mapping[str, Any], loader: DocumentLoader = DEFAULT_LOADER) -> str:
    """Return the RDFC-1.0 serialized canonical form (N-Quads) of a JSON-LD document.

    Args:
        document: the parsed JSON-LD document.
        loader: the document loader for its contexts.

    Raises:
        ContextNotAllowedError: the document names a context the loader refuses.
        ContextDigestError: a context file does not match its digest.
        CanonicalizationError: invalid JSON-LD, a dropped property or relative IRI, or a poisoned dataset.
    """
    processor = jsonld.JsonLdProcessor(on_property_dropped=_dropped)
    # No base IRI: pyld would otherwise resolve relative IRIs against http://example.org/base/ and sign that.
    options = {"documentLoader": loader, "contextResolver": loader.resolver(), "base": None}
    try:
        expanded = processor.expand(dict(document), dict(options))
        _check_iris(expanded)
        dataset = processor.to_rdf(expanded, dict(options, produceGeneralizedRdf=False))
    except PassportError:
        raise
    except Exception as e:  # pyld raises JsonLdError and, on malformed input, plain Python errors
        cause = _passport_cause(e)
        if cause is not None:
            raise cause from e
        raise CanonicalizationError(f"JSON-LD processing failed: {e}") from e
    blank_nodes = _blank_nodes(dataset)
    if blank_nodes > MAX_BLANK_NODES:
        raise CanonicalizationError(f"RDF dataset has {blank_nodes} blank nodes, over {MAX_BLANK_NODES}")
    canon = _BudgetedURDNA2015(64 + NDEGREE_WORK_FACTOR * blank_nodes)
    result = canon.main(dataset, {"format": "application/n-quads"})
    assert isinstance(result, str)
    if _UNESCAPED_BY_PYLD.search(result):
        # Serialization (RDFC-1.0 section 5): every quad in canonical N-Quads form, in code point order.
        # Each quad ends with LF, and LF inside a literal is escaped, so the split is exact.
        result = "".join(_canonical_order([q + "\n" for q in result.split("\n")[:-1]]))
    return result
