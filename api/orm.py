"""The document side of the database (SQLAlchemy 2.0 ``Mapped[]``): credentials and their index.

* ``credential``: every logged credential's JCS form (RFC 8785), content-addressed by ``sha256:<hex>`` of it.
* ``document``: one row per log entry that records a credential: its kind, subject and issuer, by log index,
  so the registry can be replayed in log order and documents found by subject.
* ``attestation``, ``endorsement``, ``publication``, ``passport``: each kind's index and status.

Rows are written in the sequencer's transaction, by its accept hook, so a document is stored exactly when its
log entry is: never half-stored, never stored when refused.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base of the document tables (the log's own tables are in ``ledger.storage.orm``)."""


class Credential(Base):
    """A credential's JCS bytes, by digest."""

    __tablename__ = "credential"
    digest: Mapped[str] = mapped_column(String(71), primary_key=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    kind: Mapped[str] = mapped_column(String(32))


class Document(Base):
    """A logged document: the log entry at ``log_index`` records the credential ``digest``."""

    __tablename__ = "document"
    log_index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    digest: Mapped[str] = mapped_column(String(71))
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(Text)
    issuer: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        Index("document_kind", "kind", "log_index"),
        Index("document_subject", "subject", "log_index"),
        Index("document_digest", "digest"),
    )


class AttestationRow(Base):
    """A logged footprint attestation and its status (None while it is neither superseded nor revoked)."""

    __tablename__ = "attestation"
    digest: Mapped[str] = mapped_column(String(71), primary_key=True)
    log_index: Mapped[int] = mapped_column(BigInteger)
    product: Mapped[str] = mapped_column(Text)
    org: Mapped[str] = mapped_column(String(18))
    period_start: Mapped[str] = mapped_column(String(40))
    period_end: Mapped[str] = mapped_column(String(40))
    supersedes: Mapped[str | None] = mapped_column(String(71))
    superseded_at: Mapped[int | None] = mapped_column(BigInteger)
    superseded_by: Mapped[str | None] = mapped_column(String(71))
    revoked_at: Mapped[int | None] = mapped_column(BigInteger)
    revoked_by: Mapped[str | None] = mapped_column(String(71))

    __table_args__ = (Index("attestation_product", "product", "log_index"),)


class EndorsementRow(Base):
    """A logged endorsement of the attestation ``endorses`` by the certification body ``org``."""

    __tablename__ = "endorsement"
    digest: Mapped[str] = mapped_column(String(71), primary_key=True)
    log_index: Mapped[int] = mapped_column(BigInteger)
    endorses: Mapped[str] = mapped_column(String(71))
    org: Mapped[str] = mapped_column(String(18))

    __table_args__ = (Index("endorsement_endorses", "endorses", "log_index"),)


class PublicationRow(Base):
    """One version of a factor dataset or benchmark (``name`` is the dataset id or the category)."""

    __tablename__ = "publication"
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(256), primary_key=True)
    version: Mapped[str] = mapped_column(String(256), primary_key=True)
    digest: Mapped[str] = mapped_column(String(71))
    log_index: Mapped[int] = mapped_column(BigInteger)
    org: Mapped[str] = mapped_column(String(18))


class PassportLinkRow(Base):
    """The passport ``passport`` rests on the credential ``credential`` (a component, a dataset or its
    benchmark): what ``carbontrail impact`` walks upward."""

    __tablename__ = "passport_link"
    passport: Mapped[str] = mapped_column(String(71), primary_key=True)
    credential: Mapped[str] = mapped_column(String(71), primary_key=True)
    __table_args__ = (Index("passport_link_credential", "credential"),)


class PassportRow(Base):
    """A logged product passport: superseded from ``superseded_at`` on by the newer passport of the same
    product by the same organisation (``superseded_by``), revoked from ``revoked_at`` on by its issuer's
    revocation ``revoked_by``; None while it is the current one."""

    __tablename__ = "passport"
    digest: Mapped[str] = mapped_column(String(71), primary_key=True)
    log_index: Mapped[int] = mapped_column(BigInteger)
    product: Mapped[str] = mapped_column(Text)
    org: Mapped[str] = mapped_column(String(18))
    superseded_at: Mapped[int | None] = mapped_column(BigInteger)
    superseded_by: Mapped[str | None] = mapped_column(String(71))
    revoked_at: Mapped[int | None] = mapped_column(BigInteger)
    revoked_by: Mapped[str | None] = mapped_column(String(71))

    __table_args__ = (Index("passport_product", "product", "log_index"),)
