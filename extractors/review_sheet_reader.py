"""Reading an expert's filled review sheet back: the round trip of generators/review_sheet.py.

An expert opens the generated 企业绩效分级专家审核表 in Word or WPS and, in the 是否符合
column, ticks one of □符合 □不符合 □不涉及 — by typing ☑, √, ✓, ■ or ☒ over or next to the
box, by inserting a Wingdings check box, with a check-box content control, or by deleting
the options that do not apply — and types remarks in the 备注 column (or after the
options). Then the proposed grade, 同意/不同意, the opinion, and the signatures.

`read_review_sheet()` returns the verdict per indicator (符合 / 不符合 / 不涉及, or None
with a problem when the cell is blank or ticks two), the proposed grade, the signers and
whether each signed. `read_scanned_sheet()` does what a scan allows: the proposed grade
and whether each signature line carries ink.

Only the sheet's own labels are relied on (差异化指标, 是否符合, 建议等级, 签字 …), so an
office may restyle the template; the indicator keys come from forms.catalogue. The sheet is
opened, and its cells, check boxes and pictures read, by the Word backend
(extractors/backends/docx.py), as an application's Word files are.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from extractors.backends.docx import DocxBackend, cell_text, has_picture, paragraph_text, row_cells
from forms.catalogue import indicators
from forms.errors import UnreadableFile
from forms.vocabulary import RESULT_GRADES, TICKED_GLYPHS, UNTICKED_GLYPHS

VERDICTS = ("符合", "不符合", "不涉及")
CHECKED = set(TICKED_GLYPHS)
UNCHECKED = set(UNTICKED_GLYPHS)


@dataclass
class Verdict:
    key: str | None  # catalogue indicator key
    name: str
    verdict: str | None  # 符合 / 不符合 / 不涉及, None when not (clearly) ticked
    remark: str = ""


@dataclass
class Signer:
    name: str
    employer: str
    specialty: str
    signed: bool
    signature: str = ""  # what was typed in the signature cell ("" for a picture or nothing)


@dataclass
class ReviewSheetReading:
    enterprise_name: str = ""
    credit_code: str = ""
    review_type: str | None = None
    review_date: str | None = None  # ISO date
    verdicts: list[Verdict] = field(default_factory=list)
    proposed_grade: str | None = None
    agrees: bool | None = None  # 是否同意申报等级
    opinion: str = ""
    signers: list[Signer] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # sentences a clerk understands

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def failed(self) -> list[Verdict]:
        """The indicators marked 不符合 (what a rectification notice lists)."""
        return [v for v in self.verdicts if v.verdict == "不符合"]


# ---- Word ---------------------------------------------------------------------------------

def read_review_sheet(source: str | os.PathLike | bytes | io.BytesIO) -> ReviewSheetReading:
    """Read a filled review sheet (.docx)."""
    doc = _open(source)
    reading = ReviewSheetReading()
    raw = [[row_cells(row) for row in table.rows] for table in doc.tables]
    tables = [[[_text(cell) for cell in row] for row in rows] for rows in raw]
    found = False
    for t, rows in enumerate(tables):
        header = " ".join(rows[0]) if rows else ""
        if "差异化指标" in header and "是否符合" in header:
            _read_indicators(rows, reading)
            found = True
        elif any(r and r[0].strip() == "建议等级" for r in rows):
            _read_conclusion(rows, reading)
        elif any("签字" in " ".join(r) and "姓名" in " ".join(r) for r in rows):
            _read_signers(rows, raw[t], reading)
        elif any(r and r[0].strip() == "企业名称" for r in rows):
            _read_identity(rows, reading)
    if not found:
        raise UnreadableFile("这份文件中没有找到审核表的“差异化指标”表格，请确认上传的是专家审核表。",
                             "no indicator table with 差异化指标/是否符合 headers")
    for paragraph in doc.paragraphs:
        m = re.search(r"日期[:：]\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日", paragraph_text(paragraph._p))
        if m:
            try:
                reading.review_date = date(*map(int, m.groups())).isoformat()
            except ValueError:
                reading.problems.append(f"审核日期“{m.group(0)}”不是有效日期。")
    return reading


def _open(source: str | os.PathLike | bytes | io.BytesIO):
    """The sheet as the Word backend opens an application's Word file (bombs and DTDs refused)."""
    try:
        if isinstance(source, bytes | bytearray):
            data = bytes(source)
        elif isinstance(source, io.BytesIO):
            data = source.getvalue()
        elif hasattr(source, "read"):  # another binary stream, read whole as python-docx would
            source.seek(0)
            data = source.read()
        else:
            data = Path(source).read_bytes()
    except OSError as exc:
        raise UnreadableFile("审核表不是可以打开的 Word（.docx）文件。", f"cannot open review sheet: {exc}") from exc
    try:
        return DocxBackend("审核表.docx", data).document()
    except UnreadableFile as exc:
        if exc.code != "docx_broken":
            raise
        raise UnreadableFile("审核表不是可以打开的 Word（.docx）文件。",
                             f"cannot open review sheet: {exc.log_message}") from exc


