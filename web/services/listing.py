"""The case list: filters (county, industry, grade, stage, text), pages, and the .xlsx export.

Only the list's columns are read (never the extraction), so a list of thousands stays fast.
"""

from __future__ import annotations

import io
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, load_only

from forms.cells import text_cells
from forms.vocabulary import A_PLUS, GRADE_ORDER, LEADING, NOT_LEADING
from web.models import CASE_STATUS_LABELS, STAGE_LABELS, STAGES, Case, User
from web.services.access import visibility, visible_cases
from web.services.clock import local_time

PER_PAGE = 50
EXPORT_LIMIT = 20_000
LIST_COLUMNS = (Case.id, Case.enterprise_name, Case.credit_code, Case.county, Case.city, Case.industry,
                Case.applied_grade, Case.decided_grade, Case.status, Case.stage, Case.secret, Case.created_at,
                Case.version)



def list_cases(session: Session, user: User) -> list[Case]:
    """The cases `user` may see, newest first, with only the list's columns loaded (never the extraction)."""
    return list(session.scalars(visible_cases(user).options(load_only(*LIST_COLUMNS)).order_by(Case.id.desc())))


@dataclass
class Filters:
    county: str = ""
    industry: str = ""
    grade: str = ""
    stage: str = ""
    q: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args) -> Filters:
        try:
            page = max(1, int(args.get("page") or 1))
        except ValueError:
            page = 1
        stage = (args.get("stage") or "").strip()
        return cls(county=(args.get("county") or "").strip()[:80], industry=(args.get("industry") or "").strip()[:80],
                   grade=(args.get("grade") or "").strip()[:16], stage=stage if stage in STAGES else "",
                   q=(args.get("q") or "").strip()[:100], page=min(page, 100_000))

    def args(self, **changes) -> dict[str, Any]:
        """The query arguments of these filters (for links), with `changes`."""
        out = {k: v for k, v in self.__dict__.items() if v and k != "page"}
        out.update({k: v for k, v in changes.items() if v})
        return out

    @property
    def active(self) -> bool:
        return any((self.county, self.industry, self.grade, self.stage, self.q))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filtered(user: User, f: Filters) -> Select:
    stmt = select(Case).where(visibility(user))
    if f.county:
        stmt = stmt.where(Case.county == f.county)
    if f.industry:
        stmt = stmt.where(Case.industry == f.industry)
    if f.grade:
        stmt = stmt.where(or_(Case.decided_grade == f.grade, Case.applied_grade == f.grade))
    if f.stage:
        stmt = stmt.where(Case.stage == f.stage)
    if f.q:
        pattern = f"%{_escape_like(f.q)}%"
        conditions = [Case.enterprise_name.ilike(pattern, escape="\\"), Case.credit_code.ilike(pattern, escape="\\")]
        if f.q.isdigit() and len(f.q) <= 9:
            conditions.append(Case.id == int(f.q))
        stmt = stmt.where(or_(*conditions))
    return stmt


@dataclass
class Page:
    cases: list[Case]
    total: int
    page: int
    pages: int
    filters: Filters
    facets: dict[str, list[str]] = field(default_factory=dict)


def page_of(session: Session, user: User, f: Filters, per_page: int = PER_PAGE) -> Page:
    stmt = filtered(user, f)
    total = session.scalar(select(func.count()).select_from(stmt.with_only_columns(Case.id).subquery()))
    pages = max(1, -(-total // per_page))
    page = min(f.page, pages)
    cases = list(session.scalars(stmt.options(load_only(*LIST_COLUMNS)).order_by(Case.id.desc())
                                 .limit(per_page).offset((page - 1) * per_page)))
    return Page(cases, total, page, pages, f, facets(session, user))


_FACETS: dict[tuple, tuple[float, dict[str, list[str]]]] = {}
_FACETS_LOCK = threading.Lock()
FACETS_SECONDS = 30.0  # the choices of the filters may lag new cases by this much


def facets(session: Session, user: User) -> dict[str, list[str]]:
    """The counties, industries and grades that occur among the cases the user sees (kept briefly: four
    DISTINCT scans per page view would cost more than the page)."""
    key = (str(session.get_bind().url), user.role, user.city, user.county,
           user.id if user.role in ("clerk", "expert") else None)
    now = time.monotonic()
    with _FACETS_LOCK:
        cached = _FACETS.get(key)
    if cached and now - cached[0] < FACETS_SECONDS:
        return cached[1]
    found = _facets(session, user)
    with _FACETS_LOCK:
        if len(_FACETS) > 1000:
            _FACETS.clear()
        _FACETS[key] = (now, found)
    return found


def _facets(session: Session, user: User) -> dict[str, list[str]]:
    def values(column) -> list[str]:
        return [v for v in session.scalars(select(column).distinct().where(visibility(user), column.is_not(None))
                                           .order_by(column)) if v]

    order = {g: i for i, g in enumerate((A_PLUS, *GRADE_ORDER, LEADING, NOT_LEADING))}
    grades = sorted(set(values(Case.applied_grade)) | set(values(Case.decided_grade)), key=lambda g: order.get(g, 99))
    return {"county": values(Case.county), "industry": values(Case.industry), "grade": grades}


HEADER = ("编号", "企业名称", "统一社会信用代码", "市", "县（市、区）", "行业", "申报等级", "核定等级", "办理阶段",
          "解析状态", "涉密", "版本", "上传时间")


def export_xlsx(session: Session, user: User, f: Filters) -> bytes:
    from openpyxl import Workbook  # openpyxl: loaded for an export only
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("案件列表")
    for i, width in enumerate((8, 36, 22, 10, 14, 14, 10, 10, 16, 10, 6, 6, 18)):
        sheet.column_dimensions[chr(ord("A") + i)].width = width
    header = []
    for title in HEADER:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    stmt = filtered(user, f).options(load_only(*LIST_COLUMNS)).order_by(Case.id.desc()).limit(EXPORT_LIMIT)
    for c in session.scalars(stmt):
        sheet.append(text_cells(sheet, [
            c.id, c.enterprise_name or "", c.credit_code or "", c.city or "", c.county or "", c.industry or "",
            c.applied_grade or "", c.decided_grade or "", STAGE_LABELS.get(c.stage, c.stage),
            CASE_STATUS_LABELS.get(c.status, c.status), "是" if c.secret else "", c.version, local_time(c.created_at)]))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
