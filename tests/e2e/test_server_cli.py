"""The server's commands as a user runs them: `db upgrade`, `tokens`, `worker --once`, and what
they say when the database URL is wrong."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from stockout.cli.main import app
from stockout.store.engine import open_store
from stockout.store.migrate import head_revision
from tests.online import environment, stockout


def test_db_upgrade_migrates_once_then_says_the_database_is_current(tmp_path: Path) -> None:
    env = environment(tmp_path / "data")
    url = f"sqlite:///{tmp_path / 'x.db'}"
    first = stockout("--lang", "en", "db", "upgrade", "--db", url, env=env)
    again = stockout("--lang", "en", "db", "upgrade", "--db", url, env=env)
    assert first.returncode == again.returncode == 0
    store = open_store(url)
    head = head_revision(store)
    store.dispose()
    assert "upgraded" in first.stdout and f"already at {head}" in again.stdout


def test_tokens_are_created_listed_and_revoked_and_a_merchant_token_needs_a_shop(
        tmp_path: Path) -> None:
    env = environment(tmp_path / "data")
    made = stockout("tokens", "create", "--role", "merchant", "--shop", "s1", "--shop", "s2",
                    env=env)
    assert made.returncode == 0 and made.stdout.strip().startswith("so_")
    token_id = made.stdout.strip().split("_")[1]
    listed = stockout("tokens", "list", env=env)
    assert token_id in listed.stdout and '["s1", "s2"]' in listed.stdout
    assert made.stdout.strip() not in listed.stdout  # the secret is never shown again
    assert stockout("tokens", "revoke", token_id, env=env).returncode == 0
    assert "revoked" in stockout("tokens", "list", env=env).stdout
    missing = stockout("--lang", "en", "tokens", "create", "--role", "merchant", env=env)
    assert missing.returncode == 2 and "needs at least one --shop" in missing.stderr
    ignored = stockout("--lang", "en", "tokens", "create", "--role", "buyer", "--buyer", "b1",
                       "--shop", "s1", env=env)
    assert ignored.returncode == 2 and "--shop is for merchant tokens only" in ignored.stderr


def test_worker_once_sweeps_and_exits_and_says_what_it_did(tmp_path: Path) -> None:
    env = environment(tmp_path / "data", STOCKOUT_DB=f"sqlite:///{tmp_path / 'w.db'}")
    done = stockout("--lang", "en", "worker", "--once", env=env)
    assert done.returncode == 0, done.stderr
    assert "Sweep: 0 orders due" in done.stdout
    assert (tmp_path / "w.db").exists()


def test_a_database_url_that_cannot_be_used_is_a_clear_error(tmp_path: Path) -> None:
    env = environment(tmp_path / "data")
    bad = stockout("--lang", "en", "worker", "--once", "--db", "mysql://x/y", env=env)
    assert bad.returncode == 2 and "sqlite:///FILE or postgresql://" in bad.stderr
    down = stockout("--lang", "en", "db", "upgrade", "--db",
                    f"postgresql://nobody@/x?host={tmp_path}", env=env)
    assert down.returncode == 2 and "cannot open the database" in down.stderr


def test_a_new_token_names_its_role_in_the_users_language(tmp_path: Path) -> None:
    env = {"STOCKOUT_DATA": str(tmp_path), "STOCKOUT_LANG": ""}
    db = f"sqlite:///{tmp_path / 'store.db'}"
    zh = CliRunner().invoke(app, ["tokens", "create", "--role", "buyer", "--buyer", "b1",
                                  "--db", db], env=env)
    en = CliRunner().invoke(app, ["--lang", "en", "tokens", "create", "--role", "buyer",
                                  "--buyer", "b2", "--db", db], env=env)
    assert zh.exit_code == en.exit_code == 0
    assert "已创建买家令牌 " in zh.output and "buyer" not in zh.output.split("：")[0]
    assert "Created buyer token " in en.output
