"""Turn the many ways enterprises write a value into the one normal form of docs/fields.md."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta
from functools import cache

from forms.vocabulary import (
    LEADING,
    PLATE_PROVINCES,
    TICKED_GLYPHS,
    TICKED_MARKS,
    UNTICKED_GLYPHS,
    UNTICKED_MARKS,
)

# ---------------------------------------------------------------- text basics

_FULLWIDTH_KEEP = set("（）：，。、；“”‘’《》〔〕【】")


def to_halfwidth(text: str) -> str:
    """Full-width ASCII letters, digits and spaces to half-width; Chinese punctuation kept."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch == "\u3000":
            out.append(" ")
        elif 0xFF01 <= code <= 0xFF5E and ch not in _FULLWIDTH_KEEP:
            out.append(chr(code - 0xFEE0))
        else:
            out.append(ch)
    return "".join(out)


# A PDF's text layer (and a Word file converted from one) may give a common character as the radical its font
# draws it with: 工 as ⼯ U+2F2F (a Kangxi radical, which NFKC makes 工), 长 as ⻓ U+2ED3 (the radicals
# supplement, which NFKC leaves). The supplement's ideographs are Unicode's EquivalentUnifiedIdeograph.txt
# (U+2E81–U+2EF3; U+2E80 has none).
_RADICAL_SUPPLEMENT = (
    "⺁厂 ⺂乛 ⺃乚 ⺄乙 ⺅亻 ⺆冂 ⺇𠘨 ⺈刀 ⺉刂 ⺊卜 ⺋㔾 ⺌小 ⺍小 ⺎兀 ⺏尣 ⺐尢 ⺑𡯂 ⺒巳 ⺓幺 ⺔彑 ⺕𫜹 ⺖忄 ⺗心 ⺘扌 ⺙攵 ⺛旡 ⺜日 ⺝月 ⺞歺 ⺟母 ⺠民 ⺡氵 ⺢氺 ⺣灬 ⺤爫 "
    "⺥爫 ⺦丬 ⺧牛 ⺨犭 ⺩王 ⺪𤴔 ⺫目 ⺬示 ⺭礻 ⺮𥫗 ⺯糹 ⺰纟 ⺱罓 ⺲罒 ⺳㓁 ⺴冗 ⺵𦉫 ⺶羊 ⺷𦍌 ⺸𦍋 ⺹耂 ⺺肀 ⺻聿 ⺼肉 ⺽𦥑 ⺾艹 ⺿艹 ⻀艹 ⻁虎 ⻂衤 ⻃覀 ⻄西 ⻅见 ⻆角 ⻇𧢲 "
    "⻈讠 ⻉贝 ⻊𧾷 ⻋车 ⻌辶 ⻍辶 ⻎辶 ⻏邑 ⻐钅 ⻑長 ⻒镸 ⻓长 ⻔门 ⻕𨸏 ⻖阝 ⻗雨 ⻘青 ⻙韦 ⻚页 ⻛风 ⻜飞 ⻝食 ⻞𩙿 ⻟飠 ⻠饣 ⻡𩠐 ⻢马 ⻣骨 ⻤鬼 ⻥鱼 ⻦鸟 ⻧卤 ⻨麦 ⻩黄 ⻪黾 "
    "⻫斉 ⻬齐 ⻭歯 ⻮齿 ⻯竜 ⻰龙 ⻱龜 ⻲亀 ⻳龟 "
)
_RADICALS = {ord(pair[0]): pair[1:] for pair in _RADICAL_SUPPLEMENT.split()} | {
    code: unicodedata.normalize("NFKC", chr(code)) for code in range(0x2F00, 0x2FD6)}
_RADICAL = re.compile("[\u2e81-\u2ef3\u2f00-\u2fd5]")


def unify_radicals(text: str) -> str:
    """A text with each radical a font drew a common character with made that character (⼯业 → 工业)."""
    return text.translate(_RADICALS) if _RADICAL.search(text) else text


def clean_text(text: str | None) -> str:
    """Collapse white space, drop zero-width characters, normalise compatibility forms."""
    if text is None:
        return ""
    text = unify_radicals(text)
    text = unicodedata.normalize("NFKC", text) if _needs_nfkc(text) else text
    text = text.replace("\u200b", "").replace("\ufeff", "")
    text = re.sub(r"[_＿]{2,}", " ", text)  # a form's fill-in line typed as underscores around the value (__某某公司__)
    text = re.sub(r"[ \t\r\n\u3000\xa0]+", " ", text)
    return text.strip()


def _needs_nfkc(text: str) -> bool:
    # NFKC would turn Chinese brackets and colons into ASCII; only apply it to
    # the compatibility ideographs and circled numbers that OCR and Word emit.
    return any(0xF900 <= ord(c) <= 0xFAFF or 0x2460 <= ord(c) <= 0x24FF for c in text)


def repair_brackets(text: str) -> str:
    """A pair opened full-width and closed half-width (or the reverse), as OCR reads them, made one width."""
    text = re.sub(r"（([^（）()]*)\)", r"（\1）", text)
    return re.sub(r"\(([^（）()]*)）", r"（\1）", text)


