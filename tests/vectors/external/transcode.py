"""Transcribe two real log proofs from other ecosystems into C2SP tlog-proof@v1 receipts and policies.

The upstream values below are copied verbatim from the sources README.md names; this script only re-encodes
them (hex to base64, Sigsum's ASCII proof to C2SP lines). No signature is made here: every signature in the
output is the upstream log's or witness's own. Run it to regenerate the files; ``--check`` compares the
files on disk byte for byte instead (the tests do this).
"""

from __future__ import annotations

import base64
import hashlib
import sys
from pathlib import Path

from ledger.cosignature import CosignatureVerifier
from ledger.note import Ed25519Verifier, Note, NoteSignature

HERE = Path(__file__).parent

# --- Sigsum: mullvad/sigsum-rs README.md @ 8212dfecee661de8f09dd368477e3a432430d621 (MIT) -------------------
SIGSUM_DATA = b"Hello, Sigsum!"
SIGSUM_LOG_KEY = "4644af2abd40f4895a003bca350f9d5912ab301a49c77f13e5b6d905c20a5fe6"
SIGSUM_WITNESS_KEY = "4a921b7caef58ae670cdc11ef4184f1c058f7b9259a9107a969f69fa54aa496f"
SIGSUM_SUBMITTER_KEY = "8a9b8b9f45a826b541c1477861a458c7b30ef1cc9600c515d593c4e2f72f375e"
SIGSUM_LEAF_SIGNATURE = (
    "1a5fcc2b05fb6ca66dbc7e62bcc7934fb0ebf49bba501c285222550a67e590fa"
    "3237b338ba59d2327800788b85ff9e80ea88c71157519974c70d10c825e65401"
)
SIGSUM_SIZE = 8858
SIGSUM_ROOT = "b8c0a14d4fa1440e8d624f0fbe1639477d41bcd3cd530317682925dcf09f1835"
SIGSUM_TREE_SIGNATURE = (
    "726ebfe875ca1b54a586ad77a0f28ecadbdc3e3bbff5fb7d8b0dd69aa1a3195a"
    "30082e51b1982a70228ac455ef0d5da329bcaacc08a9dcf0dbc765fe0cc18400"
)
SIGSUM_COSIGNATURE_TIME = 1759300864
SIGSUM_COSIGNATURE = (
    "fc44071f94fe33b4de857f60b4dc1703b59c8623147d68f99b1a4275bbc6897b"
    "40c23a3d03d2c20e098ac1016f73258ebcaeeeeef2fa585106be9f49e26ccc0f"
)
SIGSUM_INDEX = 8857
SIGSUM_PATH = [
    "9736194936496bfbea6e571fad7f34519f32a1132c340cff8ae6c071a4ba7320",
    "42fb1dfd5f0610ae4e61f91b644c3794a24d1084331db464096beb7c0c9dc11b",
    "1c0df8227e8a3a76ab618d421c89afa3923ea5c74c025eec0c53a1109d4c9d28",
    "91bc923fa508d27f12ddeae047e7b51a7bb5cc529b173836d66bdd8728eab5c9",
    "ca6768bb0e267f5c339e639f02101c73be12efd5dd0462959677a86e22bbb58d",
    "e8bb977d7ae35a4b7e591ded5e3d7fad0afee0b958d6309a52f48fe46c679c36",
]
# Sigsum proofs identify witnesses by key hash only; the cosignature/v1 message does not cover the name, so
# this name is ours (README.md says so) and the signature is still the witness's own.
SIGSUM_WITNESS_NAME = "witness-4a921b7c.sigsum-rs-readme.example"

