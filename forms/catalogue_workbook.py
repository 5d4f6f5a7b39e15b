"""The grading catalogue as the Excel workbook an office edits: one sheet per kind of row.

The workbook is the catalogue's editable form, as `data/*.toml` is its packaged one, so it lives in the
domain beside it: the CLI and the office page read and write the same sheets through `write` and `read`.
`read` refuses the whole workbook when one row is wrong (sheet, row and a Chinese reason for each) and
refuses formulas: a catalogue value must be what the office typed, not what a spreadsheet computed.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from forms import rules
from forms.catalogue import (
    ALL,
    CONDITIONS,
    AliasRow,
    Catalogue,
    DocumentRow,
    IndustryRow,
    LimitRow,
    MonitoringRow,
    RemedyRow,
    RequirementRow,
    TransportRow,
    indicator_groups,
    indicator_key,
)
from forms.errors import BadInput
from forms.vocabulary import APPLIED_GRADES, CATALOGUE_STATUSES, DOCUMENT_KIND_LABELS, EMISSION_STAGES

MAX_BYTES = 20 * 1024 * 1024  # a catalogue is a few hundred rows; anything this large is not one
MAX_ROWS = 5000  # a sheet
MAX_UNPACKED = 200 * 1024 * 1024  # the workbook's parts together, unpacked


class CatalogueRefused(BadInput):
    """A workbook that cannot become the catalogue: every problem with its sheet and row."""

    default_user_message = "行业目录未导入。"

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "；".join(str(p) for p in problems[:20])
        more = f"；另有{len(problems) - 20}处问题" if len(problems) > 20 else ""
        super().__init__(f"行业目录未导入（共{len(problems)}处问题，目录未作任何修改）：{lines}{more}。",
                         f"[catalogue_refused] {len(problems)} problems: " + "; ".join(
                             f"{p.sheet}!{p.row}: {p.reason}" for p in problems[:50]))


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int | None  # the worksheet's row number; None for the sheet or the file
    reason: str

    def __str__(self) -> str:
        where = f"“{self.sheet}”表第{self.row}行" if self.row else (f"“{self.sheet}”表" if self.sheet else "文件")
        return f"{where}：{self.reason}"

    def to_dict(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "reason": self.reason}


# ---------------------------------------------------------------- cell types


class Invalid(ValueError):
    """A cell's value does not fit its column; the message is the Chinese reason."""


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _required(value: Any) -> str:
    text = _text(value)
    if not text:
        raise Invalid("不能为空")
    return text


def _number(value: Any, *, low: float = 0.0, high: float | None = None, optional: bool = False) -> float | None:
    if value is None or _text(value) == "":
        if optional:
            return None
        raise Invalid("不能为空，应填数值")
    if isinstance(value, bool):
        raise Invalid(f"“{value}”不是数值")
    try:
        number = float(_text(value).replace("％", "").replace("%", "")) if isinstance(value, str) else float(value)
    except ValueError:
        raise Invalid(f"“{value}”不是数值") from None
    if number < low or (high is not None and number > high):
        raise Invalid(f"{number:g}超出范围（{low:g}–{high:g}）" if high is not None else f"{number:g}应不小于{low:g}")
    return number


def _choice(options: tuple[str, ...], *, blank: str | None = None) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = _text(value)
        if not text and blank is not None:
            return blank
        if text not in options:
            raise Invalid(f"“{text}”不是可选值（{'、'.join(options)}）")
        return text
    return parse


_KIND_BY_LABEL = {label: kind for kind, label in DOCUMENT_KIND_LABELS.items()}


def _kind(value: Any) -> str:
    text = _text(value)
    if text in _KIND_BY_LABEL:
        return _KIND_BY_LABEL[text]
    if text in DOCUMENT_KIND_LABELS:
        return text
    raise Invalid(f"“{text}”不是已知的材料（{'、'.join(DOCUMENT_KIND_LABELS.values())}）")