def repair_cement_grades(text: str) -> str:
    """Cement strength classes as OCR reads them (P·042.5, P.O 42.5, P，O42.5 — the dot read as a comma, a speck
    after the class: 42.5.水泥) written as GB 175 does: P·O42.5."""
    text = re.sub(r"\bP\s*[·・.．,，\-－]{0,2}\s*[0OoО]\s*(?=\d{2}\.5)", "P·O", text)
    return re.sub(r"(?<=P·O\d{2}\.5)[.．·](?=[\u4e00-\u9fff])", "", text)


def close_figure_gaps(text: str) -> str:
    """Remove spaces between a Chinese character and a figure (`工业园区8 号`, `5 万吨/年`): a PDF's text layer
    puts them where the font changes; Chinese text never writes them."""
    return re.sub(r"(?<=[\u3400-\u9fff])[ \u3000]+(?=\d)|(?<=\d)[ \u3000]+(?=[\u3400-\u9fff])", "", text)


def squeeze_cjk_spaces(text: str) -> str:
    """Remove spaces between Chinese characters (`企 业 名 称` → `企业名称`), keep them between Latin words."""
    return re.sub(r"(?<=[\u3400-\u9fff\uff08\uff09（）])\s+(?=[\u3400-\u9fff（）\uff08\uff09])", "", text)


def normalise_brackets(text: str) -> str:
    return text.replace("(", "（").replace(")", "）").replace("[", "〔").replace("]", "〕")


# ---------------------------------------------------------------- checkboxes

# a mark in brackets after its option: 是（√） 否（ ）, 有[✓] 无[ ]; an empty pair of brackets is an empty box
_BRACKETED_MARK = re.compile(r"[（(【\[]\s*([√✓✔☑■xX×]?)\s*[)）】\]]")


def _bracketed_marks(text: str) -> str:
    """是（√）否（ ） as the typed form writes it: ☑是 □否 (only where a bracket follows an option); brackets
    before their options when the text begins with one and an option after it: （ ）是 （√）否, [√]重点管理.
    Among boxes before their options (□A级☑B级[]C级) an empty pair is a box OCR read as its sides: left to
    _boxes_read_as_sides."""
    if not _BRACKETED_MARK.search(text) or re.match(f"\\s*[{TICKED_MARKS}{UNTICKED_MARKS}]", text):
        return text
    if re.match(_BRACKETED_MARK.pattern + r"\s*[^\s（(【\[)）】\]]", text.strip()):
        return _BRACKETED_MARK.sub(lambda m: "☑" if m.group(1) else "□", text)
    out, last = [], 0
    for m in re.finditer(r"([^\s（(【\[)）】\]，,;；/、]+)\s*" + _BRACKETED_MARK.pattern, text):
        out.append(text[last:m.start()])
        out.append(("☑" if m.group(2) else "□") + m.group(1) + " ")
        last = m.end()
    out.append(text[last:])
    return "".join(out).strip()


# an empty box read as its sides (|.| |_|, its corners L] [J): between two options, or before the first, of a
# text with marks
_BOX_AS_SIDES = re.compile(r"(?:[|丨\[]\s*[._·、]?\s*[|丨\]J]|L\s*[._·、]?\s*[|丨\]])"
                           r"(?=\s*(?:[A-DＡ-Ｄ]\s*[-－]?\s*级|[\u4e00-\u9fff]))")


def _boxes_read_as_sides(text: str) -> str:
    if not any(c in text for c in TICKED_MARKS + UNTICKED_MARKS):
        return text
    return _BOX_AS_SIDES.sub("□", text)


def ticked_options(text: str, choices: tuple[str, ...] = ()) -> list[str] | None:
    """For `☑A级 □B级`, the options after a ticked mark; None when the text has no marks.

    OCR sometimes drops a tick glyph altogether (`B级□C级`): when no mark is ticked, an
    option standing before the first empty box is taken as the ticked one. `choices`: the field's
    options, which tell two options apart where OCR lost the box between them (简化管理登记管理).
    """
    text = _boxes_read_as_sides(_crossed_box(_bracketed_marks(text)))
    if not any(c in text for c in TICKED_MARKS + UNTICKED_MARKS):
        return None
    marks = f"[{TICKED_MARKS}{UNTICKED_MARKS}]"
    body = text.strip(" ，,;；/、")
    lone = _lone_mark_option(body)
    if lone is not None:
        return [lone]
    # the mark after its option (是☑ 否□): a text that ends with a mark and does not begin with one
    after = re.search(f"{marks}$", body) is not None and re.match(marks, body) is None
    options = []
    pattern = f"([^{TICKED_MARKS}{UNTICKED_MARKS}]*?)\\s*({marks})" if after else f"({marks})\\s*([^{TICKED_MARKS}{UNTICKED_MARKS}]*)"
    for match in re.finditer(pattern, body):
        mark, option = (match.group(2), match.group(1)) if after else (match.group(1), match.group(2))
        # a scan's speck between a mark and its option (√·否) is neither
        option = option.strip(" ，,;；/、").lstrip("·•.．'`").strip()
        if mark in TICKED_MARKS:
            options.append(_first_of_run(option, choices))
    if not options:
        lead = re.split(f"[{UNTICKED_MARKS}]", text, maxsplit=1)[0].strip(" ，,;；/、")
        if lead:
            options.append(lead)
        else:
            options.extend(_unboxed_option(body, choices))
    return options


