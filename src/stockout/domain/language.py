"""The one way user-facing text is written: a `Text` holds the Simplified Chinese and the English
of one message, picked by `Lang`. Texts that belong to an enum member (a trigger's name, a
violation's name, a state) are keyed by that member where they are declared; the rest are the
messages of `stockout.i18n`, keyed by name."""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class Lang(StrEnum):
    ZH = "zh"
    EN = "en"


class Text(NamedTuple):
    """One message in both languages (`{name}` placeholders, the same in both)."""

    zh: str
    en: str

    def pick(self, lang: Lang) -> str:
        return self.zh if lang is Lang.ZH else self.en

    def format(self, lang: Lang, **values: object) -> str:
        return self.pick(lang).format(**values)
