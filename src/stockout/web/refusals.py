"""The business refusals a console form can meet, and the words for each: what the rule is,
with the rule's id where the services name one."""

from __future__ import annotations

from stockout.domain.language import Lang
from stockout.domain.remedies import RemedyRefused
from stockout.services.stock.self_report import ReportRefused
from stockout.web.texts import has, say


def refusal_text(exc: Exception, lang: Lang, field_error: bool = False) -> str:
    if field_error:
        return say("refused_fields", lang, fields=str(exc))
    if isinstance(exc, ReportRefused):
        key = f"refusal_{exc.refusal.value}"
        return say("refused_rule", lang, why=say(key, lang) if has(key) else exc.detail,
                   rule=exc.rule)
    if isinstance(exc, RemedyRefused):
        key = f"remedy_refusal_{exc.reason.value}"
        return say("refused", lang, why=say(key, lang) if has(key) else str(exc))
    return say("refused", lang, why=str(exc))
