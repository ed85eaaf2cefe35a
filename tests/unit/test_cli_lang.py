"""`--lang` is read before or after the subcommand (`stockout worker --once --lang en`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from stockout.cli.main import app


@pytest.mark.parametrize("args", [
    ["--lang", "en", "worker", "--once", "--db", "mysql://x/y"],
    ["worker", "--once", "--lang", "en", "--db", "mysql://x/y"],
    ["worker", "--once", "--db", "mysql://x/y", "--lang=en"],
])
def test_lang_is_read_before_or_after_the_subcommand(args: list[str], tmp_path: Path) -> None:
    done = CliRunner().invoke(app, args, env={"STOCKOUT_DATA": str(tmp_path),
                                              "STOCKOUT_LANG": ""})
    assert done.exit_code == 2
    assert "cannot open the database mysql://x/y" in done.output


def test_lang_after_a_command_of_a_group_and_chinese_without_it() -> None:
    english = CliRunner().invoke(app, ["rules", "show", "pdd-2025", "--lang", "en"],
                                 env={"STOCKOUT_LANG": ""})
    chinese = CliRunner().invoke(app, ["rules", "show", "pdd-2025"], env={"STOCKOUT_LANG": ""})
    assert english.exit_code == chinese.exit_code == 0
    assert "Rule pack pdd-2025" in english.output and "Rule pack" not in chinese.output
    bad = CliRunner().invoke(app, ["rules", "list", "--lang", "fr"], env={"STOCKOUT_LANG": ""})
    assert bad.exit_code == 2 and "unknown language 'fr'" in bad.output

