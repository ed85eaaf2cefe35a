"""The one place that reads the environment and builds settings (nothing happens at import)."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def bulk_work() -> Iterator[None]:
    """Pause the cyclic garbage collector while a file is read and judged.

    That work builds millions of small objects without cycles; the collector would walk all of
    them again and again (it cost more than the judging itself). Reference counting still frees
    everything; the collector runs again afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