def _text(cell) -> str:
    """A cell's text as the Word backend reads it, a tab as a space."""
    return cell_text(cell).replace("\t", " ")


def read_ticks(text: str, options: tuple[str, ...] = VERDICTS) -> tuple[str | None, str, str | None]:
    """(choice, rest, problem) of a cell offering `options` (longest first in the pattern):
    the one option ticked, what else was typed in the cell, and a problem when none or
    several are ticked."""
    pattern = re.compile("|".join(sorted(map(re.escape, options), key=len, reverse=True)))
    marks = "".join(CHECKED | UNCHECKED)
    found = []
    for m in pattern.finditer(text):
        before = text[:m.start()].rstrip(" \u3000\t(（[【")
        after = text[m.end():].lstrip(" \u3000\t(（[【")
        mark = None
        if before and before[-1] in marks:
            mark = before[-1]
        if after and after[0] in CHECKED and (mark is None or mark in UNCHECKED):
            # `符合√`, `符合（√）`: a tick after the option, unless it belongs to the next option
            closed = after[1:].lstrip(" \u3000\t")[:1] in (")", "）", "]", "】")
            if closed or not pattern.match(after[1:].lstrip(" \u3000\t")):
                mark = after[0]
        found.append((m.group(0), mark, m.start(), m.end()))
    rest = pattern.sub(" ", text)
    rest = re.sub(f"[{re.escape(marks)}()（）\\[\\]【】]", " ", rest)
    rest = re.sub(r"\s+", " ", rest).strip()
    ticked = list(dict.fromkeys(o for o, mark, *_ in found if mark in CHECKED))
    if len(ticked) == 1:
        return ticked[0], rest, None
    if len(ticked) > 1:
        return None, rest, f"同时勾选了{'和'.join(ticked)}"
    present = list(dict.fromkeys(o for o, *_ in found))
    if len(present) == 1 and (len(found) < len(options) or all(mark is None for _, mark, *_ in found)):
        return present[0], rest, None  # the other options were deleted: what is left is the choice
    return None, rest, "未勾选"


def _read_identity(rows, reading: ReviewSheetReading) -> None:
    for row in rows:
        for label, value in zip(row[::2], row[1::2], strict=False):
            label = label.strip()
            if label == "企业名称":
                reading.enterprise_name = value.strip()
            elif label == "统一社会信用代码":
                reading.credit_code = value.strip()
            elif label == "审核类型":
                choice, _, _ = read_ticks(value, ("材料审核", "现场审核"))
                reading.review_type = choice


def _read_indicators(rows, reading: ReviewSheetReading) -> None:
    header = rows[0]
    col = {name: i for i, name in enumerate(header)}
    name_col = col.get("差异化指标", 1)
    verdict_col = col.get("是否符合", len(header) - 2)
    remark_col = col.get("备注", len(header) - 1)
    by_name = {i.name: i.key for i in indicators()}
    for row in rows[1:]:
        if len(row) <= verdict_col or not row[name_col].strip():
            continue
        name = row[name_col].strip()
        choice, rest, problem = read_ticks(row[verdict_col])
        remark = "；".join(x for x in (row[remark_col].strip() if remark_col < len(row) else "", rest) if x)
        reading.verdicts.append(Verdict(by_name.get(name), name, choice, remark))
        if problem:
            reading.problems.append(f"“{name}”一行的是否符合{problem}。")


def normalise_grade(text: str) -> str | None:
    text = re.sub(r"\s+", "", text or "").replace("－", "-").replace("—", "-").replace("＋", "+")
    text = text.replace("（", "(").replace("）", ")").removesuffix("企业")
    text = re.sub(r"级$", "", text)
    text = text.upper() if re.fullmatch(r"[a-dA-D][+-]?", text) else text
    return text if text in RESULT_GRADES else None


def _read_conclusion(rows, reading: ReviewSheetReading) -> None:
    for row in rows:
        if len(row) < 2:
            continue
        label, value = row[0].strip(), row[-1].strip()
        if label == "建议等级":
            grade = normalise_grade(value)
            if value and grade is None:
                reading.problems.append(f"建议等级“{value}”不是可识别的等级（A、B、B-、C、D、引领性）。")
            reading.proposed_grade = grade
        elif label.startswith("是否同意"):
            choice, _, _ = read_ticks(value, ("同意", "不同意"))
            reading.agrees = None if choice is None else choice == "同意"
        elif label == "审核意见":
            reading.opinion = value


