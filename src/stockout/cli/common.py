"""What every command shares: the consoles, the options, the settings of the run, the online
judge's runtime, and how a failure ends the command (a message on stderr and an exit code)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from stockout.bootstrap import ServerSettings, Settings, server_settings
from stockout.domain.times import UTC
from stockout.errors import StockoutError, outcome_of
from stockout.i18n import Texts

if TYPE_CHECKING:
    from stockout.bootstrap import Runtime

out = Console()
err = Console(stderr=True)

# Judging a file of events.
RulesOpt = Annotated[str, typer.Option("--rules", help="规则包 id、规则族（按成团时间选版本）或 TOML 文件")]
AnnOpt = Annotated[Path | None, typer.Option("--announcements", help="平台公告 JSON 文件")]
AtOpt = Annotated[str | None, typer.Option("--at", help="判定时间（RFC 3339，带时区），默认现在")]

# The online judge's store.
DbOpt = Annotated[str | None, typer.Option(
    "--db", help="数据库 URL：sqlite:///FILE 或 postgresql://...（默认数据目录中的 SQLite 文件；"
                 "可用 STOCKOUT_DB 设置）")]
StoreRulesOpt = Annotated[str, typer.Option("--rules", help="规则包 id、规则族或 TOML 文件")]
ClockOpt = Annotated[str | None, typer.Option(
    "--at", help="固定时钟（RFC 3339，带时区），用于回放与测试；默认系统时间（STOCKOUT_NOW）")]


def settings(ctx: typer.Context) -> Settings:
    """The run's settings, read once by the app's callback."""
    found = ctx.obj
    assert isinstance(found, Settings)
    return found


def fail(message: str, code: int = 2) -> typer.Exit:
    """Say what went wrong on stderr; the caller raises the returned exit (2: bad usage)."""
    err.print(f"[red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def failed(exc: StockoutError, message: str | None = None) -> typer.Exit:
    """Say what a stockout error says (or `message`, its localised words) on stderr; the exit
    code is the error's, from the one table of outcomes (1 refused or not found, 2 bad usage)."""
    return fail(message if message is not None else exc.problem_detail(),
                outcome_of(exc).exit_code)


def parse_at(value: str | None, t: Texts) -> datetime:
    """`--at` of the file commands: an RFC 3339 time with its offset, or now."""
    if value is None:
        return datetime.now(UTC)
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise fail(t("bad_time", what="--at")) from None
    if at.tzinfo is None:
        raise fail(t("bad_time", what="--at"))
    try:
        return at.astimezone(UTC)
    except OverflowError:  # a time near year 1 or 9999 that UTC cannot hold
        raise fail(t("bad_time", what="--at")) from None


def output_file(path: Path, option: str, suffixes: tuple[str, ...]) -> Path:
    """A file the command will write: not a folder, of a known kind; its folder is made."""
    if path.is_dir() or str(path).endswith(("/", "\\")):
        raise fail(f"{option}: {path} is a folder; give a file name ({', '.join(suffixes)})")
    if path.suffix.lower() not in suffixes:
        raise fail(f"{option}: {path} should end with {' or '.join(suffixes)}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise fail(f"{option}: cannot create the folder {path.parent}: {exc.strerror}") from None
    return path


def progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,}"),
                    TimeElapsedColumn(), console=err, transient=True)


def server(ctx: typer.Context, db: str | None, rules: str = "pdd", at: str | None = None
           ) -> ServerSettings:
    """The online judge's settings from the options and the environment."""
    try:
        return server_settings(settings(ctx), db, rules, at)
    except ValueError as exc:
        raise fail(str(exc)) from None


def runtime(ctx: typer.Context, chosen: ServerSettings) -> Runtime:
    """The store, rules and clock of the online judge; a bad pack or database is exit 2."""
    from stockout.bootstrap import build_runtime
    from stockout.domain.rulebook import PackError

    t = settings(ctx).texts
    try:
        return build_runtime(settings(ctx), chosen)
    except PackError as exc:
        raise failed(exc) from None
    except Exception as exc:  # a bad URL, an unreachable server: say which and why
        raise fail(t("db_error", url=safe_url(chosen.db_url), reason=reason(exc))) from None


def open_runtime(ctx: typer.Context, db: str | None, rules: str = "pdd", at: str | None = None
                 ) -> Runtime:
    return runtime(ctx, server(ctx, db, rules, at))


def safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url


def reason(exc: BaseException) -> str:
    """The first line of what the database driver said."""
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
