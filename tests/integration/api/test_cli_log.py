"""The log's CLI, end to end on SQLite: outputs, exit codes, and one-line errors that change nothing."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from api.cli import main
from ledger import verify
from ledger.hashing import leaf_hash

ORIGIN = "cli.test/log"


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out = capsys.readouterr()
    return status, out.out, out.err


@pytest.fixture
def home(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    args = ["--home", str(tmp_path / "home")]
    status, out, _ = cli(capsys, "init", *args, "--origin", ORIGIN)
    assert status == 0
    assert out.strip().splitlines()[-1].startswith(ORIGIN + "+")
    return args


def write_entries(tmp_path: Path, n: int) -> list[Path]:
    paths = []
    for i in range(n):
        p = tmp_path / f"e{i}.txt"
        p.write_bytes(f"entry number {i}\n".encode())
        paths.append(p)
    return paths


def test_append_prove_verify(home: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy_lines = (Path(home[1]) / "policy").read_text().splitlines()
    vkey = next(line.split()[1] for line in policy_lines if line.startswith("log "))
    files = write_entries(tmp_path, 20)
    status, out, _ = cli(capsys, "log", "append", *home, *map(str, files[:12]))
    assert status == 0
    assert out.split() == [str(i) for i in range(12)]
    status, out, _ = cli(capsys, "log", "append", *home, *map(str, files[12:]), str(files[0]))
    assert out.split() == [*(str(i) for i in range(12, 20)), "0"]

    status, out, _ = cli(capsys, "log", "checkpoint", *home)
    assert out.splitlines()[:2] == [ORIGIN, "20"]

    status, out, _ = cli(capsys, "log", "prove", *home, "7", "--size", "12")
    assert status == 0
    receipt = tmp_path / "receipt"
    receipt.write_text(out)
    status, out, err = cli(
        capsys, "log", "verify-receipt", str(receipt), "--entry", str(files[7]), "--vkey", vkey
    )
    assert (status, err) == (0, "")
    assert "entry 7" in out
    status, _, err = cli(
        capsys, "log", "verify-receipt", str(receipt), "--entry", str(files[8]), "--vkey", vkey
    )
    assert status == 1
    assert err.startswith("carbontrail: ledger.root_mismatch: ")
    assert err.count("\n") == 1

    status, out, _ = cli(capsys, "log", "consistency", *home, "12", "20")
    proof = [base64.b64decode(line) for line in out.split()]
    roots = {}
    for size in (12, 20):
        _, cp_text, _ = cli(capsys, "log", "prove", *home, "0", "--size", str(size))
        roots[size] = base64.b64decode(cp_text.split("\n\n")[1].splitlines()[2])
    verify.verify_consistency(12, 20, roots[12], roots[20], proof)

    status, out, _ = cli(capsys, "log", "entry", *home, "3")
    assert out == "entry number 3\n"
    assert cli(capsys, "log", "fsck", *home)[0] == 0
    status, out, _ = cli(capsys, "log", "export", *home, str(tmp_path / "static"))
    assert (tmp_path / "static" / "checkpoint").read_bytes().startswith(ORIGIN.encode())
    bundle = (tmp_path / "static" / "tile/entries/000.p/20").read_bytes()
    assert (
        leaf_hash(files[5].read_bytes())
        == (tmp_path / "static/tile/0/000.p/20").read_bytes()[5 * 32 : 6 * 32]
    )
    assert len(bundle) == sum(2 + len(f.read_bytes()) for f in files)


def test_bad_input_is_one_line_and_changes_nothing(
    home: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big = tmp_path / "big"
    big.write_bytes(b"x" * 65536)
    ok = write_entries(tmp_path, 1)[0]
    status, out, err = cli(capsys, "log", "append", *home, str(ok), str(big))
    assert status == 2
    assert out == ""
    assert err.startswith("carbontrail: ledger.entry_too_large: ")
    assert err.count("\n") == 1
    status, _, err = cli(capsys, "log", "checkpoint", *home)
    assert status == 2
    assert err.startswith("carbontrail: ")

    status, _, err = cli(capsys, "log", "append", *home, str(tmp_path / "missing"))
    assert (status, err.split(":")[1].strip()) == (2, "cli.unreadable")

    assert cli(capsys, "log", "append", *home, str(ok))[1] == "0\n"
    status, _, err = cli(capsys, "log", "entry", *home, "5")
    assert (status, err.split(":")[1].strip()) == (2, "ledger.range")

    garbage = tmp_path / "receipt"
    garbage.write_text("c2sp.org/tlog-proof@v1\nindex 01\n\n")
    status, _, err = cli(capsys, "log", "verify-receipt", str(garbage), "--entry", str(ok), "--vkey", "x+1+2")
    assert status == 2
    assert err.startswith("carbontrail: ledger.")
    policy = tmp_path / "policy"
    policy.write_text("quorum nobody\n")
    status, _, err = cli(
        capsys, "log", "verify-receipt", str(garbage), "--entry", str(ok), "--policy", str(policy)
    )
    assert status in (1, 2)
    assert err.startswith("carbontrail: ledger.policy")


def test_commands_before_init_fail_cleanly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = cli(capsys, "log", "checkpoint", "--home", str(tmp_path / "nothing"))
    assert status == 2
    assert err.startswith("carbontrail: ledger.key_file: ")