_OPTION = re.compile(r"(?:[A-DＡ-Ｄ]\s*[-－]?\s*级|引领性)(?:企业)?|[^\s（(【〔/、，,]+")
_GRADE = re.compile(r"(?:[A-DＡ-Ｄ]\s?[-－]?\s?级|引领性)(?:企业)?")  # one grade option, C 级 wrapped inside it
# options run together behind one mark, their own boxes lost (☑B级C级D级, a phone photo's faint boxes): no
# space between them (√ A级 B级 is a mark between two options)
_GRADES_RUN_TOGETHER = re.compile(f"(?:{_GRADE.pattern}){{2,}}")


@cache
def _among(choices: tuple[str, ...]) -> re.Pattern:
    """A field's options found in text run together (简化管理登记管理), the longest first."""
    return re.compile("|".join(map(re.escape, sorted(choices, key=len, reverse=True))))


def _first_of_run(option: str, choices: tuple[str, ...] = ()) -> str:
    """The ticked option when the options after it lost their boxes and run on behind it (☑B级C级D级: B级;
    ☑简化管理登记管理 told apart by the field's `choices`); the option as it stands otherwise."""
    squeezed = re.sub(r"\s", "", option)
    if choices:
        found = _among(choices).findall(squeezed)
        if len(found) >= 2 and "".join(found) == squeezed:
            return found[0]
    if _GRADES_RUN_TOGETHER.fullmatch(option):
        return _OPTION.match(option).group()
    first, _, rest = option.partition("\n")
    if rest and _GRADE.fullmatch(first.strip()) and _GRADE.match(rest.strip()):
        # the next option wrapped to the next line, its box lost or read after it (☑B级⏎C级□ D级): a line
        # ends one option, and a grade at the next line's start is another
        return first.strip()
    return option


def _unboxed_option(body: str, choices: tuple[str, ...] = ()) -> list[str]:
    """`□A级B级□C级□D级`: every option behind an empty box but one, which stands behind another option with
    no mark of its own — the box OCR could not read (a ☒ or a ticked legacy box), so the ticked one. Only
    when there are three options at least and exactly one of them lacks its box. Options run together
    with nothing between them (□简化管理登记管理) are told apart by the field's `choices`."""
    chunks = [re.sub(r"\n", "", chunk).strip(" ，,;；/、") for chunk in re.split(f"[{UNTICKED_MARKS}]", body)[1:]]
    among = _among(choices) if choices else None
    options = [found if among and (found := among.findall(re.sub(r"\s", "", chunk))) else _OPTION.findall(chunk)
               for chunk in chunks if chunk]
    unboxed = [option for found in options for option in found[1:]]
    return unboxed if len(unboxed) == 1 and sum(map(len, options)) >= 3 else []


# a crossed box (☒, a Word legacy check box ticked) that OCR read as the letter X: standing alone before an
# option, among options behind empty boxes
_CROSS_READ_AS_X = re.compile(f"(?:^|(?<=[\\s|{UNTICKED_MARKS}]))[Xx×╳](?=\\s*[^\\sA-Za-z0-9])|"
                              f"(?:^|(?<=[\\s|{UNTICKED_MARKS}]))[Xx×╳](?=\\s*[A-D][-－]?级)")


def _crossed_box(text: str) -> str:
    if not any(c in text for c in UNTICKED_MARKS) or sum(1 for _ in _CROSS_READ_AS_X.finditer(text)) != 1:
        return text
    return _CROSS_READ_AS_X.sub("☒", text)


def _lone_mark_option(body: str) -> str | None:
    """`A级 B级 √B-级 C级`: options with no boxes, the chosen one marked; the option the mark is written against
    (before or after it, no space between). None when the text is not of that shape."""
    tokens = body.split()
    found = [ch for ch in body if ch in TICKED_MARKS + UNTICKED_MARKS]
    if len(tokens) < 2 or len(found) != 1 or found[0] not in TICKED_MARKS:
        return None
    token = next(t for t in tokens if found[0] in t)
    if len(token) > 1 and token.startswith(found[0]):
        return token[1:]
    if len(token) > 1 and token.endswith(found[0]):
        return token[:-1]
    return None


# ---------------------------------------------------------------- dates

_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4,
              "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _cn_number(text: str) -> int | None:
    """二十三 → 23, 十 → 10, 三十一 → 31, 十二 → 12."""
    if not text:
        return None
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, units = text.partition("十")
        t = _CN_DIGITS.get(tens) if tens else 1
        u = _CN_DIGITS.get(units) if units else 0
        if t is None or u is None:
            return None
        return t * 10 + u
    if len(text) == 1 and text in _CN_DIGITS:
        return _CN_DIGITS[text]
    return None


