"""What every official document (通知, 函, 公示, 整改通知书) shares: the GB/T 9704-2012 elements
that depend on the data, prepared for the templates built by templates/official.py.

- 发文机关标志: a run whose size and width fit the name on one line of the text block;
- 发文字号: `机关代字〔2020〕94号` checked (full year in 六角括号, no leading zeros, no 第);
- 标题: long titles broken into a trapezoid (shorter line first) between words;
- 正文: paragraphs given as text or as {"level", "heading", "text"}; levels 一、（一）1.（1）
  are recognised from the text;
- 署名 centred over the date, the date right-indented four characters (the seal covers both);
- 附件说明, 附注, 版记 (抄送, 印发机关, 印发日期).

The data stays plain JSON; `official_context()` turns it into what the template reads.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from docxtpl import RichText

from forms.errors import DataDoesNotFit
from generators.docx_render import missing_keys_error
from generators.text import cn_date

LINE_CHARS = 28  # characters of 3号 on one line of the text block
TITLE_LINE_CHARS = 20  # characters of 2号 (22 pt) on one line of the 156 mm text block
MARK_MAX_PT = 36  # 发文机关标志 at most 小初 high
MARK_WIDTH_PT = 430  # fits inside the 442 pt text block
DATE_RIGHT_INDENT = 4
SIGNATURE_MIN_RIGHT = 2

# The keys every official document has, with what each is for (templates/README.md).
COMMON_KEYS = ("issuer_mark", "doc_number", "title", "addressees", "signature", "date", "note",
               "copy_to", "printer", "print_date")

DOC_NUMBER = re.compile(r"^(?P<code>[^〔〕\[\]（）()]+)〔(?P<year>\d{4})〕(?P<number>[1-9]\d*)号$")
_LEVELS = (
    (1, re.compile(r"^([一二三四五六七八九十]+、)")),
    (2, re.compile(r"^([（(][一二三四五六七八九十]+[）)])")),
    (3, re.compile(r"^(\d+[.．])")),
    (4, re.compile(r"^([（(]\d+[）)])")),
)


# ---- checks ----------------------------------------------------------------------

def check_doc_number(value: str, key: str = "doc_number") -> str:
    """`冀气领办〔2020〕94号`; brackets written [] or () are turned into 〔〕, other forms refused."""
    text = (value or "").strip()
    if not text:
        return ""
    text = re.sub(r"[\[［(（](\d{4})[\]］)）]", r"〔\1〕", text)
    m = DOC_NUMBER.match(text)
    if not m or m.group("number").startswith("0") or "第" in text:
        raise DataDoesNotFit(
            f"{key}（发文字号）应写作“机关代字〔年份〕序号号”，如“冀气领办〔2020〕94号”：年份用四位数字和六角括号，"
            f"序号不编虚位、不加“第”字。收到的是“{value}”。", f"bad document number: {value!r}")
    return text


def missing(data: Mapping[str, Any], keys: Sequence[str], what: str) -> None:
    if not isinstance(data, Mapping):
        raise DataDoesNotFit(f"{what}应为 JSON 对象。")
    absent = [k for k in keys if k not in data]
    if absent:
        raise missing_keys_error(absent, what)


# ---- elements ------------------------------------------------------------------------

def issuer_mark_run(text: str, *, max_pt: float = MARK_MAX_PT, width_pt: float = MARK_WIDTH_PT) -> RichText:
    """The issuer mark as one run: as high as `max_pt` allows, condensed (w:w) to fit one line."""
    text = (text or "").strip()
    rt = RichText()
    if not text:
        return rt
    width = text_width(text)
    size = max_pt
    scale = min(100, int(width_pt / (width * size) * 100))
    if scale < 60:  # very long names: smaller letters rather than thinner than 60 %
        scale = 60
        size = max(22.0, width_pt / (width * 0.6))
    from xml.sax.saxutils import escape

    half_points = round(size * 2)
    rt.xml = (f'<w:r><w:rPr><w:w w:val="{scale}"/><w:sz w:val="{half_points}"/><w:szCs w:val="{half_points}"/>'
              f'</w:rPr><w:t xml:space="preserve">{escape(text)}</w:t></w:r>')
    return rt


def text_width(text: str) -> float:
    """Width in characters of 3号: CJK and full-width characters 1, ASCII 0.5."""
    return sum(0.5 if ord(ch) < 0x2E80 and ch not in "—…“”‘’" else 1.0 for ch in text)


_BREAK_AFTER = "和与及、，的"
_BREAK_BEFORE = ("关于", "重污染", "重点行业", "绩效", "应急减排", "企业名单", "限期整改", "工作", "名单", "B（含")
_NO_LINE_START = ("以上", "以下", "级", "）", "》", "、", "，", "。", "”")


def title_lines(title: str, per_line: int = TITLE_LINE_CHARS) -> str:
    """The title broken into lines (`\n`) of at most `per_line` characters, the shorter lines
    first (a trapezoid), only at word boundaries: after 和/与/及/的 and punctuation, or before
    words such as 重污染, 绩效, 企业名单. Line breaks already in the title are kept."""
    title = (title or "").strip()
    if "\n" in title or text_width(title) <= per_line:
        return title
    points = sorted({i + 1 for i, ch in enumerate(title[:-1]) if ch in _BREAK_AFTER}
                    | {i for i in range(2, len(title) - 1) if title.startswith(_BREAK_BEFORE, i)})
    points = [p for p in points if not title.startswith(_NO_LINE_START, p) and len(title) - p > 3]
    best, best_score = None, None
    least = -(-int(text_width(title) + 0.5) // per_line)
    for count in range(least, least + 2):
        for split in _splits(title, points, count):
            widths = [text_width(part) for part in split]
            if max(widths) > per_line:
                continue
            shrink = sum(max(0.0, a - b) for a, b in zip(widths, widths[1:], strict=False))
            score = (shrink > 2, max(widths) - min(widths), shrink)
            if best_score is None or score < best_score:
                best, best_score = split, score
        if best:
            break
    if not best:  # no word boundary fits: break by width
        best = [title[i:i + per_line] for i in range(0, len(title), per_line)]
    return "\n".join(best)


def _splits(title: str, points: list[int], count: int) -> list[list[str]]:
    out: list[list[str]] = []

    def walk(start: int, left: int, acc: list[str]) -> None:
        if len(out) > 5000:
            return
        if left == 1:
            out.append([*acc, title[start:]])
            return
        for p in points:
            if p > start:
                walk(p, left - 1, [*acc, title[start:p]])

    walk(0, count, [])
    return out


def body_paragraphs(body: str | Sequence[str | Mapping[str, Any]], key: str = "body") -> list[dict[str, Any]]:
    """Paragraphs as the template reads them: {"level", "heading", "text"}.

    `body` is a text (one paragraph a line), a list of texts, or a list of such objects.
    A text starting `一、` is level 1, `（一）` level 2, `1.` level 3, `（1）` level 4; for levels
    1 and 2 the heading runs to the first `。` when more text follows it (a heading sentence
    in 黑体/楷体, the rest in 仿宋)."""
    if isinstance(body, str):
        body = [line for line in body.splitlines()]
    if not isinstance(body, Sequence):
        raise DataDoesNotFit(f"{key} 应为文本或段落列表。")
    out = []
    for i, item in enumerate(body):
        if isinstance(item, Mapping):
            if "text" not in item and "heading" not in item:
                raise missing_keys_error([f"{key}[{i}].text"])
            level = item.get("level")
            heading, text = str(item.get("heading") or ""), str(item.get("text") or "")
            if level is None:
                level, heading2, text2 = split_heading(heading + text)
                heading, text = (heading, text) if heading else (heading2, text2)
            out.append({"level": int(level), "heading": heading, "text": text})
            continue
        line = str(item).strip()
        if not line:
            continue
        level, heading, text = split_heading(line)
        out.append({"level": level, "heading": heading, "text": text})
    return out


def split_heading(line: str) -> tuple[int, str, str]:
    """(level, heading, rest) of one paragraph."""
    for level, pattern in _LEVELS:
        m = pattern.match(line)
        if not m:
            continue
        if level <= 2:
            end = line.find("。")
            if 0 <= end < len(line) - 1:
                return level, line[:end + 1], line[end + 1:]
            return level, line, ""
        return level, "", line
    return 0, "", line


def attachment_names(attachments: Sequence[Any] | None, key: str = "attachments") -> list[str]:
    """Names for the 附件说明, without final punctuation (GB/T 9704 7.3.4)."""
    names = []
    for i, item in enumerate(attachments or ()):
        name = item.get("name") if isinstance(item, Mapping) else item
        if not name:
            raise missing_keys_error([f"{key}[{i}].name"])
        names.append(str(name).strip().rstrip("。．.；;，,"))
    return names


def signature_line(signature: str, date: str) -> str:
    """The signature padded with ideographic spaces so that it sits centred over the date
    (which is right-indented four characters), never closer than two characters to the edge."""
    signature = (signature or "").strip()
    if not signature:
        return ""
    date_w, sig_w = text_width(date), text_width(signature)
    centre = LINE_CHARS - DATE_RIGHT_INDENT - date_w / 2
    start = centre - sig_w / 2
    start = min(start, LINE_CHARS - SIGNATURE_MIN_RIGHT - sig_w)
    return "\u3000" * max(0, round(start)) + signature


def addressee_line(text: str) -> str:
    text = (text or "").strip().rstrip(":：")
    return f"{text}：" if text else ""


def official_context(data: Mapping[str, Any]) -> dict[str, Any]:
    """The common official-document keys as the template reads them."""
    context = dict(data)
    context["issuer_mark"] = issuer_mark_run(str(data.get("issuer_mark") or ""))
    # 文件格式's red head (mark, number, rule) is left out when there is neither a mark nor a number
    context["red_head"] = bool(str(data.get("issuer_mark") or "").strip() or str(data.get("doc_number") or "").strip())
    context["doc_number"] = check_doc_number(str(data.get("doc_number") or ""))
    context["title"] = title_lines(str(data.get("title") or ""))
    context["addressees"] = addressee_line(str(data.get("addressees") or ""))
    date = cn_date(data.get("date"))
    context["date"] = date
    context["signature"] = signature_line(str(data.get("signature") or ""), date)
    note = str(data.get("note") or "").strip()
    if note and not note.startswith(("（", "(")):
        note = f"（{note.rstrip('。')}）"
    context["note"] = note
    copy_to = str(data.get("copy_to") or "").strip().rstrip("。.")
    context["copy_to"] = f"{copy_to}。" if copy_to else ""
    context["printer"] = str(data.get("printer") or "").strip()
    context["print_date"] = cn_date(data.get("print_date"))
    return context
