"""The passport page's reads: a product's latest valid passport and the stored credentials its supply chain
links to, handed to the pure page model (``api.pages``; docs/passport-page.md)."""

from __future__ import annotations

import json
from collections.abc import Callable

from sqlalchemy import Connection, func, select

from api.errors import NotFoundError
from api.orm import AttestationRow, Credential, Document, PassportRow, PublicationRow
from api.pages import OrgName, PassportPage, Stored, passport_page
from api.passportview import latest_passport
from identifiers.errors import RegistryConflictError
from identifiers.registry import RegistryState

_ISSUER_TABLES: dict[str, type[PassportRow] | type[AttestationRow]] = {
    "passport": PassportRow,
    "attestation": AttestationRow,
}


def stored_lookup(conn: Connection) -> Callable[[str], Stored | None]:
    """Stored credentials by digest, each read once: its kind and JSON, the first log index recording it,
    and the issuing organisation (a passport's, an attestation's, a dataset's or benchmark's publisher)."""
    seen: dict[str, Stored | None] = {}

    def lookup(digest: str) -> Stored | None:
        if digest in seen:
            return seen[digest]
        row = conn.execute(
            select(Credential.body, Credential.kind).where(Credential.digest == digest)
        ).first()
        found = None
        if row is not None:
            kind = str(row.kind)
            index = conn.execute(
                select(func.min(Document.log_index)).where(Document.digest == digest)
            ).scalar()
            table = _ISSUER_TABLES.get(kind)
            if table is not None:
                org = conn.execute(select(table.org).where(table.digest == digest)).scalar()
            else:
                org = conn.execute(select(PublicationRow.org).where(PublicationRow.digest == digest)).scalar()
            found = Stored(kind, json.loads(bytes(row.body)), index, org)
        seen[digest] = found
        return found

    return lookup


def registry_names(state: RegistryState) -> OrgName:
    """Registered legal names by USCC from one registry state (None for an organisation it does not know)."""

    def name(uscc: str) -> str | None:
        try:
            return state.organisation(uscc).legal_name
        except RegistryConflictError:
            return None

    return name


def product_page(conn: Connection, product: str, org_name: OrgName) -> PassportPage:
    """The page model of ``product`` (canonical identifier) from its latest valid passport.

    Raises:
        NotFoundError: no valid passport of the product is logged.
    """
    found = latest_passport(conn, product)
    if found is None:
        raise NotFoundError(f"no valid passport of {product} is logged")
    summary, body = found
    return passport_page(summary, body, stored_lookup(conn), org_name)