def _read_signers(rows, cells, reading: ReviewSheetReading) -> None:
    start = next(i for i, r in enumerate(rows) if "签字" in " ".join(r) and "姓名" in " ".join(r))
    header = rows[start]
    col = {name.strip(): i for i, name in enumerate(header)}
    name_col, sign_col = col.get("姓名", 1), col.get("签字", len(header) - 1)
    employer_col, specialty_col = col.get("单位", 2), next((i for n, i in col.items() if "专业" in n), 3)
    for row, cells_of_row in zip(rows[start + 1:], cells[start + 1:], strict=False):
        if len(row) <= sign_col:
            continue
        typed = row[sign_col].strip()
        signed = bool(typed) or has_picture(cells_of_row[sign_col])
        name = row[name_col].strip()
        if not name and not signed:
            continue
        reading.signers.append(Signer(name, row[employer_col].strip(), row[specialty_col].strip(), signed, typed))


# ---- scans ----------------------------------------------------------------------------------

def read_scanned_sheet(image, engine=None, *, ink_threshold: float = 0.004) -> ReviewSheetReading:
    """Experimental. What a scanned, signed sheet (a PIL image or image bytes) allows: the proposed grade
    (the text after 建议等级) and, for each signature line, whether its 签字 cell holds ink.

    The signature cells are found from the OCR lines: the 签字 header gives the column, the
    rows of the table below it are the lines starting with a number (序号); a cell counts as
    signed when more than `ink_threshold` of its pixels are dark once printed text is
    excluded. Verdict ticks are not read from scans."""
    from PIL import Image

    from extractors.ocr import get_engine

    if isinstance(image, bytes | bytearray):
        image = Image.open(io.BytesIO(image))
    image = image.convert("RGB")
    engine = engine or get_engine()
    lines = engine.recognise(image)
    reading = ReviewSheetReading()
    for i, line in enumerate(lines):
        text = re.sub(r"\s+", "", line.text)
        if "建议等级" in text:
            value = text.split("建议等级", 1)[1]
            if not value and i + 1 < len(lines):
                nxt = lines[i + 1]
                if abs(nxt.bbox[1] - line.bbox[1]) < (line.bbox[3] - line.bbox[1]):
                    value = re.sub(r"\s+", "", nxt.text)
            reading.proposed_grade = normalise_grade(value[:4]) or normalise_grade(value[:2]) or normalise_grade(
                value[:1])
            if reading.proposed_grade is None:
                reading.problems.append("扫描件中未能识别建议等级。")
    header = next((ln for ln in lines if "签字" in ln.text.replace(" ", "") and "姓名" in ln.text.replace(" ", "")),
                  None)
    sign_header = next((ln for ln in lines if ln.text.strip().replace(" ", "") in ("签字", "签名")), None)
    if header is None and sign_header is None:
        reading.problems.append("扫描件中未找到签字栏。")
        return reading
    anchor = sign_header or header
    x0 = anchor.bbox[0] - (anchor.bbox[2] - anchor.bbox[0])
    if sign_header is None:  # one OCR line for the whole header: the 签字 column is its last fifth
        x0 = header.bbox[0] + 0.8 * (header.bbox[2] - header.bbox[0])
    x1 = min(image.width, anchor.bbox[2] + 2 * (anchor.bbox[2] - anchor.bbox[0]))
    row_lines = sorted((ln for ln in lines if ln.bbox[1] > anchor.bbox[3] and re.match(r"^\d{1,2}\b", ln.text.strip())),
                       key=lambda ln: ln.bbox[1])
    gray = image.convert("L")
    for n, line in enumerate(row_lines):
        top = line.bbox[1] - 0.6 * (line.bbox[3] - line.bbox[1])
        bottom = (row_lines[n + 1].bbox[1] - 0.6 * (row_lines[n + 1].bbox[3] - row_lines[n + 1].bbox[1])
                  if n + 1 < len(row_lines) else line.bbox[3] + 1.5 * (line.bbox[3] - line.bbox[1]))
        box = (int(x0), int(top), int(x1), int(bottom))
        printed = [ln.bbox for ln in lines if _overlaps(ln.bbox, box) and ln is not line]
        ink = _dark_share(gray, box, printed)
        words = [w.strip("|｜[]【】") for w in line.text.split()]
        words = [w for w in words if w]
        reading.signers.append(Signer(words[1] if len(words) > 1 else "", "", "", ink > ink_threshold))
    return reading


def _overlaps(a, b) -> bool:
    return not (a[2] < b[0] or a[0] > b[2] or a[3] < b[1] or a[1] > b[3])


def _dark_share(gray, box, exclude) -> float:
    x0, y0, x1, y1 = box
    if x1 <= x0 or y1 <= y0:
        return 0.0
    crop = gray.crop(box)
    px = crop.load()
    w, h = crop.size
    shrink = 3  # stay clear of the table's rules
    dark = total = 0
    for y in range(shrink, h - shrink):
        for x in range(shrink, w - shrink):
            ax, ay = x + x0, y + y0
            if any(e[0] <= ax <= e[2] and e[1] <= ay <= e[3] for e in exclude):
                continue
            total += 1
            dark += px[x, y] < 110
    return dark / total if total else 0.0
