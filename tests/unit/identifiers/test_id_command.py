"""``carbontrail id parse`` (api/commands/id.py), through its own parser and through api.cli's errors."""

from __future__ import annotations

import argparse
import json
from unittest import mock

import pytest

from api import cli
from api.commands import id as id_command
from identifiers.errors import GtinError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="carbontrail")
    id_command.register(parser.add_subparsers(dest="command", required=True))
    return parser


def _main(argv: list[str]) -> int:
    with mock.patch.object(cli, "COMMAND_MODULES", ("api.commands.id",)):
        return cli.main(argv)


def test_parse_prints_canonical_and_scheme(capsys: pytest.CaptureFixture[str]) -> None:
    args = _parser().parse_args(["id", "parse", "88.ABC.8/电池-1"])
    assert args.run(args) == 0
    out = capsys.readouterr().out
    assert out.endswith("\n")
    assert json.loads(out) == {"canonical": "88.abc.8/电池-1", "scheme": "handle"}


def test_bad_identifier_raises_for_the_cli_to_report() -> None:
    args = _parser().parse_args(["id", "parse", "4712345060508"])
    with pytest.raises(GtinError) as info:
        args.run(args)
    assert info.value.code == "identifiers.gtin.check_digit"


def test_through_cli_main(capsys: pytest.CaptureFixture[str]) -> None:
    assert _main(["id", "parse", "https://id.gs1.org/01/4712345060507/10/L1"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == {
        "canonical": "https://id.gs1.org/01/04712345060507/10/L1",
        "scheme": "gs1-digital-link",
    }
    assert captured.err == ""


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("4712345060508", "identifiers.gtin.check_digit"),
        ("https://id.gs1.org/01/04712345060507/21/S/10/L", "identifiers.gs1.qualifier_order"),
        ("88.118.8/a\u202eb", "identifiers.text.bidi"),
        ("91350100M000100Y44", "identifiers.uscc.check_character"),
        ("nonsense", "identifiers.unknown_scheme"),
    ],
)
def test_failure_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], text: str, code: str) -> None:
    assert _main(["id", "parse", text]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"carbontrail: {code}: ")
