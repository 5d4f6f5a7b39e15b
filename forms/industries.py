"""The industries of the packaged catalogue and how an application's written industry maps to one.

Apart from forms/catalogue.py so that the field types (which normalise an application's 行业) need
only the names, not the whole catalogue with its rules and citations.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from pathlib import Path

from forms.normalize import clean_text, normalise_brackets, squeeze_cjk_spaces


@cache
def catalogue_data() -> dict:
    """forms/data/catalogue.toml: the national list, aliases, documents per grade, indicator groups."""
    return tomllib.loads(resources.files("forms").joinpath("data/catalogue.toml").read_text("utf-8"))


def _order(name: str) -> int:
    national = catalogue_data()["source"]["industries"]
    return national.index(name) if name in national else len(national)


@cache
def industry_files() -> tuple[dict, ...]:
    """forms/data/industries/*.toml, one industry each, in the guideline's order."""
    folder = Path(str(resources.files("forms").joinpath("data/industries")))
    return tuple(sorted((tomllib.loads(p.read_text("utf-8")) for p in folder.glob("*.toml")),
                        key=lambda d: _order(d["name"])))


def match_name(text: str, names: Iterable[str], aliases: Mapping[str, str]) -> str | None:
    """The catalogue name for how an application writes its industry, or None."""
    text = normalise_brackets(squeeze_cjk_spaces(clean_text(text))).replace(" ", "")
    if not text:
        return None
    names = tuple(names)
    if text in names:
        return text
    if text in aliases:
        return aliases[text]
    stripped = text.removesuffix("行业")
    if stripped in names:
        return stripped
    # 砖瓦窑制造, 铸造件: one catalogue name inside the text, or the text inside one name only
    holders = [name for name in names if name in stripped] or [
        name for name in names if stripped in name and len(stripped) >= 0.4 * len(name)] or [
        # a name with a word left out (汽车制造 of 汽车整车制造): its characters in order, most of them
        name for name in names if _in_order(stripped, name) and len(stripped) >= 0.6 * len(name)]
    return holders[0] if len(holders) == 1 and len(stripped) >= 2 else None


def _in_order(short: str, long: str) -> bool:
    """Whether every character of `short` is in `long`, in order."""
    rest = iter(long)
    return all(ch in rest for ch in short)


def industry_names() -> tuple[str, ...]:
    return tuple(d["name"] for d in industry_files())


def match_industry(text: str) -> str | None:
    return match_name(text, industry_names(), catalogue_data().get("aliases", {}))
