"""The rule packs shipped with stockout, and loading packs from files.

`--rules` takes a pack id (`pdd-2025`), a family (`pdd`: per order, the version in force when it
was confirmed) or the path of a TOML pack file.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from pathlib import Path

from stockout.domain.rulebook import PackError, RuleBook, RulePack, pack_from_mapping

DEFAULT_RULES = "pdd"


def load_pack_file(path: Path) -> RulePack:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PackError("pack", "file not found", str(path)) from None
    except IsADirectoryError:
        raise PackError("pack", "is a folder, not a pack file", str(path)) from None
    except OSError as exc:
        raise PackError("pack", f"cannot be read: {exc.strerror or exc}", str(path)) from None
    except UnicodeDecodeError:
        raise PackError("pack", "is not UTF-8 text", str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise PackError("pack", f"not valid TOML: {exc}", str(path)) from None
    return pack_from_mapping(data, source=str(path))


@cache
def builtin_packs() -> tuple[RulePack, ...]:
    """Every pack shipped inside the package, validated."""
    packs = []
    for entry in sorted(resources.files(__package__).iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            data = tomllib.loads(entry.read_text(encoding="utf-8"))
            packs.append(pack_from_mapping(data, source=entry.name))
    return tuple(packs)


def resolve_rules(spec: str = DEFAULT_RULES) -> RuleBook:
    """A rule book for a pack id, a family name or a pack file."""
    if not spec.strip():
        raise PackError("--rules", "is empty: give a pack id, a family or a pack file")
    packs = builtin_packs()
    by_id = [p for p in packs if p.id == spec]
    if by_id:
        return RuleBook(by_id)
    family = [p for p in packs if p.family == spec]
    if family:
        return RuleBook(family)
    path = Path(spec)
    if path.suffix == ".toml" or path.exists():
        return RuleBook([load_pack_file(path)])
    known = sorted({p.id for p in packs} | {p.family for p in packs})
    raise PackError("--rules", f"no pack, family or file named {spec!r}; known: {', '.join(known)}")
