"""carbontrail's append-only log: RFC 9162 Merkle trees over C2SP tlog-tiles, with signed-note checkpoints.

The pure modules here (hashing, compact ranges, proofs, notes, checkpoints, tiles, cosignatures, receipts,
policies, the witness state machine) import neither SQLAlchemy nor FastAPI, so an auditor or a witness
verifies with nothing else loaded. Storage lives in ``ledger.storage``, which this package does not import.
"""