def _indicator(value: Any) -> str:
    key = indicator_key(_text(value))
    if key is None:
        raise Invalid(f"“{_text(value)}”不是指标（{'、'.join(i.name for i in indicator_groups())}）")
    return key


def _grades(value: Any) -> tuple[str, ...]:
    grades = tuple(g for g in _text(value).replace("，", "、").replace(",", "、").split("、") if g.strip())
    wrong = [g for g in grades if g not in APPLIED_GRADES]
    if wrong:
        raise Invalid(f"“{'、'.join(wrong)}”不是等级（{'、'.join(APPLIED_GRADES)}）")
    return grades


def _rule(value: Any) -> str:
    text = _required(value)
    rule, _ = rules.lookup(text)
    if rule is None:
        raise Invalid(f"“{text}”不是检查规则（见规则说明）")
    return text


_GRADE = _choice(APPLIED_GRADES)
_GRADE_OR_ALL = _choice((ALL, *APPLIED_GRADES), blank=ALL)
_STATUS = _choice(CATALOGUE_STATUSES)
_STAGE = _choice(EMISSION_STAGES, blank="")


# ---------------------------------------------------------------- sheets


@dataclass(frozen=True)
class Column:
    header: str
    attr: str
    parse: Callable[[Any], Any] = _text
    show: Callable[[Any], Any] = lambda v: v
    width: int = 14
    choices: tuple[str, ...] = ()  # offered as a drop-down list


@dataclass(frozen=True)
class Sheet:
    title: str
    field: str  # the Catalogue's attribute
    row_type: type
    columns: tuple[Column, ...]
    key: Callable[[Any], tuple]  # what two rows of the sheet may not share
    id_prefix: str = ""  # rows numbered by the sheet (编号): a blank one gets the next number
    help: str = ""

    def label(self, row) -> str:
        return getattr(row, "id", "") or str(self.key(row)[0])


_SOURCE = Column("来源（文件、条款或页）", "source", _required, width=40)
_QUOTE = Column("原文", "quote", width=40)
_STATUS_COL = Column("状态", "status", _STATUS, width=8, choices=CATALOGUE_STATUSES)


_ID = Column("编号（留空自动编号）", "id", width=8)


