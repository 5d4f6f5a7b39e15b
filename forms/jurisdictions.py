"""Hebei's cities and counties (data/jurisdictions.toml), so a user's region is one that cases carry.

A user whose city is typed `廊坊` while cases say `廊坊市` sees nothing; `resolve` turns what a person
types into the names of the data file, or refuses with a sentence saying what is known.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from forms.errors import BadInput


@dataclass(frozen=True)
class City:
    name: str
    aliases: tuple[str, ...]
    counties: tuple[str, ...]


@cache
def cities() -> tuple[City, ...]:
    text = resources.files("forms").joinpath("data/jurisdictions.toml").read_text(encoding="utf-8")
    return tuple(City(c["name"], tuple(c.get("aliases", ())), tuple(c.get("counties", ())))
                 for c in tomllib.loads(text)["city"])


def city_named(text: str) -> City | None:
    text = (text or "").strip()
    return next((c for c in cities() if text == c.name or text in c.aliases), None)


def cities_of_county(county: str) -> list[City]:
    county = (county or "").strip()
    return [c for c in cities() if county in c.counties]


def resolve(city: str | None, county: str | None) -> tuple[str | None, str | None]:
    """(city, county) as the data file names them; (None, None) is province level. BadInput for a
    city or county not in Hebei's list, or a county without a city that cannot be told apart."""
    city, county = (city or "").strip() or None, (county or "").strip() or None
    if city is None and county is None:
        return None, None
    if city is not None:
        found = city_named(city)
        if found is None:
            raise BadInput(f"“{city}”不是河北省的设区市、定州市、辛集市或雄安新区，请从列表中选择（如“廊坊市”）。",
                           f"unknown city {city!r}")
        if county is None:
            return found.name, None
        if county in found.counties:
            return found.name, county
        if not found.counties:
            raise BadInput(f"{found.name}下不设县（市、区），请只填写“{found.name}”。", f"{found.name} has no counties")
        raise BadInput(f"“{county}”不属于{found.name}。{found.name}所辖：{'、'.join(found.counties)}。",
                       f"county {county!r} not in {found.name}")
    owners = cities_of_county(county)
    if len(owners) == 1:
        return owners[0].name, county
    if not owners:
        raise BadInput(f"“{county}”不是河北省的县（市、区），请检查名称（应写全称，如“泊头市”“永年区”）。",
                       f"unknown county {county!r}")
    raise BadInput(f"“{county}”在{'、'.join(c.name for c in owners)}都有，请同时指定所属的市。",
                   f"county {county!r} is ambiguous")
