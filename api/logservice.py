"""The log as an installation runs it: its key, database, policy and witnesses, wired together.

Plain functions that the CLI and the HTTP routes both call. The log's own policy file (C2SP tlog-policy, in
the data directory) names the log's key and URL, the witnesses it asks to cosign (with their URLs) and the
quorum; verifiers can be handed the same file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from api.settings import Settings
from api.witnessing import cosign_latest
from ledger import keys
from ledger.checkpoint import Checkpoint, sign_checkpoint
from ledger.errors import KeyFileError, StorageError
from ledger.note import Ed25519Signer
from ledger.policy import Policy, parse_policy
from ledger.receipt import Receipt, format_receipt
from ledger.storage.sequencer import Admission, AppendResult, Sequencer, admit_all
from ledger.storage.store import LogStore

DEFAULT_ORIGIN = "carbontrail.local/log"
"""The origin of a log initialised without ``--origin``: set a real one (the log's URL without scheme)."""


@dataclass(frozen=True)
class Log:
    """An open log: settings, store, the log's signer, and its own policy."""

    settings: Settings
    store: LogStore
    signer: Ed25519Signer
    policy: Policy

    @property
    def origin(self) -> str:
        """The log's origin (its key name)."""
        return self.signer.name

    def sign(self, size: int, root: bytes) -> bytes:
        """Sign the checkpoint of (size, root) with the log's key."""
        return sign_checkpoint(Checkpoint(self.origin, size, root), [self.signer]).to_bytes()

    def sequencer(self, admission: Admission = admit_all) -> Sequencer:
        """A sequencer for this log with the given admission function."""
        return Sequencer(self.store, self.sign, admission)


def init_log(settings: Settings, origin: str | None = None) -> str:
    """Create the data directory, the log key, the database and the log's policy; return the verifier key.

    Idempotent for the same origin: an existing key and database are kept.

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
    LogStore.create(settings.db_url, signer.name)
    if not settings.policy_path.exists():
        settings.policy_path.write_text(
            "# This log's trust policy (C2SP tlog-policy). Add witnesses as\n"
            "#   witness <name> <vkey> <url>\n"
            "# and a quorum over them; the log asks each witness with a URL to cosign new checkpoints.\n"
            f"log {vkey}\nquorum none\n"
        )
    return vkey


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
    if store.origin != signer.name:
        raise StorageError(f"the database holds the log {store.origin!r}, the key is {signer.name!r}'s")
    policy = parse_policy(settings.policy_path.read_bytes())
    return Log(settings, store, signer, policy)


def append(log: Log, entries: Sequence[bytes], admission: Admission = admit_all) -> list[AppendResult]:
    """Append entries durably, then ask the policy's witnesses to cosign the new checkpoint."""
    results = log.sequencer(admission).append(entries)
    cosign_latest(log)
    return results


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