# OCR reads the round 〇 of 二〇二一 as a square: inside a year of Chinese digits it can only be 〇
_YEAR_ZERO_READINGS = "□口囗"


def _cn_year(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    if sum(c in _YEAR_ZERO_READINGS for c in text) > 2:
        return None
    digits = [0 if c in _YEAR_ZERO_READINGS else _CN_DIGITS.get(c) for c in text]
    if len(digits) != 4 or any(d is None for d in digits):
        return None
    return int("".join(str(d) for d in digits))


_CN_CHARS = "〇零○一二三四五六七八九十"
_DATE_PATTERNS = [
    # 2020年9月15日, 2020 年 9 月 15 日
    re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]?"),
    # 2020-09-15, 2020.9.15, 2020/9/15, 2020_9_15; a scan's speck beside a separator (2023/11./7) is no figure
    re.compile(r"(?P<y>\d{4})\s*(?:[-/_]\.?|\.[-/_]?)\s*(?P<m>\d{1,2})\s*(?:[-/_]\.?|\.[-/_]?)\s*(?P<d>\d{1,2})(?!\d)"),
    # 二〇二〇年九月十五日
    re.compile(f"(?P<y>[{_CN_CHARS}{_YEAR_ZERO_READINGS}]{{4}})\\s*年\\s*(?P<m>[{_CN_CHARS}]{{1,3}})\\s*月\\s*(?P<d>[{_CN_CHARS}]{{1,3}})\\s*[日号]"),
    # 20200915
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})(?P<m>0[1-9]|1[0-2])(?P<d>0[1-9]|[12]\d|3[01])(?!\d)"),
]


def find_dates(text: str) -> list[tuple[date, int, int]]:
    """Every real date in the text, with its character span, in order of position."""
    text = to_halfwidth(text or "")
    # a time after the date (2017/5/3 0:00:00, as a spreadsheet's export writes a date): no part of the day
    text = re.sub(r"(?<=\d)(?:\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?", "", text)
    # a scan's speck read as a comma before the day or month its line wrapped to (2022年11月⏎,29日): a date's
    # parts are never set apart so, and a day or month follows (not a list of dates: 3月，2022年4月)
    text = re.sub(r"(?<=[年月])\s*[,，、]\s*(?=\d{1,2}\s*[日号月])", "", text)
    # a date wrapped in a narrow cell: 二〇二一年八月十\n五日; a scan's speck beside its words: 2019·年9月4日
    text = re.sub(f"(?<=[{_CN_CHARS}\\d年月])(?:\\s+|\\s*[·•'`]\\s*)(?=[{_CN_CHARS}\\d年月日号])", "", text)
    found: list[tuple[date, int, int]] = []
    taken: list[tuple[int, int]] = []
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            y = _cn_year(m.group("y"))
            mo = _cn_number(m.group("m"))
            d = _cn_number(m.group("d"))
            if y is None or mo is None or d is None:
                continue
            try:
                value = date(y, mo, d)
            except ValueError:
                continue
            found.append((value, m.start(), m.end()))
            taken.append((m.start(), m.end()))
    found.sort(key=lambda item: item[1])
    return found


def parse_date(text: str | None) -> str | None:
    """The first date in the text as ISO `YYYY-MM-DD`, or None."""
    dates = find_dates(text or "")
    return dates[0][0].isoformat() if dates else None


# a range with no end: 至长期, ~长期, 无固定期限, 永久
_OPEN_END = re.compile(r"(?:至|到|起|~|～|-|—|－)\s*(?:长期|永久|无固定期限|无期限)|^\s*(?:长期|永久|无固定期限)(?:有效)?\s*$")


# a term given as a start and a length (自2020年6月15日起五年, 有效期5年（自…起）): so many years
_YEARS_LONG = re.compile(r"([一二三四五六七八九十]{1,3}|\d{1,2})\s*(?:个)?\s*年(?![\d一二三四五六七八九十〇零]|度)")
_FROM = re.compile(r"^\s*(?:起|开始)")


def parse_date_end(text: str | None) -> str | None:
    """For a range (`2018年1月1日至2023年12月31日`) its end; for a single date that date; for a range with no
    end (`2017年1月1日至长期`) none (its start is not when it ends); for a start and a length (`自2020年6月15日起
    五年`) the day before the start's anniversary, and for a start alone (`自2020年6月15日起`) none."""
    text = text or ""
    if _OPEN_END.search(to_halfwidth(text)):
        return None
    dates = find_dates(text)
    if len(dates) == 1 and (_FROM.match(text[dates[0][2]:]) or re.search(r"(?:自|从)\s*$", text[:dates[0][1]])):
        start, _, end = dates[0]
        rest = text[:dates[0][1]] + " " + text[end:]
        if (length := _YEARS_LONG.search(rest)) and (years := _cn_number(length.group(1))):
            try:
                anniversary = start.replace(year=start.year + years)
            except ValueError:  # from 29 February: the term ends with February
                anniversary = date(start.year + years, 3, 1)
            return (anniversary - timedelta(days=1)).isoformat()
        return None  # a start alone says nothing of the end
    return dates[-1][0].isoformat() if dates else None


