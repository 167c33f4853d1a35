"""verifier/ runs without the database or the web stack: importing it loads neither, nor anything of api/."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import verifier

ROOT = Path(__file__).resolve().parents[3]
FORBIDDEN = ("sqlalchemy", "fastapi", "starlette", "api")


def test_verifier_imports_no_storage_web_or_api() -> None:
    modules = sorted(f"verifier.{m.name}" for m in pkgutil.iter_modules(verifier.__path__))
    assert "verifier.audit" in modules
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    loaded = json.loads(out)
    bad = [m for m in loaded if m.split(".")[0] in FORBIDDEN]
    assert bad == []