SHEETS: tuple[Sheet, ...] = (
    Sheet("行业", "industries", IndustryRow, (
        Column("行业", "name", _required, width=24),
        Column("等级划分（空：未确认，接受任何等级）", "grades", _grades, lambda g: "、".join(g), width=22),
        _SOURCE, _STATUS_COL), key=lambda r: (r.name,),
        help="每行一个行业；行业名称被其他各表引用。"),
    Sheet("行业别名", "aliases", AliasRow, (
        Column("申报表中的写法", "alias", _required, width=22), Column("行业", "industry", _required, width=24),
        _SOURCE, _STATUS_COL), key=lambda r: (r.alias,),
        help="申报表写的行业名称与目录名称不同时，写法对应的目录行业。"),
    Sheet("申报材料", "documents", DocumentRow, (
        _ID, Column("申报等级", "grade", _GRADE, width=8, choices=APPLIED_GRADES),
        Column("材料", "kind", _kind, lambda k: DOCUMENT_KIND_LABELS.get(k, k), width=16,
               choices=tuple(DOCUMENT_KIND_LABELS.values())),
        Column("适用条件（排污许可管理类别）", "condition", _choice(CONDITIONS, blank=ALL), width=14, choices=CONDITIONS),
        _SOURCE, _QUOTE, _STATUS_COL), key=lambda r: (r.grade, r.kind, r.condition), id_prefix="M",
        help="每个申报等级须提供的材料；“重点管理”只对排污许可重点管理企业，“非登记管理”不对登记管理企业。"),
    Sheet("排放限值", "limits", LimitRow, (
        _ID, Column("行业", "industry", _required, width=18),
        Column("申报等级", "grade", _GRADE, width=8, choices=APPLIED_GRADES),
        Column("工序/排放口（关键词以“、”分隔，*代表若干字；全部）", "process", lambda v: _text(v) or ALL, width=22),
        Column("污染物", "pollutant", _required, width=12),
        Column("限值（mg/m³）", "mg_m3", lambda v: _number(v, low=0.0), width=10),
        Column("基准氧含量（%）", "o2_percent", lambda v: _number(v, high=21.0, optional=True), width=10),
        _SOURCE, _QUOTE, _STATUS_COL, Column("备注", "note", width=30)),
        key=lambda r: (r.industry, r.grade, r.process, r.pollutant), id_prefix="L",
        help="行业×申报等级×工序/排放口×污染物的排放浓度限值；同一污染物有工序专门限值时优先于“全部”。"),
    Sheet("运输要求", "transport", TransportRow, (
        _ID, Column("行业（全部）", "industry", lambda v: _text(v) or ALL, width=18),
        Column("申报等级", "grade", _GRADE, width=8, choices=APPLIED_GRADES),
        Column("类别", "category", _required, width=18), Column("要求", "requirement", _required, width=40),
        Column("清洁运输比例（%）", "clean_share_percent", lambda v: _number(v, high=100.0, optional=True), width=10),
        Column("最低排放阶段", "min_stage", _STAGE, width=10, choices=EMISSION_STAGES),
        _SOURCE, _QUOTE, _STATUS_COL), key=lambda r: (r.industry, r.grade, r.category), id_prefix="T",
        help="类别“大宗物料公路运输”的清洁运输比例（国五及以上含燃气和新能源车辆占比）用于检查运输方式。"),
    Sheet("监测要求", "monitoring", MonitoringRow, (
        _ID, Column("行业（全部）", "industry", lambda v: _text(v) or ALL, width=18),
        Column("申报等级（全部）", "grade", _GRADE_OR_ALL, width=8, choices=(ALL, *APPLIED_GRADES)),
        Column("主题", "topic", _required, width=20), Column("要求", "requirement", _required, width=40),
        _SOURCE, _QUOTE, _STATUS_COL), key=lambda r: (r.industry, r.grade, r.topic), id_prefix="J"),
    Sheet("申报等级要求", "requirements", RequirementRow, (
        _ID, Column("行业（全部）", "industry", lambda v: _text(v) or ALL, width=18),
        Column("指标", "indicator", _indicator, lambda k: next(i.name for i in indicator_groups() if i.key == k),
               width=18, choices=tuple(i.name for i in indicator_groups())),
        Column("申报等级", "grade", _GRADE, width=8, choices=APPLIED_GRADES),
        Column("要求", "text", _required, width=50), _SOURCE, _QUOTE, _STATUS_COL),
        key=lambda r: (r.industry, r.indicator, r.grade), id_prefix="R",
        help="审核表“申报等级要求”栏的文字；行业的要求优先于“全部”。"),
    Sheet("整改措辞", "remedies", RemedyRow, (
        Column("规则", "rule", _rule, width=28), Column("措辞", "wording", _required, width=50),
        _SOURCE, _STATUS_COL), key=lambda r: (r.rule,),
        help="整改通知对某一规则的问题提出的整改要求（该指标无申报等级要求时使用）。"),
)
_BY_TITLE = {sheet.title: sheet for sheet in SHEETS}
README_TITLE = "说明"


# ---------------------------------------------------------------- writing


