"""The one place that reads the environment and builds settings (nothing happens at import)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from stockout.domain.explain import Lang
from stockout.i18n import Texts


@dataclass(frozen=True, slots=True)
class Settings:
    lang: Lang
    data_dir: Path

    @property
    def texts(self) -> Texts:
        return Texts(self.lang)


def load_settings(lang: str | None = None) -> Settings:
    """`--lang` beats STOCKOUT_LANG beats Chinese; STOCKOUT_DATA or ~/.local/share/stockout."""
    chosen = lang or os.environ.get("STOCKOUT_LANG") or Lang.ZH.value
    try:
        language = Lang(chosen.lower()[:2])
    except ValueError:
        raise ValueError(f"--lang: unknown language {chosen!r}; use zh or en") from None
    data = os.environ.get("STOCKOUT_DATA")
    base = Path(data) if data else Path(
        os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "stockout"
    return Settings(language, base)
