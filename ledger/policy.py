"""C2SP tlog-policy (c2sp.org/tlog-policy): which logs and witnesses are trusted, and the cosigning quorum.

A policy file has ``log <vkey> [<url>]``, ``witness <name> <vkey> [<url>]``, ``group <name> all|any|<k>
<name>...`` and exactly one ``quorum <name>`` line; ``none`` is the predefined empty quorum. Parsing is
strict: every error names its line. Names may be used only after their definition, each name is defined
once, each group lists a member at most once, and no two logs or two witnesses share a public key. The
policy file is bytes: octets with the high bit set are opaque and kept as they are (surrogate escapes).

:meth:`Policy.verify_log` checks a checkpoint's log signature; :meth:`Policy.check` its witness quorum. A
policy indexes its witnesses by key name and key ID when it is made (their keys are loaded then too), so a
policy loaded once matches each cosignature line with one lookup.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ledger.checkpoint import Checkpoint, parse_checkpoint
from ledger.cosignature import CosignatureVerifier
from ledger.errors import KeyFormatError, MalformedError, PolicyError, QuorumError
from ledger.note import Ed25519Verifier, Note, VerifiedNote, verify_note

__all__ = [
    "MAX_DEFINITIONS",
    "NONE",
    "Group",
    "Policy",
    "PolicyLog",
    "PolicyWitness",
    "format_policy",
    "parse_policy",
]

NONE = "none"
"""The predefined quorum name that requires no cosignature."""

MAX_DEFINITIONS = 1024
"""Most logs, witnesses or groups a policy may define (the spec asks implementations for at least 32)."""

_WS = " \t"


@dataclass(frozen=True)
class PolicyLog:
    """A trusted log: its Ed25519 key (named as its origin) and an optional URL."""

    verifier: Ed25519Verifier
    url: str | None = None


@dataclass(frozen=True)
class PolicyWitness:
    """A trusted witness: its policy-local name, its cosignature/v1 key, an optional URL."""

    name: str
    verifier: CosignatureVerifier
    url: str | None = None


@dataclass(frozen=True)
class Group:
    """A witness group that witnesses a checkpoint when at least ``threshold`` of its members do."""

    name: str
    threshold: int
    members: tuple[str, ...]
    keyword: str | None = None  # "all" or "any" when the file said so, for an exact reformat


def _error(lineno: int, message: str) -> PolicyError:
    return PolicyError(f"policy line {lineno}: {message}")


def _check_chars(data: bytes) -> None:
    lineno = 1
    for b in data:
        if b == 0x0A:
            lineno += 1
        elif b != 0x09 and (b < 0x20 or b == 0x7F):
            raise _error(lineno, f"forbidden control octet 0x{b:02x}")


def _threshold(word: str, n: int, lineno: int) -> int:
    if word == "all":
        return n
    if word == "any":
        return 1
    if not word.isascii() or not word.isdigit() or (len(word) > 1 and word[0] == "0"):
        raise _error(lineno, f"group threshold {word!r} is not all, any or a decimal")
    k = int(word)
    if not 1 <= k <= n:
        raise _error(lineno, f"group threshold {k} is outside 1..{n}")
    return k


@dataclass(frozen=True)
class Policy:
    """A parsed policy: trusted logs, witnesses, groups, and the quorum's name (``none`` for no quorum).

    Equality uses those four fields; the lookup tables are derived from them when the policy is made.
    """

    logs: tuple[PolicyLog, ...]
    witnesses: tuple[PolicyWitness, ...]
    groups: tuple[Group, ...]
    quorum: str
    _by_key: Mapping[tuple[str, bytes], tuple[PolicyWitness, ...]] = field(
        init=False, repr=False, compare=False
    )
    _groups: Mapping[str, Group] = field(init=False, repr=False, compare=False)
    _logs: Mapping[str, tuple[Ed25519Verifier, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        logs: dict[str, tuple[Ed25519Verifier, ...]] = {}
        for log in self.logs:
            logs[log.verifier.name] = (*logs.get(log.verifier.name, ()), log.verifier)
        object.__setattr__(self, "_logs", logs)
        # Several witnesses may share a key name and key ID (IDs are 4 bytes): each gets its own check.
        by_key: dict[tuple[str, bytes], tuple[PolicyWitness, ...]] = {}
        for w in self.witnesses:
            k = (w.verifier.name, w.verifier.key_id)
            by_key[k] = (*by_key.get(k, ()), w)
        object.__setattr__(self, "_by_key", by_key)
        object.__setattr__(self, "_groups", {g.name: g for g in self.groups})

    @classmethod
    def from_keys(cls, log_vkey: str, witness_vkeys: Sequence[str], quorum: int) -> Policy:
        """Build a policy from one log key, witness keys, and "at least ``quorum`` of them" (CLI flags).

        Witnesses are named by their key names; ``quorum`` 0 means no cosignature is required.

        Raises:
            PolicyError: when a key does not parse, names or keys repeat, or ``quorum`` exceeds the witnesses.
        """
        lines = [f"log {log_vkey}"]
        names = []
        for vkey in witness_vkeys:
            try:
                name = CosignatureVerifier.from_vkey(vkey).name
            except KeyFormatError as e:
                raise PolicyError(f"witness key {vkey!r}: {e.message}") from e
            names.append(name)
            lines.append(f"witness {name} {vkey}")
        if quorum < 0 or quorum > len(names):
            raise PolicyError(f"quorum {quorum} is outside 0..{len(names)}")
        if quorum == 0:
            lines.append(f"quorum {NONE}")
        else:
            group = "quorum-group"
            while group in names:
                group += "-"
            lines.append(f"group {group} {quorum} {' '.join(names)}")
            lines.append(f"quorum {group}")
        return parse_policy("".join(line + "\n" for line in lines).encode("utf-8"))

    def log_verifiers(self, origin: str) -> tuple[Ed25519Verifier, ...]:
        """The trusted log keys for ``origin`` (a log's key name must be its origin)."""
        return self._logs.get(origin, ())

    def verify_log(self, note: Note, checkpoint: Checkpoint | None = None) -> VerifiedNote:
        """Check that a trusted log for the checkpoint's origin signed ``note``.

        Args:
            note: the checkpoint note.
            checkpoint: the note's text already parsed, when the caller has it; only its origin is used, and
                that is checked to be the note's first line. Otherwise the text is parsed here.

        Raises:
            MalformedError: when the note's text is not a checkpoint, or ``checkpoint`` has another origin.
            PolicyError: when the policy names no log for the checkpoint's origin.
            SignatureError: when the log's signature does not verify.
            UnknownKeyError: when the log's key did not sign the note.
        """
        if checkpoint is None:
            checkpoint = parse_checkpoint(note.text)
        elif not note.text.startswith(checkpoint.origin + "\n"):
            raise MalformedError("the checkpoint given is not the note's: its origin differs")
        verifiers = self.log_verifiers(checkpoint.origin)
        if not verifiers:
            raise PolicyError(f"the policy trusts no log with origin {checkpoint.origin!r}")
        return verify_note(note, verifiers)

    def cosigners(self, note: Note) -> frozenset[str]:
        """Return the policy names of the witnesses whose cosignatures on ``note`` verify.

        Every signature line from a trusted witness's key (same key name and key ID) is verified; signatures
        from keys the policy does not name are ignored.

        Raises:
            SignatureError: when a trusted witness's cosignature does not verify.
        """
        message = note.text.encode("utf-8")
        cosigned = set()
        by_key = self._by_key
        for sig in note.signatures:
            for witness in by_key.get((sig.name, sig.key_id), ()):
                witness.verifier.verify(message, sig.signature)
                cosigned.add(witness.name)
        return frozenset(cosigned)

    def satisfied_by(self, cosigned: frozenset[str]) -> bool:
        """Whether the witnesses named in ``cosigned`` meet the quorum (a predicate, not a verification)."""
        groups = self._groups

        def witnessed(name: str) -> bool:
            group = groups.get(name)
            if group is None:
                return name in cosigned
            return sum(1 for m in group.members if witnessed(m)) >= group.threshold

        return self.quorum == NONE or witnessed(self.quorum)

    def require_quorum(self, note: Note) -> frozenset[str]:
        """Check the quorum like :meth:`check` and return the names of the trusted witnesses that cosigned.

        Raises:
            SignatureError: when a trusted witness's cosignature does not verify.
            QuorumError: when the cosignatures that verify do not meet the quorum.
        """
        cosigned = self.cosigners(note)
        if not self.satisfied_by(cosigned):
            have = ", ".join(sorted(cosigned)) or "none"
            raise QuorumError(f"quorum {self.quorum!r} is not met; trusted cosigners: {have}")
        return cosigned

    def check(self, note: Note) -> None:
        """Check that enough trusted witnesses cosigned ``note`` to meet the quorum.

        Raises:
            SignatureError: when a trusted witness's cosignature does not verify.
            QuorumError: when the cosignatures that verify do not meet the quorum.
        """
        self.require_quorum(note)


def _log_key(vkey: str, lineno: int) -> Ed25519Verifier:
    try:
        return Ed25519Verifier.from_vkey(vkey)
    except (KeyFormatError, MalformedError) as e:
        raise _error(lineno, e.message) from e


def _witness_key(vkey: str, lineno: int) -> CosignatureVerifier:
    try:
        return CosignatureVerifier.from_vkey(vkey)
    except (KeyFormatError, MalformedError) as e:
        raise _error(lineno, e.message) from e


def parse_policy(data: bytes) -> Policy:
    """Parse a policy file strictly.

    Raises:
        PolicyError: naming the line, for any syntax or consistency error.
    """
    _check_chars(data)
    if data and not data.endswith(b"\n"):
        raise PolicyError("policy file does not end in a newline")
    text = data.decode("utf-8", errors="surrogateescape")
    logs: list[PolicyLog] = []
    witnesses: list[PolicyWitness] = []
    groups: list[Group] = []
    defined: set[str] = set()
    log_keys: set[bytes] = set()
    witness_keys: set[bytes] = set()
    quorum: str | None = None
    for lineno, line in enumerate(text.split("\n")[:-1] if text else [], start=1):
        # Only ASCII space and tab separate items; other octets, even Unicode spaces, belong to the items.
        words = [w for w in line.replace("\t", " ").split(" ") if w]
        if not words or words[0].startswith("#"):
            continue
        keyword, args = words[0], words[1:]
        if keyword == "log":
            if len(args) not in (1, 2):
                raise _error(lineno, "want: log <vkey> [<url>]")
            verifier = _log_key(args[0], lineno)
            if verifier.public_key in log_keys:
                raise _error(lineno, "duplicate log key")
            log_keys.add(verifier.public_key)
            logs.append(PolicyLog(verifier, args[1] if len(args) == 2 else None))
        elif keyword == "witness":
            if len(args) not in (2, 3):
                raise _error(lineno, "want: witness <name> <vkey> [<url>]")
            name = args[0]
            if name == NONE or name in defined:
                raise _error(lineno, f"name {name!r} is already defined")
            cosigner = _witness_key(args[1], lineno)
            if cosigner.public_key in witness_keys:
                raise _error(lineno, "duplicate witness key")
            witness_keys.add(cosigner.public_key)
            defined.add(name)
            witnesses.append(PolicyWitness(name, cosigner, args[2] if len(args) == 3 else None))
        elif keyword == "group":
            if len(args) < 3:
                raise _error(lineno, "want: group <name> all|any|<k> <name>...")
            name, word, members = args[0], args[1], tuple(args[2:])
            if name == NONE or name in defined:
                raise _error(lineno, f"name {name!r} is already defined")
            for m in members:
                if m not in defined:
                    raise _error(lineno, f"group member {m!r} is not defined on an earlier line")
            if len(set(members)) != len(members):
                raise _error(lineno, "a group lists a member more than once")
            threshold = _threshold(word, len(members), lineno)
            defined.add(name)
            groups.append(Group(name, threshold, members, word if word in ("all", "any") else None))
        elif keyword == "quorum":
            if len(args) != 1:
                raise _error(lineno, "want: quorum <name>")
            if quorum is not None:
                raise _error(lineno, "a second quorum line")
            if args[0] != NONE and args[0] not in defined:
                raise _error(lineno, f"quorum {args[0]!r} is not defined on an earlier line")
            quorum = args[0]
        else:
            raise _error(lineno, f"unknown keyword {keyword!r}")
        if max(len(logs), len(witnesses), len(groups)) > MAX_DEFINITIONS:
            raise _error(lineno, f"more than {MAX_DEFINITIONS} definitions of one kind")
    if quorum is None:
        raise PolicyError("policy has no quorum line")
    return Policy(tuple(logs), tuple(witnesses), tuple(groups), quorum)


def format_policy(policy: Policy) -> bytes:
    """Write a policy in the file format: logs, witnesses, groups, quorum, one per line.

    ``parse_policy(format_policy(p)) == p`` for every policy :func:`parse_policy` returns.
    """
    lines = []
    for log in policy.logs:
        lines.append(" ".join(["log", log.verifier.vkey, *([log.url] if log.url else [])]))
    for w in policy.witnesses:
        lines.append(" ".join(["witness", w.name, w.verifier.vkey, *([w.url] if w.url else [])]))
    for g in policy.groups:
        lines.append(" ".join(["group", g.name, g.keyword or str(g.threshold), *g.members]))
    lines.append(f"quorum {policy.quorum}")
    return "".join(line + "\n" for line in lines).encode("utf-8", errors="surrogateescape")