def write(catalogue: Catalogue) -> bytes:
    """The workbook of a catalogue: a 说明 sheet, then one sheet per kind of row."""
    book = Workbook()
    readme = book.active
    readme.title = README_TITLE
    lines = [f"行业目录（{catalogue.version}）",
             "每行须填写来源（文件、条款或页）和状态：已核实的行可产生阻断性问题，待核实的行只产生提示。",
             "请勿使用公式；导入时整个文件逐行校验，有任何一行有误则整个文件不导入，并列出表名、行号和原因。",
             "编号留空的新行导入时自动编号。删除一行即从目录中删除该项。", ""]
    lines += [f"“{sheet.title}”：{sheet.help}" for sheet in SHEETS if sheet.help]
    for i, line in enumerate(lines, 1):
        readme.cell(i, 1, line)
    readme.column_dimensions["A"].width = 110
    head = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for sheet in SHEETS:
        ws = book.create_sheet(sheet.title)
        for c, column in enumerate(sheet.columns, 1):
            cell = ws.cell(1, c, column.header)
            cell.font, cell.fill = head, fill
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            ws.column_dimensions[cell.column_letter].width = column.width
        for r, row in enumerate(getattr(catalogue, sheet.field), 2):
            for c, column in enumerate(sheet.columns, 1):
                value = column.show(getattr(row, column.attr))
                cell = ws.cell(r, c, value)
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"  # text that looks like a formula stays text
        ws.freeze_panes = "A2"
        last = max(ws.max_row, 2) + 500  # room for the rows an office adds
        for c, column in enumerate(sheet.columns, 1):
            if column.choices:
                letter = ws.cell(1, c).column_letter
                listed = DataValidation(type="list", formula1='"' + ",".join(column.choices) + '"', allow_blank=True)
                listed.add(f"{letter}2:{letter}{last}")
                ws.add_data_validation(listed)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- reading


def read(data: bytes, version: str = "导入的目录") -> Catalogue:
    """The catalogue a workbook holds; CatalogueRefused with every problem when any row is wrong."""
    book = _open(data)
    problems: list[Problem] = []
    rows: dict[str, list] = {}
    for sheet in SHEETS:
        if sheet.title not in book.sheetnames:
            problems.append(Problem(sheet.title, None, "缺少该工作表"))
            continue
        rows[sheet.field] = _read_sheet(book[sheet.title], sheet, problems)
    if not problems:
        _cross_check(rows, problems)
    if problems:
        raise CatalogueRefused(problems)
    return Catalogue(**{name: tuple(found) for name, found in rows.items()}, version=version)


def _open(data: bytes):
    if len(data) > MAX_BYTES:
        raise CatalogueRefused([Problem("", None, f"文件过大（{len(data) // 1024 // 1024} MB），行业目录不超过20 MB")])
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED:
                raise CatalogueRefused([Problem("", None, "文件解压后过大，不是行业目录")])
            if any(name.lower().endswith("vbaproject.bin") for name in archive.namelist()):
                raise CatalogueRefused([Problem("", None, "文件含宏，请另存为不含宏的 .xlsx 文件")])
        return load_workbook(io.BytesIO(data), data_only=False)
    except CatalogueRefused:
        raise
    except Exception as exc:  # openpyxl raises many kinds on a file that is not a workbook
        raise CatalogueRefused([Problem("", None, "不是可读取的 Excel 工作簿（.xlsx），请用“导出”得到的文件修改后上传")]
                               ) from exc