# ---------------------------------------------------------------- codes and numbers

_PLATE_IN = re.compile(f"[{PLATE_PROVINCES}][A-Z](?:[A-Z0-9]{{5,6}}|[A-Z0-9]{{4}}[挂学警港澳])(?![A-Z0-9])")


def normalise_plate(text: str | None) -> str:
    """A number plate without the separator people print after its letter (冀J·12345, 冀J 12345 → 冀J12345)."""
    # a scan's speck read as a comma or a quote inside it too (冀D,15533D); the plate's colour noted after it
    # (冀A12345（黄）, 冀A12345(黄牌)) is no part of it
    text = re.sub(r"[（(]\s*[黄蓝绿白黑]色?牌?\s*[)）]\s*$", "", clean_text(text))
    plate = re.sub(r"[·•・.．\s\-,，、'`]", "", to_halfwidth(text).upper())
    # a colour written round it without brackets (黄 冀A12345, 冀A12345黄牌), a combination's two plates
    # (牵引车/挂车: 冀A12345/冀B5678挂): the first plate in it
    found = _PLATE_IN.findall(plate)
    return found[0] if found and not _PLATE_IN.fullmatch(plate) else plate


# the words an organisation's name ends with (某某铸造有限公司, 某某研究院): a value that ends so is a name
ORGANISATION_ENDS = "公司|厂|集团|中心|合作社|研究院|研究所|商行|经营部|分公司|门市部|事务所"


# a discharge permit's code of an outlet: DA for air (有组织废气), DW for water, then three digits (HJ 608)
OUTLET_CODE = re.compile(r"(?<![A-Za-z0-9])D[AW]\d{3}(?![0-9])")


# an outlet's code whose figures a scan misread as the letters they look like (DAQ03, DA0O1, DAOl2)
_MISREAD_OUTLET = re.compile(r"(?<![A-Z0-9])D[AW][0-9OQDIL]{3}(?![0-9A-Z])")
_FIGURE_LOOKS = str.maketrans("OQDIL", "00011")


def plain_latin(text: str) -> str:
    """Latin letters without the accents a scan's OCR puts on them (DÁ002, LFWÖ…); codes have none."""
    if text.isascii():
        return text
    return "".join(unicodedata.normalize("NFKD", ch)[0] if "\u00c0" <= ch <= "\u024f" else ch for ch in text)


def outlet_code(text: str | None) -> str | None:
    """The permit's outlet code in a text that names an outlet (1#排气筒（DA001）, DA003 制芯), if it holds one;
    figures read as the letters they look like (DAQ03) are the figures."""
    text = plain_latin(to_halfwidth(text or "")).upper()
    # a scan's speck read as a dot or a quote inside the code (DA00.4, D A001)
    text = _SPECKED_OUTLET.sub(lambda m: re.sub(r"[\s.·,'`]", "", m.group()), text)
    m = OUTLET_CODE.search(text) or _MISREAD_OUTLET.search(text)
    return m.group()[:2] + m.group()[2:].translate(_FIGURE_LOOKS) if m else None


_SPECKED_OUTLET = re.compile(r"(?<![A-Z0-9])D\s?[AW](?:[\s.·,'`]?[0-9OQDIL]){3}(?![0-9])")


def normalise_code(text: str | None) -> str:
    """Credit codes, permit numbers, VINs: upper case, half-width, no spaces or separators."""
    text = plain_latin(to_halfwidth(clean_text(text))).upper()
    code = re.sub(r"[\s\-_.·,，'`]", "", text)  # a scan's speck read as a comma or a quote is no character either
    # words written round the code (证书编号：…, …（重点管理）, …（三证合一）): the code; one character beside it
    # (a misread 一 inside the code) is not words and stays, for the check to see
    runs = list(re.finditer(r"[0-9A-Z]{15,}", code))
    if len(runs) == 1 and len(re.findall(r"[\u4e00-\u9fff]", code[:runs[0].start()] + code[runs[0].end():])) >= 2:
        return runs[0].group()
    return code


_NOT_IN_VINS = str.maketrans("IOQ", "100")
_VIN_RUN = re.compile(r"(?<![0-9A-Z])[0-9A-HJ-NPR-Z]{17}(?![0-9A-Z])")


def normalise_vin(text: str | None) -> str:
    """A VIN as normalise_code gives it; when that holds one run of 17 VIN characters set apart by other
    characters (一LGAK1B557J4439385: a speck read as 一, a seal's character beside it), that run."""
    code = normalise_code(text)
    runs = _VIN_RUN.findall(code)
    return runs[0] if len(runs) == 1 and code != runs[0] else code


