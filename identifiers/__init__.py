"""Identifier schemes: industrial-internet Handle codes, GS1 (GTIN, company prefixes, element strings, Digital
Link), Unified Social Credit Codes, did:key and did:web, and PACT's URNs; one ``parse_identifier`` and prefix
coverage. Pure: no I/O, nothing fetched. See docs/identifiers.md.
"""

from identifiers.parse import Prefix, covers, parse_identifier, parse_prefix, verify_covered
from identifiers.scheme import Identifier

__all__ = ["Identifier", "Prefix", "covers", "parse_identifier", "parse_prefix", "verify_covered"]