def _read_sheet(ws, sheet: Sheet, problems: list[Problem]) -> list:
    headers = [_text(c.value) for c in next(ws.iter_rows(min_row=1, max_row=1), ())]
    where: dict[str, int] = {}
    for column in sheet.columns:
        if column.header not in headers:
            problems.append(Problem(sheet.title, 1, f"缺少“{column.header}”列（表头须与导出的文件一致）"))
        else:
            where[column.header] = headers.index(column.header)
    if len(where) < len(sheet.columns):
        return []
    if ws.max_row > MAX_ROWS + 1:
        problems.append(Problem(sheet.title, None, f"超过{MAX_ROWS}行"))
        return []
    found, seen, ids = [], {}, set()
    for r, cells in enumerate(ws.iter_rows(min_row=2), 2):
        if all(c.value is None or _text(c.value) == "" for c in cells):
            continue
        formulas = [c.coordinate for c in cells if c.data_type == "f" or type(c.value).__name__ == "ArrayFormula"]
        if formulas:
            problems.append(Problem(sheet.title, r, f"单元格{'、'.join(formulas)}含公式；请填写数值或文字，不要使用公式"))
            continue
        values, wrong = {}, []
        for column in sheet.columns:
            i = where[column.header]
            raw = cells[i].value if i < len(cells) else None
            try:
                values[column.attr] = column.parse(raw)
            except Invalid as exc:
                wrong.append(f"“{column.header}”{exc}")
        if wrong:
            problems.append(Problem(sheet.title, r, "；".join(wrong)))
            continue
        row = sheet.row_type(**values)
        key = sheet.key(row)
        if key in seen:
            problems.append(Problem(sheet.title, r, f"与第{seen[key]}行重复（{' / '.join(map(str, key))}）"))
            continue
        seen[key] = r
        ident = getattr(row, "id", "")
        if ident:
            if ident in ids:
                problems.append(Problem(sheet.title, r, f"编号{ident}与上面的行重复"))
                continue
            ids.add(ident)
        found.append((r, row))
    if sheet.id_prefix:  # new rows get the next free number of the sheet
        numbers = [int(i.rsplit("-", 1)[1]) for i in ids if i.startswith(sheet.id_prefix + "-")
                   and i.rsplit("-", 1)[1].isdigit()]
        following = max(numbers, default=0) + 1
        numbered = []
        for r, row in found:
            if not row.id:
                row = replace(row, id=f"{sheet.id_prefix}-{following:03d}")
                following += 1
            numbered.append((r, row))
        found = numbered
    return found


def _cross_check(rows: dict[str, list], problems: list[Problem]) -> None:
    """Industries named by the other sheets exist; then drop the row numbers."""
    names = {row.name for _, row in rows["industries"]}
    for sheet in SHEETS:
        attr = "industry" if any(c.attr == "industry" for c in sheet.columns) else None
        if attr is None:
            continue
        for r, row in rows[sheet.field]:
            name = getattr(row, attr)
            if name not in names and not (name == ALL and sheet.field != "aliases" and sheet.field != "limits"):
                problems.append(Problem(sheet.title, r, f"行业“{name}”不在“行业”表中"))
    for name in rows:
        rows[name] = [row for _, row in rows[name]]


# ---------------------------------------------------------------- what changed


def changes(old: Catalogue, new: Catalogue) -> list[str]:
    """What an import changes, a line a row: `排放限值 L-002 修改：限值：35 → 30`."""
    out = []
    for sheet in SHEETS:
        before = {sheet.key(row): row for row in getattr(old, sheet.field)}
        after = {sheet.key(row): row for row in getattr(new, sheet.field)}
        by_id_before = {row.id: row for row in before.values() if getattr(row, "id", "")}
        for key, row in after.items():
            previous = before.get(key) or by_id_before.get(getattr(row, "id", "") or None)
            if previous is None:
                out.append(f"{sheet.title} {sheet.label(row)} 新增")
                continue
            diffs = [f"{c.header.split('（')[0]}：{_shown(c, getattr(previous, c.attr))} → {_shown(c, getattr(row, c.attr))}"
                     for c in sheet.columns if getattr(previous, c.attr) != getattr(row, c.attr)]
            if diffs:
                out.append(f"{sheet.title} {sheet.label(row)} 修改：{'；'.join(diffs)}")
        kept = {getattr(row, "id", "") for row in after.values()} | set(after)
        for key, row in before.items():
            if key not in after and (getattr(row, "id", "") or key) not in kept:
                out.append(f"{sheet.title} {sheet.label(row)} 删除")
    return out


def _shown(column: Column, value: Any) -> str:
    shown = column.show(value)
    if isinstance(shown, float):
        return f"{shown:g}"
    text = "" if shown is None else str(shown)
    return f"“{text[:30]}…”" if len(text) > 30 else (text or "（空）")


__all__ = ["write", "read", "changes", "CatalogueRefused", "Problem", "SHEETS"]