def vin_as_scanned(vin: str | None) -> str | None:
    """A VIN read by OCR with the letters no VIN holds (I, O, Q: ISO 3779) as the figures a scan mistakes them
    for (LGAC0HON2… for LGAC0H0N2…). Typed text keeps them, for the check to report."""
    if vin and len(vin) == 17 and re.fullmatch(r"[0-9A-Z]{17}", vin):
        return vin.translate(_NOT_IN_VINS)
    return vin


def normalise_doc_number(text: str | None) -> str:
    """`沧环评 [2012]246号`, `冀环评(2018)123号` → `沧环评〔2012〕246号` (GB/T 9704 六角括号)."""
    text = squeeze_cjk_spaces(to_halfwidth(clean_text(text)))
    year = r"[\[【（(〔]\s*((?:19|20)\d{2})\s*[\]】）)〕]"
    # a number set letter-spaced (a PDF's text layer: 冀 环 评 〔 2 0 1 8 〕 1 2 3 号): its characters together
    squeezed = re.sub(r"\s+", "", text)
    if re.search(year, squeezed) and not re.search(year, text):
        text = squeezed
    text = re.sub(year, r"〔\1〕", text)
    return re.sub(r"\s+", "", text) if re.search(r"〔\d{4}〕", text) else text


def normalise_phone(text: str | None) -> str:
    """The first of the numbers a cell gives (`0311-12345678 / 13812345678`, `…；…`, `… 或 …`), without an
    extension (`转801`): the form asks for one; digits run together from two numbers are none."""
    text = to_halfwidth(clean_text(text))
    if len(re.findall(r"[A-Za-z]", re.sub(r"(?i)tel|phone|mobile|fax|ext", "", text))) > 1:
        return ""  # a code with letters (a credit code, a VIN) is no phone number; one letter may be a misread 0
    numbers = [p for p in re.split(r"[/、，,；;]|或|\s{2,}", text) if len(re.sub(r"\D", "", p)) >= 7]
    if len(numbers) > 1:
        text = numbers[0]
    text = re.sub(r"(?i)\s*(?:转|分机|ext\.?)\s*\d{1,5}\s*$", "", text)  # an extension is not the number's
    text = re.sub(r"[（(]\s*(0\d{2,3})\s*[)）]", r"\1-", text)
    text = re.sub(r"^\s*(?:\+\s*86|0086)[\s\-]*", "", text)  # the country's code: +86 138…
    digits = re.sub(r"\D", "", text)
    if re.fullmatch(r"1[3-9]\d{9}", digits):
        return digits  # a mobile however it is grouped: 138-0317-1234, 138 0317 1234
    landline = re.fullmatch(r"\s*(0\d{2,3})[\s\-—－]+(\d{7,8})\s*", text)
    if landline:
        return f"{landline.group(1)}-{landline.group(2)}"  # 0317 8123456: the area code and the number
    text = re.sub(r"[^\d\-]", "", text.replace("—", "-").replace("－", "-"))
    return text.strip("-")


_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")


def parse_number(text: str | float | int | None) -> float | int | None:
    """`6.3`, `6.3mg/m³`, `＜1` (kept as 1), `1.2×10²`; None for 未检出/ND/—."""
    if text is None:
        return None
    if isinstance(text, int | float):
        return text
    text = to_halfwidth(clean_text(str(text))).replace(",", "").translate(_SUPERSCRIPTS)
    m = re.search(r"-?\d+(?:\.\d+)?", text)
    if not m:
        return None
    value = float(m.group(0))
    # a power of ten as a report prints it: 1.2×10³ (superscript figures), 1.2×10^-2, 1.2E+01
    exp = re.match(r"\s*(?:[×xX*]\s*10\s*\^?\s*|[eE](?=[-+−]?\d))([-+−]?\d+)", text[m.end():])
    if exp:
        value *= 10 ** int(exp.group(1).replace("−", "-").lstrip("+"))
    return int(value) if value.is_integer() and "." not in m.group(0) and not exp else value


# ---------------------------------------------------------------- enumerations

_ASKED_FOR = re.compile(r"(?:申请|申报|升为|升至|提升为|提升至|调整为|拟评|拟定|->|→)(?:为|至)?(?:绩效)?(?:等级|级别)?[:：]?")