# --- Sigstore Rekor v2 staging: sigstore/sigstore-python test/assets/staging-rekor-v2.txt.sigstore.json
#     @ 6230fcf1e9e0f564cd16b892f525909df2a92b97 (Apache-2.0) ------------------------------------------------
REKOR_VKEY = "log2025-alpha1.rekor.sigstage.dev+f30d5a99+AT5/gERB6AWme8IEtcwaqcZi0hp8ocV4+JRcUnVlQfKP"
REKOR_INDEX = 645
REKOR_HASHES = [
    "eTqr8nE8VGEREKQ2MDQeD+zKHTJERE6iNw0tG1G+WbQ=",
    "wzbEsO0X3AWHadlgJZx7yhJdRVEZ2dEY21okXQ6UIi4=",
    "QMesRTEZdIgthOEinYE/9J7wGv+VmArDZTICj9POmhY=",
    "UNUMG62rMwoqCqFKknh4R5Ubkf5Z6dj+Pk0m/1xu8uo=",
]
REKOR_ENVELOPE = (
    "log2025-alpha1.rekor.sigstage.dev\n646\nkNum4JmdViJPfZLMRB3xPi6flATj2JzJSiF+1pQDzNQ=\n\n"
    "\u2014 log2025-alpha1.rekor.sigstage.dev 8w1amQA0XB55lIjvC/rvbpawQn9lp2R5TSkvqoNJuxcH9Ii05Ddi66xN8z5ZE6G"
    "sK2MkvgNZuqnZ5RtHbq2kpt/B8AE=\n"
)
REKOR_CANONICALIZED_BODY = (
    "eyJhcGlWZXJzaW9uIjoiMC4wLjIiLCJraW5kIjoiaGFzaGVkcmVrb3JkIiwic3BlYyI6eyJoYXNoZWRSZWtvcmRWMDAyIjp7ImRhdGEiOn"
    "siYWxnb3JpdGhtIjoiU0hBMl8yNTYiLCJkaWdlc3QiOiJGZlp5UmhGWklidDhIZURuNmVrblhJQVczQ1ZLREFDWWlKUkxmdE5rU3FvPSJ9"
    "LCJzaWduYXR1cmUiOnsiY29udGVudCI6Ik1FVUNJQVo2VDhBVVpTQ0JaYUtKa3NMbFNpbE5xRUVPdDRaeUdNR2VwVXBLcDdWR0FpRUFzL1"
    "gwa01KVG5FT3V6L0RMV3hUTDR3QlZOa2lXSVVERjM2RUVENzAzOTZBPSIsInZlcmlmaWVyIjp7ImtleURldGFpbHMiOiJQS0lYX0VDRFNB"
    "X1AyNTZfU0hBXzI1NiIsIng1MDlDZXJ0aWZpY2F0ZSI6eyJyYXdCeXRlcyI6Ik1JSUN5ekNDQWxDZ0F3SUJBZ0lVSmMvNm94K3hiK0NtYj"
    "VVVnJGaGR1NWppTXpJd0NnWUlLb1pJemowRUF3TXdOekVWTUJNR0ExVUVDaE1NYzJsbmMzUnZjbVV1WkdWMk1SNHdIQVlEVlFRREV4Vnph"
    "V2R6ZEc5eVpTMXBiblJsY20xbFpHbGhkR1V3SGhjTk1qVXdOakE1TVRFMU56TTFXaGNOTWpVd05qQTVNVEl3TnpNMVdqQUFNRmt3RXdZSE"
    "tvWkl6ajBDQVFZSUtvWkl6ajBEQVFjRFFnQUV2b1liMWg2c2psT1IyNzZyQ2puUGMvUGdadFRhaEx6bWYzMmYwOFBaLzJlV3I0cTk3OWl0"
    "VncxUEc4SWhjSzNFMlppaWhlZ1hFZ2g0bVBra01uNzhCS09DQVc4d2dnRnJNQTRHQTFVZER3RUIvd1FFQXdJSGdEQVRCZ05WSFNVRUREQU"
    "tCZ2dyQmdFRkJRY0RBekFkQmdOVkhRNEVGZ1FVc29abHZwSUtnUjZXbGdlenZrRDZ4ekh5cGNNd0h3WURWUjBqQkJnd0ZvQVVjWVl3cGhS"
    "OFltLzU5OWIwQlJwL1gvL3JiNnd3R1FZRFZSMFJBUUgvQkE4d0RZRUxhbXQxUUdkdmRHOHVabWt3TEFZS0t3WUJCQUdEdnpBQkFRUWVhSF"
    "IwY0hNNkx5OW5hWFJvZFdJdVkyOXRMMnh2WjJsdUwyOWhkWFJvTUM0R0Npc0dBUVFCZzc4d0FRZ0VJQXdlYUhSMGNITTZMeTluYVhSb2RX"
    "SXVZMjl0TDJ4dloybHVMMjloZFhSb01JR0tCZ29yQmdFRUFkWjVBZ1FDQkh3RWVnQjRBSFlBS3pDODNHaUl5ZUxoMkNZcFhuUWZTRGt4bG"
    "dMeW5EUExYa05BL3JLc2hub0FBQUdYVkkyYUZnQUFCQU1BUnpCRkFpQkRIUnBLR1RwaVUzTngyOFhnZXdsdnpiTXQvdWc2aXBOOFhqOXRy"
    "eVdid1FJaEFQLzNDbmdvNFN0MW5BZ2drZmxvd3lTTDBmUFlnL1FEY0pLRTZYY2VPTjNXTUFvR0NDcUdTTTQ5QkFNREEya0FNR1lDTVFDZn"
    "lRbWNOYmcyZzVQRDlKcmI5eU9TK3ZFd3dUaG9ZMllEb3B0RHpoSnZPeE5ZTGVrNkRSd0NBalo0U3FlVHdtUUNNUUREM2xYb3RMR3NuL0NK"
    "eEdsRWlWYUYyK3ozU0tiK2JMR0dLUUFUSFBrWi9YSHZMSTJjQWRWaGNUWWVFbjM2c2hFPSJ9fX19fX0="
)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _receipt(index: int, hashes: list[str], checkpoint: bytes) -> bytes:
    lines = ["c2sp.org/tlog-proof@v1", f"index {index}", *hashes]
    return "".join(line + "\n" for line in lines).encode("ascii") + b"\n" + checkpoint


