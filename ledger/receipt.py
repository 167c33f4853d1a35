"""C2SP tlog-proof (c2sp.org/tlog-proof@v1): the offline receipt that an entry is in a witnessed log.

The format is the header line ``c2sp.org/tlog-proof@v1``, an optional ``extra <base64>`` line, an
``index <decimal>`` line, zero or more base64 inclusion-proof hashes (leaf's sibling first), an empty line,
and the checkpoint note verbatim (with the log's signature and witnesses' cosignatures). Parsing is strict and
:func:`format_receipt` is its exact inverse. :func:`verify_receipt` checks the receipt's shape, then the log's
signature, then the policy's witness quorum, and only then hashes the inclusion proof. A receipt parses its
checkpoint note (and the note's text as a checkpoint) once and keeps both, so parsing a receipt and then
verifying it parse the checkpoint once, not three times.
"""

from __future__ import annotations

import binascii
import hmac
from dataclasses import dataclass, field

from ledger import hashing
from ledger.checkpoint import Checkpoint, parse_checkpoint, parse_decimal
from ledger.errors import MalformedError, ProofError
from ledger.hashing import HASH_SIZE
from ledger.note import Note, decode_b64, parse_note
from ledger.policy import Policy
from ledger.verify import inclusion_proof_size, verify_inclusion

__all__ = [
    "HEADER",
    "MAX_PROOF_HASHES",
    "Receipt",
    "VerifiedReceipt",
    "format_receipt",
    "parse_receipt",
    "verify_receipt",
]

HEADER = "c2sp.org/tlog-proof@v1"
"""The receipt's first line."""

MAX_PROOF_HASHES = 63
"""Most hashes an inclusion proof in a tree of at most 2^63 - 1 leaves can have."""


@dataclass(frozen=True)
class Receipt:
    """A parsed tlog-proof: entry index, inclusion proof, the checkpoint note's exact bytes, extra data.

    Equality uses those four fields. The checkpoint note is parsed on first use (by :func:`parse_receipt`,
    which refuses a receipt whose checkpoint does not parse) and kept: the bytes are immutable, so the parse
    cannot go stale.
    """

    index: int
    proof: tuple[bytes, ...]
    checkpoint: bytes
    extra: bytes | None = None
    _parsed: tuple[Note, Checkpoint] | None = field(default=None, init=False, repr=False, compare=False)

    def _parse(self) -> tuple[Note, Checkpoint]:
        parsed = self._parsed
        if parsed is None:
            note = parse_note(self.checkpoint)
            parsed = (note, parse_checkpoint(note.text))
            object.__setattr__(self, "_parsed", parsed)
        return parsed

    def note(self) -> Note:
        """The checkpoint note, parsed (once).

        Raises:
            MalformedError: when the checkpoint is not a signed note whose text is a checkpoint.
        """
        return self._parse()[0]

    def tree_head(self) -> Checkpoint:
        """The checkpoint note's text parsed as a checkpoint (origin, size, root), parsed once.

        Raises:
            MalformedError: when the checkpoint is not a signed note whose text is a checkpoint.
        """
        return self._parse()[1]


def _take_line(data: bytes, pos: int, what: str) -> tuple[str, int]:
    end = data.find(b"\n", pos)
    if end < 0:
        raise MalformedError(f"receipt ends inside its {what}")
    try:
        return data[pos:end].decode("ascii"), end + 1
    except UnicodeDecodeError as e:
        raise MalformedError(f"receipt {what} is not ASCII") from e


def _proof_hash(line: bytes, i: int) -> bytes:
    digest = decode_b64(line, f"receipt proof hash {i}")
    if len(digest) != HASH_SIZE:
        raise MalformedError(f"receipt proof hash {i} is {len(digest)} bytes, want {HASH_SIZE}")
    return digest


def _proof_hashes(block: bytes) -> tuple[bytes, ...]:
    """Decode the proof's lines (``block``, each line ending in a newline): each is the base64 of 32 bytes.

    The common case runs in C-level passes (decode every line strictly, check every length, encode every
    hash back and compare with the block), not a Python loop over each line's checks; a block that fails
    is decoded again line by line, to name the line that is wrong.

    Raises:
        MalformedError: when there are too many lines, or a line is not the canonical base64 of 32 bytes.
    """
    lines = block[:-1].split(b"\n")
    if len(lines) > MAX_PROOF_HASHES:
        raise MalformedError(f"receipt proof has {len(lines)} hashes, more than {MAX_PROOF_HASHES}")
    try:
        proof = tuple(binascii.a2b_base64(line, strict_mode=True) for line in lines)
    except binascii.Error:
        proof = None
    if (
        proof is None
        or not set(map(len, proof)) <= {HASH_SIZE}
        or b"".join(map(binascii.b2a_base64, proof)) != block
    ):
        return tuple(_proof_hash(line, i) for i, line in enumerate(lines))
    return proof


