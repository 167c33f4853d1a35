"""The log as an installation runs it: its key, database, policy and witnesses, wired together.

Plain functions that the CLI and the HTTP routes both call. The log's own policy file (C2SP tlog-policy, in
the data directory) names the log's key and URL, the witnesses it asks to cosign (with their URLs) and the
quorum; verifiers can be handed the same file.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, insert, select

from api import orm
from api.keyfile import public_bytes, read_key_file, write_key_file
from api.settings import Settings
from identifiers.multikey import did_key_from_public_key, public_key_from_did_key
from ledger import keys, tileproof
from ledger.checkpoint import Checkpoint, sign_checkpoint
from ledger.errors import KeyFileError, RangeError, StorageError
from ledger.note import Ed25519Signer
from ledger.policy import Policy, parse_policy
from ledger.proof import inclusion
from ledger.receipt import Receipt, format_receipt
from ledger.storage.orm import LogMeta
from ledger.storage.sequencer import AcceptHook, Admission, AppendResult, Sequencer, admit_all
from ledger.storage.store import ConnectionTileReader, LogStore, StoredCheckpoint, size_of

REGISTRAR_META = "registrar_genesis"
"""log_meta key of the registrar's first key (a did:key): the registry's trust anchor for this log."""

DEFAULT_ORIGIN = "carbontrail.local/log"
"""The origin of a log initialised without ``--origin``: set a real one (the log's URL without scheme)."""


@dataclass(frozen=True)
class Log:
    """An open log: settings, store, the log's signer, and its own policy."""

    settings: Settings
    store: LogStore
    signer: Ed25519Signer
    policy: Policy
    registrar_genesis: bytes
    """The registrar's first public key: the trust anchor the registry is replayed from."""

    @property
    def origin(self) -> str:
        """The log's origin (its key name)."""
        return self.signer.name

    def sign(self, size: int, root: bytes) -> bytes:
        """Sign the checkpoint of (size, root) with the log's key."""
        return sign_checkpoint(Checkpoint(self.origin, size, root), [self.signer]).to_bytes()

    def sequencer(self, admission: Admission = admit_all, on_accept: AcceptHook | None = None) -> Sequencer:
        """A sequencer for this log with the given admission function and accept hook.

        A batch takes every pending row, whoever submitted it, so every sequencer of an installation must
        judge alike: use the submission pipeline's (``api.submission.open_pipeline``), as ``append`` does.
        """
        return Sequencer(self.store, self.sign, admission, on_accept)


def init_log(settings: Settings, origin: str | None = None) -> str:
    """Create the data directory, the log and registrar keys, the database and the log's policy.

    Returns the log's verifier key. Idempotent for the same origin: existing keys and database are kept.

    Raises:
        StorageError: the key or database already belongs to a log with another origin.
    """
    settings.home.mkdir(parents=True, exist_ok=True)
    if settings.log_key_path.exists():
        signer = Ed25519Signer.from_skey(keys.read_private_key(settings.log_key_path))
        if origin is not None and signer.name != origin:
            raise StorageError(f"{settings.log_key_path} is the key of {signer.name!r}, not {origin!r}")
    else:
        skey, _ = keys.generate_log_key(origin or DEFAULT_ORIGIN)
        keys.write_private_key(settings.log_key_path, skey)
        signer = Ed25519Signer.from_skey(skey)
    vkey = signer.verifier().vkey
    store = LogStore.create(settings.db_url, signer.name)
    orm.Base.metadata.create_all(store.engine)
    if settings.registrar_key_path.exists():
        registrar = read_key_file(settings.registrar_key_path)
    elif (anchor := store.meta(REGISTRAR_META)) is not None:
        # A new key here could never sign for this log: say so, and leave no stray key file behind.
        raise StorageError(
            f"no registrar key at {settings.registrar_key_path}; this log's registrar is {anchor}: "
            "put its key file (or a later registrar's) there"
        )
    else:
        registrar = Ed25519PrivateKey.generate()
        write_key_file(settings.registrar_key_path, registrar)
    genesis = did_key_from_public_key(public_bytes(registrar))
    with store.engine.begin() as conn:
        recorded = conn.execute(select(LogMeta.value).where(LogMeta.key == REGISTRAR_META)).scalar()
        if recorded is None:
            conn.execute(insert(LogMeta), {"key": REGISTRAR_META, "value": genesis})
        elif recorded != genesis and not _was_registrar(conn, recorded, public_bytes(registrar)):
            raise StorageError(
                f"this log's registrar is {recorded}, not the key in {settings.registrar_key_path}"
            )
    if not settings.policy_path.exists():
        settings.policy_path.write_text(
            "# This log's trust policy (C2SP tlog-policy). Add witnesses as\n"
            "#   witness <name> <vkey> <url>\n"
            "# and a quorum over them; the log asks each witness with a URL to cosign new checkpoints.\n"
            f"log {vkey}\nquorum none\n"
        )
    return vkey


def _was_registrar(conn: Connection, anchor: str, key: bytes) -> bool:
    """Whether the log's registry (anchored at ``anchor``) has made ``key`` its registrar: after
    ``org rotate-registrar``, the new key file may take the place of ``registrar.key``."""
    from api.submission import RegistryCache  # submission imports this module

    state = RegistryCache(public_key_from_did_key(anchor)).at(conn, size_of(conn))
    return any(hmac.compare_digest(k, key) for _, k in state.registrar_keys())


def open_log(settings: Settings) -> Log:
    """Open the log of this installation.

    Raises:
        KeyFileError: the log key is missing or unreadable (run ``carbontrail init``).
        StorageError: the database holds no log, or the log of another origin.
        PolicyError: the policy file does not parse.
    """
    if not settings.log_key_path.exists():
        raise KeyFileError(f"no log key at {settings.log_key_path}: run `carbontrail init` first")
    signer = Ed25519Signer.from_skey(keys.read_private_key(settings.log_key_path))
    store = LogStore.open(settings.db_url)
    # Tables a newer carbontrail added (create_all only creates what is missing; it never alters).
    orm.Base.metadata.create_all(store.engine)
    if store.origin != signer.name:
        raise StorageError(f"the database holds the log {store.origin!r}, the key is {signer.name!r}'s")
    policy = parse_policy(settings.policy_path.read_bytes())
    genesis = store.meta(REGISTRAR_META)
    if genesis is None:
        raise StorageError("the log has no registrar recorded: run `carbontrail init` again")
    return Log(settings, store, signer, policy, public_key_from_did_key(genesis))


def registrar_did(log: Log) -> str:
    """The registrar's first key as a did:key (what verifiers are given as the registry's anchor)."""
    return did_key_from_public_key(log.registrar_genesis)


def append(log: Log, entries: Sequence[bytes]) -> list[AppendResult]:
    """Append raw entries durably, then ask the policy's witnesses to cosign the new checkpoint.

    They are sequenced with the installation's one admission function (the submission pipeline's), since
    the batch also takes any document another process has left pending, which must be judged and stored.
    """
    from api.submission import open_pipeline  # submission imports this module

    return open_pipeline(log).append(entries)


def receipt(log: Log, index: int, size: int | None = None) -> bytes:
    """A C2SP tlog-proof@v1 receipt for entry ``index`` against the checkpoint of ``size`` (default: latest).

    Raises:
        RangeError: no such entry, or no checkpoint of that size.
    """
    checkpoint = log.store.checkpoint(size) if size is not None else log.store.latest_checkpoint()
    if checkpoint is None:
        raise StorageError("the log has no checkpoint yet")
    proof = log.store.inclusion_proof(index, checkpoint.size)
    return format_receipt(Receipt(index, tuple(proof), checkpoint.cosigned_note))


def batch_receipts(log: Log, indices: Iterable[int]) -> tuple[StoredCheckpoint, dict[int, str]]:
    """The log's latest checkpoint and a tlog-proof@v1 receipt per index against it.

    The checkpoint is read first (so it covers every index the caller read before calling), and the tiles
    through a connection opened after it (so they cover its size). Receipts of many entries share most of
    their nodes: every distinct node is computed once, from tiles read in one query, rather than once per
    proof.

    Raises:
        StorageError: the log has no checkpoint yet.
        RangeError: an index the checkpoint does not cover.
    """
    checkpoint = log.store.latest_checkpoint()
    if checkpoint is None:
        raise StorageError("the log has no checkpoint yet")
    wanted = sorted(set(indices))
    if not wanted:
        return checkpoint, {}
    size, note = checkpoint.size, checkpoint.cosigned_note
    if wanted[-1] >= size:
        raise RangeError(f"entry {wanted[-1]} is not in the tree of size {size}")
    plans = {i: inclusion(i, size) for i in wanted}
    nodes = sorted({node for plan in plans.values() for node in plan.ids})
    with log.store.engine.connect() as conn:
        hashes = dict(zip(nodes, tileproof.node_hashes(ConnectionTileReader(conn), size, nodes), strict=True))
    return checkpoint, {
        i: format_receipt(Receipt(i, tuple(plan.rehash([hashes[n] for n in plan.ids])), note)).decode()
        for i, plan in plans.items()
    }
