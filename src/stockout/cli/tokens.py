"""`stockout tokens create|list|revoke`: the API's bearer tokens."""

from __future__ import annotations

from typing import Annotated

import typer

from stockout.cli.common import DbOpt, err, fail, open_runtime, out, settings

app = typer.Typer(help="访问令牌 (bearer tokens)", no_args_is_help=True)


@app.command("create")
def tokens_create(ctx: typer.Context,
                  role: Annotated[str, typer.Option(
                      help="platform、merchant、buyer 或 carrier（承运商：只提交物流扫描）")],
                  shop: Annotated[list[str] | None, typer.Option(
                      "--shop", help="商家令牌绑定的店铺（可多次）")] = None,
                  buyer: Annotated[str | None, typer.Option(help="买家令牌绑定的买家 id")] = None,
                  label: Annotated[str, typer.Option(help="备注")] = "",
                  db: DbOpt = None) -> None:
    """创建令牌并打印（只显示一次）(create a token and print it)."""
    from stockout.services.access.principals import Role
    from stockout.services.access.tokens import BadTokenRequest, create_token

    t = settings(ctx).texts
    try:
        chosen = Role(role)
    except ValueError:
        raise fail(f"--role: platform, merchant, buyer or carrier, not {role!r}") from None
    rt = open_runtime(ctx, db)
    try:
        new = create_token(rt.uow(), rt.clock, chosen, shop or (), buyer, label)
    except BadTokenRequest as exc:
        raise fail(t(exc.key)) from None
    finally:
        rt.close()
    err.print(t("token_created", role=t(f"role_{chosen.value}"), id=new.token_id), highlight=False)
    print(new.secret)


@app.command("list")
def tokens_list(ctx: typer.Context, db: DbOpt = None) -> None:
    """列出令牌（不含密钥）(list tokens, without secrets)."""
    from stockout.domain.times import format_time
    from stockout.services.access.tokens import list_tokens

    rt = open_runtime(ctx, db)
    try:
        for row in list_tokens(rt.uow()):
            state = "revoked" if row["revoked_at"] else "active"
            print(f"{row['id']}\t{row['role']}\t{row['shop_ids']}\t{row['buyer_id'] or ''}\t"
                  f"{state}\t{format_time(row['created_at'])}\t{row['label']}")  # type: ignore[arg-type]
    finally:
        rt.close()


@app.command("revoke")
def tokens_revoke(ctx: typer.Context, token_id: Annotated[str, typer.Argument(help="令牌 id")],
                  db: DbOpt = None) -> None:
    """吊销令牌 (revoke a token)."""
    from stockout.services.access.tokens import revoke_token

    t = settings(ctx).texts
    rt = open_runtime(ctx, db)
    try:
        done = revoke_token(rt.uow(), rt.clock, token_id)
    finally:
        rt.close()
    if not done:
        raise fail(t("token_unknown", id=token_id))
    out.print(t("token_revoked", id=token_id), highlight=False)