def parse_receipt(data: bytes) -> Receipt:
    """Parse a tlog-proof@v1 receipt.

    Raises:
        MalformedError: when the header, extra, index or proof lines are malformed, the proof is too long or
            holds a hash that is not 32 bytes, or the checkpoint is not a signed checkpoint note.
    """
    line, pos = _take_line(data, 0, "header line")
    if line != HEADER:
        raise MalformedError(f"receipt does not start with {HEADER}")
    line, pos = _take_line(data, pos, "index line")
    extra = None
    if line.startswith("extra "):
        extra = decode_b64(line[len("extra ") :], "receipt extra data")
        line, pos = _take_line(data, pos, "index line")
    if not line.startswith("index "):
        raise MalformedError("receipt has no index line")
    index = parse_decimal(line[len("index ") :], "receipt index")
    # The proof runs to the first empty line: one search finds it, and its lines are decoded together.
    proof: tuple[bytes, ...] = ()
    if data.startswith(b"\n", pos):
        pos += 1
    else:
        end = data.find(b"\n\n", pos)
        if end < 0:
            raise MalformedError("receipt ends inside its inclusion proof")
        proof = _proof_hashes(data[pos : end + 1])
        pos = end + 2
    receipt = Receipt(index, proof, data[pos:], extra)
    receipt.tree_head()  # refuse a checkpoint that does not parse now; the parse is kept for verification
    return receipt


def format_receipt(receipt: Receipt) -> bytes:
    """Write a receipt in the tlog-proof@v1 format (the inverse of :func:`parse_receipt`)."""
    lines = [HEADER]
    if receipt.extra is not None:
        lines.append("extra " + binascii.b2a_base64(receipt.extra, newline=False).decode("ascii"))
    lines.append(f"index {receipt.index}")
    lines.extend(binascii.b2a_base64(h, newline=False).decode("ascii") for h in receipt.proof)
    return "".join(line + "\n" for line in lines).encode("ascii") + b"\n" + receipt.checkpoint


@dataclass(frozen=True)
class VerifiedReceipt:
    """What a verified receipt proves: the leaf at ``index`` is in ``checkpoint``, which the log signed and
    the named ``witnesses`` cosigned. ``extra`` is carried along unauthenticated."""

    index: int
    leaf_hash: bytes
    checkpoint: Checkpoint
    log: str
    witnesses: frozenset[str]
    extra: bytes | None


def verify_receipt(
    receipt: Receipt, entry: bytes | None, leaf_hash: bytes | None, policy: Policy
) -> VerifiedReceipt:
    """Verify a receipt for an entry (or its leaf hash) against a trust policy.

    Give ``entry`` (its RFC 9162 leaf hash is computed) or ``leaf_hash`` or both (they must agree).

    Raises:
        MalformedError: when the receipt's checkpoint is not a signed checkpoint.
        ProofError: when no entry or leaf hash is given, they disagree, the leaf hash is not 32 bytes, the
            index is outside the checkpoint's tree, or the proof has the wrong number of hashes.
        PolicyError: when the policy trusts no log for the checkpoint's origin.
        SignatureError: when the log's signature or a trusted witness's cosignature does not verify.
        UnknownKeyError: when the trusted log did not sign the checkpoint.
        QuorumError: when too few trusted witnesses cosigned.
        RootMismatchError: when the inclusion proof leads to another root.
    """
    # 1. Shape, before any signature check or hashing of the proof.
    if entry is None and leaf_hash is None:
        raise ProofError("verify_receipt needs the entry or its leaf hash")
    if leaf_hash is not None and len(leaf_hash) != HASH_SIZE:
        raise ProofError(f"leaf hash is {len(leaf_hash)} bytes, want {HASH_SIZE}")
    note, checkpoint = receipt.note(), receipt.tree_head()
    if not 0 <= receipt.index < checkpoint.size:
        raise ProofError(f"index {receipt.index} is outside the checkpoint's tree of size {checkpoint.size}")
    want = inclusion_proof_size(receipt.index, checkpoint.size)
    if len(receipt.proof) != want:
        raise ProofError(f"receipt proof has {len(receipt.proof)} hashes, want {want} for its index and size")
    if not set(map(len, receipt.proof)) <= {HASH_SIZE}:
        raise ProofError(f"a receipt proof hash is not {HASH_SIZE} bytes")
    if entry is None:
        assert leaf_hash is not None  # checked above; the assert narrows the type for mypy
        target = leaf_hash
    else:
        target = hashing.leaf_hash(entry)
        if leaf_hash is not None and not hmac.compare_digest(target, leaf_hash):
            raise ProofError("the leaf hash given is not the hash of the entry given")
    # 2. The log's signature.
    verified = policy.verify_log(note, checkpoint)
    # 3. The witnesses' quorum.
    witnesses = policy.require_quorum(note)
    # 4. Inclusion of the leaf in the signed tree.
    verify_inclusion(target, receipt.index, checkpoint.size, receipt.proof, checkpoint.root)
    return VerifiedReceipt(
        index=receipt.index,
        leaf_hash=target,
        checkpoint=checkpoint,
        log=verified.verified[0].name,
        witnesses=witnesses,
        extra=receipt.extra,
    )
