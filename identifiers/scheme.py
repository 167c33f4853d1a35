"""The common shape of every parsed identifier: a frozen value with a ``scheme`` name and a ``canonical``
text.

Two identifiers are the same identifier exactly when their canonical texts are equal; ``parse_identifier`` of
a canonical text gives back an equal value (tests check ``parse(format(x)) == x`` for every scheme).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class Identifier(ABC):
    """Base of every parsed identifier. Subclasses are frozen dataclasses with scheme-specific fields."""

    scheme: ClassVar[str]
    """The scheme's stable name, as ``carbontrail id parse`` prints it (``"handle"``, ``"gtin"``, ...)."""

    @property
    @abstractmethod
    def canonical(self) -> str:
        """The one canonical text of this identifier."""

    def __str__(self) -> str:
        return self.canonical
