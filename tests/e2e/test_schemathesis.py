"""Schemathesis against a real `stockout serve` with a platform token, bounded in time: no
server error, every response conforming to the OpenAPI document (status code, content type,
schema). The run's summary line is printed (`pytest -s` shows it)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.online import Server, environment, stockout

pytestmark = pytest.mark.slow

CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,"
          "response_schema_conformance")
MAX_SECONDS = 150  # the whole run, all phases
MAX_EXAMPLES = 25  # per operation and phase


def test_schemathesis_finds_no_server_error_and_no_response_off_the_document(tmp_path: Path
                                                                            ) -> None:
    cli = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    if cli is None:
        pytest.skip("schemathesis is not installed (pip install -e '.[dev]')")
    data = tmp_path / "data"
    made = stockout("tokens", "create", "--role", "platform", env=environment(data))
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    server = Server(None, data)
    try:
        run = subprocess.run(
            [cli, "run", f"{server.url}/openapi.json", "--header", f"Authorization: Bearer {token}",
             "--checks", CHECKS, "--max-examples", str(MAX_EXAMPLES),
             "--max-time", str(MAX_SECONDS), "--workers", "1", "--seed", "12",
             "--generation-database", "none", "--request-timeout", "30", "--no-color"],
            capture_output=True, text=True, encoding="utf-8", timeout=MAX_SECONDS + 120,
            check=False, cwd=tmp_path)
    finally:
        server.stop()
    lines = run.stdout.splitlines()
    summary = [i for i, line in enumerate(lines) if re.search(r" in [\d.]+s =+$", line)]
    cases = [line.strip() for line in lines if " generated" in line]
    print(*([*cases[-1:], lines[summary[-1]]] if summary else [run.stdout[-2000:]]), sep="\n")
    assert run.returncode == 0, run.stdout[-8000:] + run.stderr[-2000:]
    assert "Failures:" not in run.stdout