def normalise_grade(text: str | None) -> str | None:
    # the marks read with the text's lines: a line ends one option (☑B级⏎C级□ D级)
    options = ticked_options(clean_text(re.sub(r"\s*\n\s*", "\x00", text or "")).replace("\x00", "\n"))
    text = clean_text(text)
    if options is not None:
        if len(options) != 1:
            return None
        text = options[0]
    text = to_halfwidth(text).upper().replace("－", "-").replace("—", "-").replace("−", "-")
    # a speck or a stray full stop beside the letter (A. on a scan) is not part of the grade; the minus of
    # B- is
    text = re.sub(r"\s+", "", text).strip(".,，。、·:;；'\"`")
    if "非引领" in text:
        return None
    if "引领" in text:
        return LEADING
    # the grade held and the one asked for (由C级升为B级, 原B级，申请A级, B级→A级): the one after the asking
    asked = [m for m in _ASKED_FOR.finditer(text) if re.search(r"[ABCD]", text[m.end():])]
    if asked and re.search(r"[ABCD]", text[:asked[-1].start()]):
        text = text[asked[-1].end():]
    # a note in brackets after the grade (C级（非重点行业）) says nothing about the letter
    text = re.sub(r"^(.*?[ABCD][-减负]?(?:级|类)?(?:企业)?)[（(][^（）()]*[）)]$", r"\1", text)
    # words before the letter that only say what it is (拟申报B级, 申请绩效等级：A, 环保绩效A级, B级企业);
    # not a word that turns it round (非A级, 不低于B级, 高于C级)
    m = re.match(r"^(?:[\u4e00-\u9fff]{0,10}?[:：为]?)([ABCD])(-|减|负)?(?:级|类)?(?:企业)?$", text)
    if m and re.search(r"(?:非|不|低于|高于|以上|以下|除)[\u4e00-\u9fff]{0,3}$", text[:m.start(1)]):
        return None
    if not m:
        return None
    grade = m.group(1)
    if m.group(2):
        return "B-" if grade == "B" else None
    return grade


PERMIT_CLASSES = ("重点管理", "简化管理", "登记管理")


def normalise_permit_class(text: str | None) -> str | None:
    text = clean_text(text)
    options = ticked_options(text, PERMIT_CLASSES)
    if options is not None:
        text = re.sub(r"\s", "", "".join(options))  # 登 记管理: an option wrapped in a narrow cell
    named = [name for name in PERMIT_CLASSES if name[:2] in re.sub(r"\s", "", text)]
    # every option offered and none marked (the boxes lost on a scan): no answer, not the first one
    return named[0] if len(named) == 1 else None


_TRUE = {"是", "有", "已安装", "已配备", "已联网", "yes", "y", "true", "1"}
_FALSE = {"否", "无", "未安装", "未配备", "未联网", "no", "n", "false", "0", "没有", "×", "╳", "✗", "✘"}  # × answers no as √ yes
# both answers offered and neither marked (a form's `是 否` whose boxes were lost in printing): no answer
_BOTH_OFFERED = re.compile(r"(?:是|有|已\w{0,2})[/／、,，()（）]?(?:否|无|未\w{0,2}|没有)")


# a yes/no question's own words (是否接入监控平台, 有无门禁, 专职环保员（是/否）): the question, never its answer
QUESTION = re.compile(r"^(?:是否|有无|有否|能否)|[（(]\s*(?:是|有)\s*[/／、]\s*(?:否|无)\s*[)）]|[?？吗]$")


def parse_bool(text: str | None) -> bool | None:
    text = clean_text(text)
    options = ticked_options(text)
    if options is not None:
        if not options:
            return False
        chosen = options[0]
        if not chosen or chosen in _TRUE or chosen.startswith(("是", "有", "已")):
            return True
        return not (chosen in _FALSE or chosen.startswith(("否", "无", "未")))
    # the separator left beside the option kept when the other was crossed out (有/~~无~~)
    compact = re.sub(r"\s+", "", text).lower().strip("/／、|｜,，;；")
    if _BOTH_OFFERED.fullmatch(compact) or QUESTION.search(compact):
        return None
    if compact in _TRUE or _DONE.match(compact):
        return True
    if compact in _FALSE or _NOT_DONE.match(compact):
        return False
    return None


# an answer written as what was done (已建设, 已设立, 建有, 配有, 具备) or not (尚未建设, 暂无, 不具备): a yes or a no,
# whatever the verb; 已拆除, 已停用 say the thing is gone
_DONE = re.compile(r"^(?:是|已(?!拆|停|撤|取消|关闭|过期|损坏|失效|注销|废|报废|淘汰|申请|报批)|(?:建|设|配|装|安装|配备)有|具备|具有)")
_NOT_DONE = re.compile(r"^(?:否|未|无|尚未|暂无|暂未|没有|不具备)")


_POLLUTANTS = [
    (re.compile(r"颗粒物|烟尘|粉尘|^PM$|^TSP$", re.I), "颗粒物"),
    (re.compile(r"二氧化硫|^SO\s*[2₂]$", re.I), "二氧化硫"),
    (re.compile(r"氮氧化物|^NO\s*[xXₓ]$|^NOX$", re.I), "氮氧化物"),
    (re.compile(r"非甲烷总烃|^NMHC$", re.I), "非甲烷总烃"),
    (re.compile(r"^VOCS?$|挥发性有机物", re.I), "VOCs"),
    (re.compile(r"^氨$|氨逃逸|^NH\s*[3₃]$", re.I), "氨"),
]


STANDARD_POLLUTANTS = frozenset(name for _, name in _POLLUTANTS)

# what a pollutant's name looks like beyond the standard ones (氟化物, 硫化氢, 苯, 硫酸雾, 二噁英, 汞 …)
POLLUTANT_SHAPE = (r"VOCs|[\u4e00-\u9fff]{0,8}(?:物|烃|氢|氨|苯|雾|英|汞|铅|镉|铬|砷|镍|氟|氯|硫)"
                   r"|(?:" + "|".join(name for _, name in _POLLUTANTS) + ")")


