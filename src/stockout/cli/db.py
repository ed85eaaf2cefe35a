"""`stockout db upgrade`: apply the store's schema migrations."""

from __future__ import annotations

import typer

from stockout.cli.common import DbOpt, fail, out, reason, safe_url, server, settings

app = typer.Typer(help="数据库 (the store's schema)", no_args_is_help=True)


@app.command("upgrade")
def db_upgrade(ctx: typer.Context, db: DbOpt = None) -> None:
    """把数据库升级到最新结构 (apply the schema migrations)."""
    from stockout.bootstrap import build_runtime
    from stockout.store.migrate import current_revision, head_revision, upgrade

    chosen = server(ctx, db)
    t = settings(ctx).texts
    url = safe_url(chosen.db_url)
    try:
        rt = build_runtime(settings(ctx), chosen, migrate=False)
    except Exception as exc:
        raise fail(t("db_error", url=url, reason=reason(exc))) from None
    try:
        before = current_revision(rt.store)
        upgrade(rt.store)
        after = head_revision(rt.store)
    except Exception as exc:
        raise fail(t("db_error", url=url, reason=reason(exc))) from None
    finally:
        rt.close()
    if before == after:
        out.print(t("db_current", rev=after, url=url), highlight=False)
    else:
        out.print(t("db_upgraded", before=before or "∅", after=after, url=url), highlight=False)
