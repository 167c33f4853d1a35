"""The registry as JSON for people and clients: one organisation's state and history with log indices."""

from __future__ import annotations

from typing import Any

from identifiers.multikey import did_key_from_public_key
from identifiers.registry import OrganisationView


def organisation_json(view: OrganisationView) -> dict[str, Any]:
    """An organisation's state (roles, prefixes, keys with the indices they were added and revoked at,
    suspension, blacklisting) and its history: every registry entry about it, by log index."""
    return {
        "uscc": view.uscc,
        "legalName": view.legal_name,
        "roles": [role.value for role in view.roles],
        "didWeb": view.did_web,
        "registeredAt": view.registered_at,
        "prefixes": [prefix.canonical for prefix in view.prefixes],
        "keys": [
            {"key": k.did_key, "addedAt": k.added_at, "revokedAt": k.revoked_at, "reason": k.reason}
            for k in view.keys
        ],
        "suspended": view.suspended,
        "blacklistedAt": view.blacklisted_at,
        "history": [
            {
                "index": event.index,
                "action": event.operation.action.value,
                "summary": event.operation.describe(),
                "signer": did_key_from_public_key(event.signer),
            }
            for event in view.history
        ],
    }