def normalise_pollutant(text: str | None) -> str:
    text = to_halfwidth(clean_text(text))
    compact = re.sub(r"\s+", "", text)
    for pattern, name in _POLLUTANTS:
        if pattern.search(compact):
            return name
    return compact


_STAGES = [  # between 国 and its figure, a scan's speck (国.V) is white
    (re.compile(r"新能源|纯电|电动|氢"), "新能源"),
    (re.compile(r"燃气|天然气|LNG|CNG", re.I), "燃气"),
    (re.compile(r"国[\s.·,，]*(六|6|VI|Ⅵ)", re.I), "国六"),
    (re.compile(r"国[\s.·,，]*(五|5|V|Ⅴ)(?!I)", re.I), "国五"),
    (re.compile(r"国[\s.·,，]*(四|4|IV|Ⅳ)", re.I), "国四"),
    (re.compile(r"国[\s.·,，]*(三|3|III|Ⅲ)", re.I), "国三"),
]


# a stage's figure alone, under a heading that says it is a stage (排放阶段: Ⅵ, 五, V阶段, 6b)
_BARE_STAGE = re.compile(r"(?:(六|6|VI|Ⅵ)|(五|5|V|Ⅴ)|(四|4|IV|Ⅳ)|(三|3|III|Ⅲ))[\s(（]*[AB]?[)）]?(?:阶段|标准)?", re.I)


def normalise_emission_stage(text: str | None) -> str:
    text = to_halfwidth(clean_text(text))
    for pattern, name in _STAGES:
        if pattern.search(text):
            return name
    m = _BARE_STAGE.fullmatch(text.strip())
    if m and not text.strip().isdigit():  # a figure alone may be a row's number (序号 3 … 6)
        return ("国六", "国五", "国四", "国三")[next(i for i in range(4) if m.group(i + 1))]
    return text


def _is_answer(text: str) -> bool:
    """Check boxes make a text an answer (☑是 □否), never a name."""
    return any(ch in TICKED_GLYPHS + UNTICKED_GLYPHS for ch in text)


# a form's instruction left in the value's cell, or typed after the value as the label has it (某某公司（盖章）,
# 王建国（签字）): what the filler was asked to do, no part of the value
_INSTRUCTION = re.compile(r"\s*[（(]\s*(?:加盖|请)?(?:盖章|公章|单位公章|签字|签名|签章|手签|签字并?盖章|盖章并?签字|本人签字"
                          r"|全称|如有|必填|选填|手写|法人|法定代表人)\s*[)）]\s*$")
# a phone number written after a person's name in the same cell (李明/13812345678, 李明 0310-6812345)
_PERSON_PHONE = re.compile(r"[\s/／、,，;；:：]*(?:电话|手机|Tel)?[:：]?\s*(?:\+?86)?(?:1[3-9]\d{9}|0\d{2,3}[-—－]?\d{7,8})\s*$", re.I)


def drop_instruction(text: str) -> str:
    """A value without a form's instruction in brackets after it (（盖章）, （签字）, （全称）)."""
    return _INSTRUCTION.sub("", text)


def normalise_person(text: str | None) -> str:
    """A person's name; a single character or a figure is no name (a scan's stray mark under the label)."""
    # a speck beside the name read as a full stop or a rule's stroke (朱卫东. on a scan) is no part of it
    text = _PERSON_PHONE.sub("", drop_instruction(squeeze_cjk_spaces(clean_text(text))))
    text = text.strip(".,，。、·•:：;；'\"`|丨")
    letters = [ch for ch in text if ch.isalpha()]
    # an answer's box or a question's words (是否, the 是否 of 环保管理人员是否专职 left without its boxes) are no name
    return text if len(letters) >= 2 and not _is_answer(text) and not QUESTION.search(text) else ""


# an administrative unit: a province, a city, a county or a district (河北省, 沧州市, 泊头市, 运河区)
_UNIT = re.compile(r"[\u4e00-\u9fff]{2,8}?(?:省|自治区|市|自治州|州|盟|地区|县|区|旗)")


def only_units(text: str) -> bool:
    """Whether a text is nothing but administrative units (河北省沧州市泊头市): what one address may write
    before another's words."""
    return re.fullmatch(f"(?:{_UNIT.pattern})+", text) is not None


def normalise_place(text: str | None) -> str:
    """A county, city or district: it has at least two characters of a Chinese name; written with the province
    and city above it, the last unit."""
    text = drop_instruction(squeeze_cjk_spaces(clean_text(text)))
    # the units above it in a note (永年区（邯郸市））: the place
    text = re.sub(f"[（(](?:{_UNIT.pattern})+[)）]$", "", text) or text
    if len(re.findall(r"[\u4e00-\u9fff]", text)) < 2 or _is_answer(text):
        return ""
    # written with the units above it (河北省沧州市泊头市, 沧州市运河区), the last unit is the place
    last = _UNIT.findall(text)[-1] if only_units(text) else ""
    return last if re.search(r"(?:县|市|区|旗)$", last) else text
