"""Who an office is: the key its numbers and templates are kept under, its name on documents.

An office user with a city (and maybe a county) works for that city's office; one with
neither works at province level. The province is `GRADEDESK_PROVINCE` (default 河北省,
冀气领办〔2020〕94号), abbreviated `GRADEDESK_PROVINCE_ABBR` (冀) in document numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, has_app_context

from web.models import User

PROVINCE_KEY = "province"

# 机关代字 after the region's abbreviation, per kind (GB/T 9704: 代字〔年份〕序号号)
KIND_CODES = {"rectification-notice": "环整改", "result-notice": "环公示", "notice": "环通", "letter": "环函"}


def _setting(name: str, default: str) -> str:
    return (current_app.config.get(name) if has_app_context() else None) or default


def province_name() -> str:
    return _setting("GRADEDESK_PROVINCE", "河北省")


def is_province(user: User) -> bool:
    return not user.city and not user.county


def office_key(user: User) -> str:
    """`province`, `沧州市`, or `沧州市/泊头市` for a county office."""
    if is_province(user):
        return PROVINCE_KEY
    return "/".join(p for p in (user.city, user.county) if p)


@dataclass(frozen=True)
class Office:
    key: str
    region: str  # 河北省, 沧州市, 泊头市
    name: str  # 沧州市生态环境局
    mark: str  # 发文机关标志
    abbreviation: str  # 沧, 冀
    level: str  # province | city

    @property
    def air_office(self) -> str:
        return f"{self.region}大气污染防治工作领导小组办公室"

    def code(self, kind: str) -> str | None:
        suffix = KIND_CODES.get(kind)
        return f"{self.abbreviation}{suffix}" if suffix else None


def office_of(user: User) -> Office:
    if is_province(user):
        region = province_name()
        return Office(PROVINCE_KEY, region, f"{region}生态环境厅", f"{region}生态环境厅文件",
                      _setting("GRADEDESK_PROVINCE_ABBR", "冀"), "province")
    region = user.county or user.city or ""
    name = f"{region}生态环境局" if not user.county else f"{user.city or ''}生态环境局{user.county}分局"
    return Office(office_key(user), user.city or region, name, f"{name}文件", (user.city or region)[:1], "city")