def sigsum_files() -> dict[str, bytes]:
    """The Sigsum entry (its 128-byte leaf), receipt and policy."""
    sha = hashlib.sha256
    log_key = bytes.fromhex(SIGSUM_LOG_KEY)
    origin = "sigsum.org/v1/tree/" + sha(log_key).hexdigest()
    log = Ed25519Verifier(origin, log_key)
    witness = CosignatureVerifier(SIGSUM_WITNESS_NAME, bytes.fromhex(SIGSUM_WITNESS_KEY))
    text = f"{origin}\n{SIGSUM_SIZE}\n{_b64(bytes.fromhex(SIGSUM_ROOT))}\n"
    note = Note(
        text,
        (
            NoteSignature(origin, log.key_id, bytes.fromhex(SIGSUM_TREE_SIGNATURE)),
            NoteSignature(
                witness.name,
                witness.key_id,
                SIGSUM_COSIGNATURE_TIME.to_bytes(8, "big") + bytes.fromhex(SIGSUM_COSIGNATURE),
            ),
        ),
    )
    # A Sigsum leaf is checksum || signature || key hash, with checksum = SHA-256(SHA-256(data)).
    leaf = (
        sha(sha(SIGSUM_DATA).digest()).digest()
        + bytes.fromhex(SIGSUM_LEAF_SIGNATURE)
        + sha(bytes.fromhex(SIGSUM_SUBMITTER_KEY)).digest()
    )
    hashes = [_b64(bytes.fromhex(h)) for h in SIGSUM_PATH]
    policy = f"log {log.vkey}\nwitness w1 {witness.vkey}\nquorum w1\n"
    return {
        "sigsum-hello.entry": leaf,
        "sigsum-hello.tlog-proof": _receipt(SIGSUM_INDEX, hashes, note.to_bytes()),
        "sigsum-hello.policy": policy.encode("utf-8"),
    }


def rekor_files() -> dict[str, bytes]:
    """The Rekor v2 entry (its canonicalized body), receipt and policy."""
    return {
        "rekor-staging-645.entry": base64.b64decode(REKOR_CANONICALIZED_BODY),
        "rekor-staging-645.tlog-proof": _receipt(REKOR_INDEX, REKOR_HASHES, REKOR_ENVELOPE.encode("utf-8")),
        "rekor-staging-645.policy": f"log {REKOR_VKEY}\nquorum none\n".encode(),
    }


def all_files() -> dict[str, bytes]:
    """Every file this script writes, by name."""
    return {**sigsum_files(), **rekor_files()}


def main(argv: list[str]) -> int:
    """Write the files, or with ``--check`` report those that differ; return the exit status."""
    check = argv[1:] == ["--check"]
    stale = []
    for name, content in all_files().items():
        path = HERE / name
        if check:
            if not path.exists() or path.read_bytes() != content:
                stale.append(name)
        else:
            path.write_bytes(content)
    for name in stale:
        print(f"{name} differs from what transcode.py produces", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
