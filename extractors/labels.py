"""The label engine: canonical fields and tables read from any layout by their labels.

Enterprises retype and reorder the province's template, so a field is found by
its label (any synonym of forms/data/fields.toml, spaced out or not, either
colon) and its neighbour — never by a fixed cell position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from extractors.layout import Cell, Grid, Layout, Segment
from forms.facts import Fact, Source
from forms.field_types import FIELD_TYPES
from forms.fields import (
    FIELDS,
    TABLES,
    FieldSpec,
    TableSpec,
    label_key,
    match_label,
    other_labels,
    registry_label_keys,
)
from forms.label_meaning import (
    READING_KIND,
    candidates,
    label_terms,
    looks_like_label,
    plausible,
    reading,
    resolve,
    resolve_questions,
    similarity,
)
from forms.normalize import (
    ORGANISATION_ENDS,
    QUESTION,
    STANDARD_POLLUTANTS,
    find_dates,
    normalise_pollutant,
    outlet_code,
    parse_bool,
    parse_number,
    to_halfwidth,
    vin_as_scanned,
)
from forms.vocabulary import APPLICATION_FORM

# ---------------------------------------------------------------- label: value in running text


_BRACKETS = {"（": "[（(]", "）": "[）)]"}  # OCR mixes the widths: 县（市、区)

# a label ends at its colon, or where a box of its options begins (拟申报绩效等级□A级☑B级: the colon left out, or
# lost by the OCR)
_LABEL_END = "(?:[:：]|(?=[☑□☐■☒√✓]))"


@cache
def _pair_pattern(bounded: bool = True, end: str = _LABEL_END) -> re.Pattern[str]:
    """A known label followed by a colon; a note in brackets may follow the label: 企业名称（盖章）：

    `bounded`: the label starts the text or follows white space or punctuation. Unbounded (OCR lines,
    where the engine runs two pairs together: `林卫东所在县：枣强县`) it may follow any character.
    """
    labels = sorted({label_key(s) for f in FIELDS.values() for s in f.labels}, key=len, reverse=True)
    spaced = ["\\s*".join(_BRACKETS.get(ch, re.escape(ch)) for ch in label) for label in labels]
    alternation = "|".join(spaced)
    start = "(?:^|(?<=[\\s；;，,。、|]))" if bounded else ""
    return re.compile(f"{start}(?:\\*\\s*)?(?P<label>{alternation})"
                      f"(?:\\s*[（(][^（）():：]{{1,10}}[）)])?\\s*{end}")


@cache
def _leading_label_pattern() -> re.Pattern[str]:
    labels = sorted({label_key(s) for f in FIELDS.values() for s in f.labels}, key=len, reverse=True)
    spaced = ["\\s*".join(re.escape(ch) for ch in label) for label in labels if len(label) >= 2]
    return re.compile(f"^\\s*(?P<label>{'|'.join(spaced)})(?:\\s+(?P<value>\\S.*)|(?P<figure>[0-9☑□√].*))$")


# labels that end many other people's labels (设备名称, 注册地址, 分析日期 …): run into a preceding word they
# are not ours; 李立新手机：… still is
_SUFFIX_LABELS = {"名称", "地址", "日期", "单位", "住所", "行业"}


@cache
def _other_label_pattern(kind: str) -> re.Pattern[str]:
    return re.compile("(?:" + "|".join("\\s*".join(map(re.escape, label)) for label in other_labels(kind)) + ")\\s*[:：]")


def _ends_other_label(text: str) -> bool:
    squeezed = re.sub(r"\s+", "", text)
    return any(squeezed.endswith(label) for label in other_labels(READING_KIND.get()))


def _spaced_pairs(text: str, fuzzy: bool) -> list[tuple[FieldSpec, str, int, int]]:
    """`标签  值  标签  值` (a scan's row that lost its rules): runs apart by two or more spaces, each label's
    value the runs up to the next label."""
    runs = [(m.group(), m.start(), m.end()) for m in re.finditer(r"\S+(?: \S+)*", text)]
    if len(runs) < 2:
        return []
    specs = [match_label(run, fuzzy=fuzzy) if len(label_key(run)) >= 2 else None for run, _, _ in runs]
    if not any(specs):
        return []
    out = []
    for i, spec in enumerate(specs):
        if spec is None:
            continue
        j = i + 1
        while j < len(runs) and specs[j] is None:
            j += 1
        if j > i + 1:
            start, end = runs[i + 1][1], runs[j - 1][2]
            out.append((spec, text[start:end], start, end))
    return out


_LOOSE_PAIR = re.compile(r"^\s*(?P<label>[^:：]{2,20}?)\s*[:：]\s*(?P<value>.+)$")
# a short label-shaped text ending in a colon, whoever's label it is: 企业名称（全称）：, 占地面积：, 是否安装CEMS：
_ANY_LABEL = re.compile(r"(?:^|(?<=[\s；;，,。、|]))(?:\*\s*)?(?P<label>[\u4e00-\u9fffA-Za-z（）()〔〕【】/、]{2,24}?)"
                        r"\s*" + _LABEL_END)


def _label_shaped_matches(text: str, known: list[re.Match], fuzzy: bool = False) -> list[re.Match]:
    """`标签：` spans no known label covers, each a label by its shape (a value's end, and a field by meaning)."""
    out = []
    for m in _ANY_LABEL.finditer(text):
        if any(k.start() <= m.start("label") < k.end() or m.start() <= k.start() < m.end() for k in known):
            continue
        if looks_like_label(m.group("label")) and not (fuzzy and _fragment(m.group("label"))):
            out.append(m)
    return out


FRAGMENT_CHARS = 3  # a label's end this short may be what a seal left of it; a longer one says what it asks


def _fragment(text: str) -> bool:
    """On a scan, the end of one of our labels whose first characters are missing (报日期 of 填报日期 under a
    seal): what is left of a covered label, not a label of somebody's own. Typed text says what it says, and
    so does a longer end on a scan (安装在线监测设备 is 是否安装在线监测设备 without its 是否: somebody's wording,
    or what a seal left of the question, it asks the same)."""
    key = label_key(text)
    return len(key) <= FRAGMENT_CHARS and any(label != key and label.endswith(key) for label in registry_label_keys())


# the numbers of a numbered list before a label (（2）统一社会信用代码：, 3.法定代表人：, 四、…), made spaces so
# the label starts where a label may start; offsets into the text stay as they were
_NUMBERING = re.compile(r"(?:^|(?<=\s))(?:[0-9]{1,2}[.、．]|[（(][0-9一二三四五六七八九十]{1,2}[)）]|[一二三四五六七八九十]{1,3}[、.．])"
                        r"(?=\s*[\u4e00-\u9fff])")


# a full stop between Chinese characters, against a bracket, or after or before Chinese text at a value's end,
# which Chinese text never writes (its full stop is 。), or between a figure and the date word or unit after it
# (a decimal point has figures after it); a middle dot against a bracket (between two characters it parts a
# name: 买买提·艾力)
_SPECK_MARK = re.compile(r"(?<=[\u4e00-\u9fff〕）)\]])[.•](?=[\u4e00-\u9fff〔（(\[])|(?<=[\u4e00-\u9fff])[.•·](?=[〔（(\[])"
                         r"|(?<=[〕）)\]])[·](?=[\u4e00-\u9fff])"
                         r"|(?<=[\u4e00-\u9fff])[.•](?=\s|$)|(?:^|(?<=[\s:：]))[.•·](?=[\u4e00-\u9fff])|(?<=[〕】\]）)])[.•·](?=\d)"
                         r"|(?<=\d)[.•](?=[年月日万亿号])")  # between a figure and its date word or unit: 2027.年2月6.日, 9.号


# dot leaders typed between a label and its value (企业名称…………某某公司, 法定代表人........王建国, 联系电话——138…):
# a colon, or nothing after one; not a range's dash after a date (2022年5月4日——2027年5月3日). Offsets stay.
_LEADERS = re.compile(r"(?<=[\u4e00-\u9fff）):：])(?<![年月日号])\s*(?:…+|[.．·•]{3,}|[—\-]{2,}|_{3,})\s*(?=\S)")


def _leaders(text: str, m: re.Match) -> str:
    """A leader run as white space after a colon, as the colon a label left out, or as itself inside a value
    (灰铸铁件……等: a colon before it on the same pair)."""
    if text[m.start() - 1] in ":：":
        return " " * len(m.group())
    before = re.split(r"\s{2,}|[；;]", text[:m.start()])[-1]
    return m.group() if re.search(r"[:：]", before) else "：" + " " * (len(m.group()) - 1)


def pairs_in_text(text: str, *, allow_no_colon: bool = False, fuzzy: bool = False,
                  unassigned: list[tuple[str, str, int, int]] | None = None) -> list[tuple[FieldSpec, str, int, int]]:
    """`企业名称：甲  信用代码:乙` → [(enterprise_name, 甲, span), (credit_code, 乙, span)].

    A value ends where the next label begins: a known one, or any short label-shaped text ending in a
    colon, whose field is then found by meaning (forms/label_meaning.py); one that means no field goes to
    `unassigned` as (label, value, span) when a list is given.
    With `fuzzy` (OCR text) a segment `标签：值` whose label is one misread character
    away from a known label counts too.
    """
    text = _NUMBERING.sub(lambda m: " " * len(m.group()), text.replace("\u3000", " "))
    text = _LEADERS.sub(lambda m: _leaders(text, m), text)
    if fuzzy:  # a scan's speck read as a full stop inside a label or a value (县.(市、区), 沧环评·〔2011〕) is white
        text = _SPECK_MARK.sub(" ", text)
        # a known label's colon read as a semicolon (所在县（市、区）;枣强县): typed text never puts one there
        text = _pair_pattern(False, "(?P<semicolon>[;；])").sub(lambda m: m.group()[:-1] + "：", text)
    matches = list(_pair_pattern().finditer(text))
    if fuzzy and len(matches) < text.count(":") + text.count("："):
        matches = list(_pair_pattern(bounded=False).finditer(text))
    # 名称 inside 项目名称, 负责人 inside 技术负责人: not a label of ours, but the end of a longer label (read by
    # its shape and meaning below: on the enterprise's own form 注册地址 is its address)
    matches = [m for m in matches if not _inside_longer_label(text, m)]
    shaped = _label_shaped_matches(text, matches, fuzzy)
    everything = sorted([(m, True) for m in matches] + [(m, False) for m in shaped], key=lambda x: x[0].start())
    out = []
    for i, (m, known) in enumerate(everything):
        nxt = everything[i + 1][0] if i + 1 < len(everything) else None
        end = nxt.start() if nxt else len(text)
        if known:
            spec = match_label(m.group("label"))
            if spec is None:
                continue
        other = _other_label_pattern(READING_KIND.get()).search(text, m.end(), nxt.end() if nxt else end)
        if other and other.start() < end:
            end = other.start()  # the value stops where somebody else's label begins
        value = text[m.end():end].strip(" \t;；，,·")
        if not value:
            continue
        if known:
            out.append((spec, value, m.end(), end))
            continue
        specs = _specs_by_meaning(m.group("label"), value)
        for spec in specs:
            out.append((spec, value, m.end(), end))
        if not specs and unassigned is not None and (not looks_like_label(value) or _has_mark_or_figure(value)) \
                and not _an_option(m.group("label"), value):
            unassigned.append((m.group("label"), value, m.end(), end))
    if not out:  # `企业名称　　某某公司`: a Word line aligned with spaces, a scan's row that lost its rules
        out = _spaced_pairs(text, fuzzy)
    if not out and allow_no_colon:
        m = _leading_label_pattern().match(text)  # `标签 值`, or `申报日期2023年12月02日` run together
        if m and (spec := match_label(m.group("label"))):
            group = "value" if m.group("value") else "figure"
            out.append((spec, m.group(group).strip(), m.start(group), len(text)))
    if not out and fuzzy:
        m = _LOOSE_PAIR.match(text)
        if m and (spec := match_label(m.group("label"), fuzzy=True)):
            out.append((spec, m.group("value").strip(), m.start("value"), len(text)))
    if not out and allow_no_colon and (m := _NOTED_LABEL.match(text)) and looks_like_label(m.group("label")):
        # `绩效分级申报级别（必填）A级企业`: the colon after a label's note lost (a scan) or never typed; the
        # note's closing bracket ends the label, and the value's type must tell the field
        value = m.group("value").strip()
        out.extend((spec, value, m.start("value"), len(text)) for spec in _specs_by_meaning(m.group("label"), value))
    return out


_NOTED_LABEL = re.compile(r"^\s*(?P<label>[\u4e00-\u9fff]{2,20}\s*[（(][^（）():：]{1,10}[）)])\s*(?P<value>[^:：\s].*)$")


def _an_option(label: str, value: str) -> bool:
    """An answer's option before its box (重点管理□ 简化管理☑, 是☑ 否□): a choice, no label of anybody's."""
    return not value.strip(_BOX_GLYPHS + " ") and (_tells_itself(label) or label.strip() in ("是", "否", "有", "无"))


def _inside_longer_label(text: str, m: re.Match) -> bool:
    """A known label run into the word before it: a general last word (项目名称's 名称), the end of somebody
    else's label (技术负责人's 负责人), or the end of a longer label that means another field (环境管理负责人,
    the contact person, ends with 负责人, a legal representative's synonym)."""
    return m.start() > 0 and not re.match(r"[\s；;，,。、|是否☑□√✓)）]", text[m.start() - 1]) and (
        label_key(m.group("label")) in _SUFFIX_LABELS or _ends_other_label(text[:m.end("label")])
        or _longer_label_means_another(text, m))


def _longer_label_means_another(text: str, m: re.Match) -> bool:
    """Whether the words before a known label, back to the start of the line or a gap (never a colon: then
    they may be the value before it, 林卫东所在县：), make with it a label of another field."""
    start = max((g.end() for g in re.finditer(r"\s{2,}|[；;，,。|]", text[:m.start()])), default=0)
    longer = text[start:m.end("label")].strip()
    if re.search(r"[:：]", longer) or not looks_like_label(longer):
        return False
    known, meant = match_label(m.group("label")), resolve(longer)
    if known is None:
        return False
    if meant is not None:
        return meant.key != known.key
    # fields too close to tell apart without the value (环保专职负责人: the contact person or the dedicated staff
    # question), none of them the known label's: another field's label all the same
    close = candidates(longer)
    return bool(close) and all(c.spec.key != known.key for c in close)


def _has_mark_or_figure(text: str) -> bool:
    return bool(re.search(r"[\d☑□√■]", text))


def _specs_by_meaning(label: str, value: str) -> list[FieldSpec]:
    """The fields a label not written as the registry spells it means, given its value: a yes/no question
    may ask two things (是否安装门禁系统和视频监控)."""
    specs = resolve_questions(label, value)
    return [spec for spec in specs if plausible(spec, value)]


def label_of(text: str, value: str | None, fuzzy: bool = False) -> list[FieldSpec]:
    """The fields a label cell means: its registry label or synonym, else by meaning given the value."""
    spec = match_label(text, fuzzy=fuzzy)
    if spec is not None:
        return [spec]
    if value is None or not looks_like_label(text):
        return []
    return _specs_by_meaning(text, value)


# ---------------------------------------------------------------- facts


def _fact(spec: FieldSpec, raw: str, source: Source, confidence: float, kind: str,
          label: str | None = None) -> Fact | None:
    raw = _without_label_tail(raw) if spec.type in ("text", "person", "place") else raw
    if _is_label_word(raw):
        return None  # 编号 under 排污许可证编号: the label's own word, not its value
    if _INSTRUCTION.match(raw.strip()):
        return None  # the form's filling instructions kept in it (填表说明：企业名称：填写营业执照上的全称)
    value = spec.normalise(raw)
    if value is None or not spec.field_type.plausible(value):
        return None
    return Fact(key=spec.key, value=value, raw=raw, confidence=confidence, source=source, kind=kind,
                label=label.strip() if label else None)


# how to fill a field in, not its value: 填写营业执照上的单位全称, 请如实填报, 按排污许可证填写, 与营业执照一致
_INSTRUCTION = re.compile(r"(?:请|须|应|需|务必)?(?:如实|准确|完整)?(?:填写|填报|填入|(?:按照?|参照|依据).{0,30}(?:填|要求|规定))"
                          r"|.{0,30}(?:填写|填报)[。；;]?$|与.{1,15}(?:一致|相同)[。；;]?$")


@cache
def _label_words() -> frozenset[str]:
    """Every label of the registry and each of its words of two or more characters (编号, 代码, 名称 …)."""
    words: set[str] = set()
    for f in FIELDS.values():
        for label in f.labels:
            key = label_key(label)
            words.add(key)
            words.update(key[i:j] for i in range(len(key)) for j in range(i + 2, len(key) + 1))
    return frozenset(words)


def _is_label_word(raw: str) -> bool:
    """A label's own word, or a word that only says what kind of value is asked (姓名, which label terms
    drop: 联系人姓名 asks what 联系人 asks)."""
    key = label_key(raw)
    return len(key) >= 2 and not re.search(r"[\d☑□√■✓]", key) and (
        key in _label_words() or not label_terms(key)) and key not in ("是否", "有无")


@cache
def _label_heads() -> tuple[str, ...]:
    """The first characters (two or more) of every label: what a value runs into when the next label
    follows it on the same line (某某有限公司 统一社会 …)."""
    heads = {label_key(label)[:k] for f in FIELDS.values() for label in f.labels for k in range(2, len(label_key(label)) + 1)}
    return tuple(sorted(heads, key=len, reverse=True))


_NAME_ENDS = re.compile(f"(?:{ORGANISATION_ENDS}|[）)])$")


def _without_label_tail(raw: str) -> str:
    """A value cut where the next label begins on the same line: after white space, or right after the end
    of an organisation's name, the beginning of a known label (企业名称：某某铸造有限公司统一社会 …)."""
    text = raw.rstrip()
    for head in _label_heads():
        if not text.endswith(head) or len(text) == len(head):
            continue
        before = text[: -len(head)]
        if before[-1:].isspace() or _NAME_ENDS.search(before):
            rest = before.rstrip(" \t:：;；,，")
            if rest:
                return rest
    return raw


def _value_cell(grid: Grid, r: int, c: int, fuzzy: bool) -> tuple[Cell | None, float]:
    """The value beside a label cell: to its right, else below it. The float scales confidence. In a row of
    labels over a row of values (a vertical layout) the cell to the right is the next label, reworded or
    not, and the value is below."""
    row = grid.rows[r]
    below = _under(grid, r, c)
    below = below if below is not None and below.text.strip() and match_label(below.text, fuzzy=fuzzy) is None \
        else None
    if below is not None and _labels_over_values(grid, r, fuzzy):
        return below, 0.9
    for cc in range(c + 1, len(row)):
        cell = row[cc]
        if cell is None or not cell.text.strip() and any(
                x is not None and x.text.strip() for x in row[cc + 1:]):
            continue  # merged over, or an empty spacer cell (a form's gutter, a column other rows need)
        if _is_label_word(cell.text) and match_label(cell.text, fuzzy=fuzzy) is None and any(
                x is not None and x.text.strip() for x in row[cc + 1:]):
            continue  # a sub-label under a group heading (环保联系人 | 姓名 | 李明): its value is further on
        if match_label(cell.text, fuzzy=fuzzy) is None and cell.text.strip():
            return _with_option_cells(row, cc, fuzzy), 1.0
        break
    if below is not None and _labels_in_row(row, fuzzy) >= 2:
        # only a header row of labels over a row of values counts as a vertical layout
        return below, 0.9
    return None, 0.0


_OPTION_CELL = 8  # characters: an option in a cell of its own (☑B级, 简化管理, 是) is short


def _with_option_cells(row: list[Cell | None], c: int, fuzzy: bool) -> Cell:
    """The value cell at c, with the cells after it when the answer's options stand a cell each (□A级 | ☑B级 |
    □C级, or ☑ | 是 | □ | 否): the run of short option cells up to the row's next label, when a box is among
    them, read as one answer."""
    first = row[c].text.strip()
    if not (any(ch in _BOX_GLYPHS for ch in first) or first in ("是", "否", "有", "无") or _tells_itself(first)):
        return row[c]  # no option (空平台, the rest of a question a rule cut off)
    run = [row[c]]
    for cell in row[c + 1:]:
        if cell is None:
            continue
        text = cell.text.strip()
        if not text or len(text) > _OPTION_CELL or re.search(r"[:：]", text) or _is_label(cell, fuzzy):
            break
        run.append(cell)
    if len(run) < 2 or not any(ch in _BOX_GLYPHS for cell in run for ch in cell.text):
        return row[c]
    return Cell("  ".join(cell.text.strip() for cell in run), run[0].source, min(cell.confidence for cell in run))


def _under(grid: Grid, r: int, c: int) -> Cell | None:
    """The cell under a label cell; under a label merged over several columns, what the row below holds under
    all of them, two spaces apart (its options cut in two by a rule the scan found between them: □A级 |
    □B级☑C级□D级)."""
    row = grid.rows[r]
    span = next((k for k in range(c + 1, len(row)) if row[k] is not None), len(row)) - c
    parts = [cell for k in range(c, c + span) if (cell := grid.cell(r + 1, k)) is not None and cell.text.strip()]
    if len(parts) < 2:
        return grid.cell(r + 1, c)
    return Cell("  ".join(cell.text.strip() for cell in parts), parts[0].source, min(p.confidence for p in parts))


def _is_label(cell: Cell | None, fuzzy: bool) -> bool:
    """A label of ours, as written or reworded (a reworded one heads a column of a vertical layout too)."""
    if cell is None or not cell.text.strip():
        return False
    if match_label(cell.text, fuzzy=fuzzy) is not None:
        return True
    label = _unwrapped(cell.text)
    return label is not None and looks_like_label(label) and not _holds_pair(label) and bool(candidates(label))


# a label, its colon and a value after it in one text (法定代表人：王建国, 所在区县：永年区)
_LABEL_WITH_VALUE = re.compile(r"^[^:：]{2,24}[:：]\s*\S{2,}")


def _holds_pair(text: str) -> bool:
    """A cell that writes its label and its value together (法定代表人：王建国 | 所在区县：永年区, two to a row) is a
    pair of its own, read as running text: not a label whose value is the next cell, nor a label of a row of
    labels. Two characters at least after the colon: a scan's speck after a label's colon is no value."""
    return _LABEL_WITH_VALUE.match(text.strip()) is not None


def _labels_in_row(row: list[Cell | None], fuzzy: bool) -> int:
    return sum(1 for x in row if _is_label(x, fuzzy))


def _labels_over_values(grid: Grid, r: int, fuzzy: bool) -> bool:
    """A vertical layout's label row: every cell label-shaped, all of them but one at most labels of ours (and
    two at least), over a row whose cells are no labels (企业名称 | 统一社会信用代码 | 法定代表人 over the three
    values). A label | value | label | value row has as many values as labels."""
    filled = [(c, x) for c, x in enumerate(grid.rows[r]) if x is not None and x.text.strip()]
    below = [x for x in (grid.rows[r + 1] if r + 1 < len(grid.rows) else []) if x is not None and x.text.strip()]
    shaped = all((label := _unwrapped(x.text)) is not None and looks_like_label(label) and not _tells_itself(label)
                 for _, x in filled)
    if not (shaped and below and len(filled) >= 2) or any(_is_label(x, fuzzy) for x in below):
        return False
    # ours as written, or by meaning given the value under it (拟评定级别 over a ticked grade), or a yes/no
    # question over its answer (是否接入监控平台 over 否): a label whatever field it asks for
    ours = sum(1 for c, x in filled if _is_label(x, fuzzy) or (
        (value := grid.cell(r + 1, c)) is not None and value.text.strip()
        and (label_of(_unwrapped(x.text) or "", _value_text(value.text, fuzzy), fuzzy)
             or QUESTION.search(_unwrapped(x.text) or "") and parse_bool(value.text) is not None)))
    return ours >= max(2, len(filled) - 1)


@cache
def _tells_itself(text: str) -> bool:
    """A value that says of itself what it is, though label-shaped (焦化行业: an industry of the catalogue and
    the word 行业; 重点管理): a value beside its label, not a label over the row below. The value is most of
    the text (所属重点行业 holds 重点 of 重点管理 and is a label), and a table's heading (污染物) is a heading."""
    key = label_key(text)
    for kind in FIELD_TYPES.values():
        value = kind.normalise(text) if kind.distinctive else None
        if value is not None and kind.tells(value) and str(value) in key and len(key) - len(str(value)) <= 2:
            return not any(_match_column(table, text) for table in TABLES.values())
    return False


def _value_text(text: str, fuzzy: bool) -> str:
    """A value cell's text up to a line that is itself a label (a rule the scan lost merged two cells); on a
    scan, without specks read as full stops (_SPECK_MARK)."""
    if fuzzy:
        text = _SPECK_MARK.sub(" ", text).strip()
    lines = text.split("\n")
    for i, line in enumerate(lines[1:], start=1):
        if match_label(line, fuzzy=fuzzy):
            return "\n".join(lines[:i])
    if fuzzy:  # `值  标签  值`: a scan lost the rule before the next label's cell
        runs = re.split(r"\s{2,}", lines[0])
        for j, run in enumerate(runs[1:], start=1):
            if len(label_key(run)) >= 2 and match_label(run, fuzzy=True):
                return "  ".join(runs[:j])
    return text


def _stacked_labels(grid: Grid, r: int, c: int, lines: list[str], fuzzy: bool) -> bool:
    """A scan that lost the rules between the rows of the label column: one cell holds a label a line,
    spanning the rows below it (empty there), each row holding its value further right."""
    if len(lines) < 3 or r + 1 >= len(grid.rows) or grid.cell(r + 1, c) is not None:
        return False
    labels = sum(1 for line in lines if match_label(line.rstrip(":："), fuzzy=fuzzy))
    return labels >= len(lines) - 1


def _facts_of_stacked_labels(grid: Grid, r: int, c: int, lines: list[str], kind: str, base_confidence: float,
                             cell: Cell, fuzzy: bool) -> list[Fact]:
    facts = []
    for k, line in enumerate(lines):
        spec = match_label(line.rstrip(":："), fuzzy=fuzzy)
        if spec is None or r + k >= len(grid.rows):
            continue
        row = grid.rows[r + k]
        value = next((x for x in row[c + 1:] if x is not None and x.text.strip()), None)
        if value is not None and match_label(value.text, fuzzy=fuzzy) is None:
            fact = _fact(spec, value.text, value.source, base_confidence * 0.85 * min(cell.confidence, value.confidence),
                         kind, line)
            if fact:
                facts.append(fact)
    return facts


def _by_meaning(grid: Grid, r: int, c: int, cell: Cell, kind: str, base_confidence: float, fuzzy: bool,
                facts: list[Fact], unassigned: list[Unassigned] | None) -> bool:
    """A label cell not written as the registry spells it (企业名称（全称）, 是否安装在线监测设施（CEMS）): its
    field by meaning, its value's type deciding; one that means no field, in a row of the form's labels
    or ending in a colon, kept as unassigned. True when the cell was taken as a label."""
    label = _unwrapped(cell.text)
    if label is None or not looks_like_label(label) or _holds_pair(label) or _tells_itself(label) or r > 0 and \
            _labels_over_values(grid, r - 1, fuzzy):
        return False  # no label, a label with its value, a value naming its field (焦化行业), a value under labels
    before = [x for x in grid.rows[r][:c] if x is not None]
    left = before[-1] if before else None
    over_values = _labels_over_values(grid, r, fuzzy)
    if not over_values and left is not None and left.text.strip() and (match_label(left.text, fuzzy=fuzzy) or (
            candidates(left.text) and len(before) % 2)):
        return False  # the value of the label on its left (label | value | label | value)
    value_cell, scale = _value_cell(grid, r, c, fuzzy)
    if value_cell is None or not over_values and looks_like_label(value_cell.text) and match_label(
            value_cell.text) is None and (not _has_mark_or_figure(value_cell.text) and _is_label_row(grid, r)):
        return False
    raw = _value_text(value_cell.text, fuzzy)
    specs = label_of(label, raw, fuzzy)
    if not specs and (rest := _label_rest(grid.rows[r], value_cell, fuzzy)) is not None:
        value_cell, scale = rest, scale * 0.9
        raw = _value_text(value_cell.text, fuzzy)
        specs = label_of(label, raw, fuzzy)
    for spec in specs:
        conf = base_confidence * scale * 0.95 * min(cell.confidence, value_cell.confidence)
        fact = _fact(spec, raw, value_cell.source, conf, kind, label)
        if fact:
            facts.append(fact)
    if not specs and unassigned is not None and (cell.text.strip().endswith((":", "：")) or any(
            x is not None and x is not cell and (match_label(x.text, fuzzy=fuzzy) or candidates(x.text))
            for x in grid.rows[r])):
        unassigned.append(Unassigned(label.rstrip(":："), raw.strip(), value_cell.source))
    return bool(specs)


def _label_rest(row: list[Cell | None], fragment: Cell, fuzzy: bool) -> Cell | None:
    """The value after a label's last characters, when a rule found inside a wrapped label's cell cut them
    off into a cell of their own (是否接入生态环境主管部门监 | 控平台 | ☑是□否, photographed): the cell after
    the fragment, holding a mark or a figure as a label's rest never does. None when `fragment` is no such
    rest (a few characters of a label, no mark, no figure, no registry label)."""
    text = fragment.text.strip()
    if not (0 < len(text) <= 6 and looks_like_label(text) and not _has_mark_or_figure(text)
            and match_label(text, fuzzy=fuzzy) is None):
        return None
    at = next((i for i, x in enumerate(row) if x is fragment), None)  # not in the row: a value below the label
    after = [x for x in row[at + 1:] if x is not None and x.text.strip()] if at is not None else []
    return after[0] if after and _has_mark_or_figure(after[0].text) and match_label(after[0].text, fuzzy=fuzzy) is None \
        else None


def _unwrapped(text: str) -> str | None:
    """A label cell's text on one line: a label wrapped in a narrow cell (所属绩效分级行业类⏎别, a PDF's or a
    scan's lines) joined again; None for a cell of several lines that are not one label cut short."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if len(lines) <= 1:
        return lines[0] if lines else None
    widths = [len(line) for line in lines[:-1]]
    if len(lines) > 5 or max(widths) - min(widths) > 2 or len(lines[-1]) > max(widths) + 1 or any(
            re.search(r"[:：]$", line) for line in lines) or any(match_label(line) is not None for line in lines[:-1]):
        # not lines as wide as the cell with the rest on the last one, or a label on a line with more under
        # it (a label over its value, labels a line); a wrap may leave a word that is a label on the last
        # line alone (自动监控是⏎否与省平台⏎联网)
        return None
    return "".join(lines)


def _is_label_row(grid: Grid, r: int) -> bool:
    """A row of headings (every filled cell label-shaped): a table's header, not label/value pairs."""
    filled = [x for x in grid.rows[r] if x is not None and x.text.strip()]
    if len(filled) < 3 or not all(looks_like_label(x.text) for x in filled):
        return False
    named = sum(1 for x in filled if match_label(x.text) or candidates(x.text)
                or any(_match_column(t, x.text) for t in TABLES.values()))
    return named >= len(filled) - 1


@dataclass(frozen=True)
class Unassigned:
    """A label and its value that mean no field of the registry: kept for the clerk, not dropped."""

    label: str
    value: str
    source: Source

    def to_dict(self) -> dict:
        return {"label": self.label, "value": self.value, "source": self.source.to_dict()}


def facts_from_grid(grid: Grid, kind: str, base_confidence: float, *, fuzzy: bool = False,
                    unassigned: list[Unassigned] | None = None) -> list[Fact]:
    facts: list[Fact] = []
    for r, row in enumerate(grid.rows):
        for c, cell in enumerate(row):
            if cell is None or not cell.text.strip():
                continue
            spec = match_label(cell.text, fuzzy=fuzzy)
            if spec is None and _by_meaning(grid, r, c, cell, kind, base_confidence, fuzzy, facts, unassigned):
                continue
            if spec is not None:
                value_cell, scale = _value_cell(grid, r, c, fuzzy)
                if value_cell is not None:
                    conf = base_confidence * scale * min(cell.confidence, value_cell.confidence)
                    fact = _fact(spec, _value_text(value_cell.text, fuzzy), value_cell.source, conf, kind, cell.text)
                    if fact:
                        facts.append(fact)
                continue
            lines = cell.text.splitlines()
            if _stacked_labels(grid, r, c, lines, fuzzy):
                facts.extend(_facts_of_stacked_labels(grid, r, c, lines, kind, base_confidence, cell, fuzzy))
                continue
            if (fact := _label_over_value(cell, kind, base_confidence, fuzzy)) is not None:
                facts.append(fact)
                continue
            for line in lines[1:]:
                # a label swallowed into the cell on its left when a scan lost the rule between them
                spec = match_label(line, fuzzy=fuzzy)
                if spec is not None:
                    value_cell, scale = _value_cell(grid, r, c, fuzzy)
                    if value_cell is not None:
                        conf = base_confidence * 0.9 * min(cell.confidence, value_cell.confidence)
                        fact = _fact(spec, _value_text(value_cell.text, fuzzy), value_cell.source, conf, kind, line)
                        if fact:
                            facts.append(fact)
            for line in _pair_lines(lines, fuzzy):
                # `标签：值`, or on a scan that lost the rule between them `标签  值` in one cell
                found: list = []
                for pspec, raw, _, _ in pairs_in_text(line, fuzzy=fuzzy, allow_no_colon=fuzzy, unassigned=found):
                    fact = _fact(pspec, raw, cell.source, base_confidence * 0.97 * cell.confidence, kind)
                    if fact:
                        facts.append(fact)
                if unassigned is not None:
                    unassigned.extend(Unassigned(label, value, cell.source) for label, value, _, _ in found)
    return facts


def _pair_lines(lines: list[str], fuzzy: bool) -> list[str]:
    """A cell's lines of `标签：值`, a value wrapped onto the next line (a text PDF's narrow cell:
    详细地址：河北省邯郸市永年区临洺关镇⏎工业园区8号) joined to its line again. A next line that holds a colon or
    starts with a label is a pair of its own."""
    if fuzzy:  # a scan's cell lines are the page's lines as OCR found them, labels spaced out and colons lost
        return lines
    out: list[str] = []
    for line in lines:
        text = line.strip()
        if out and text and re.search(r"[:：]\s*\S", out[-1]) and not re.search(r"[:：]", text) \
                and not pairs_in_text(text) and match_label(text) is None:
            out[-1] = out[-1].rstrip() + ("" if _cjk_edge(out[-1].rstrip()[-1], text[0]) else " ") + text
        else:
            out.append(line)
    return out


def _cjk_edge(before: str, after: str) -> bool:
    """Whether a wrapped line breaks next to a Chinese character, where no space was ever written."""
    return "\u4e00" <= before <= "\u9fff" or "\u4e00" <= after <= "\u9fff"


def _label_over_value(cell: Cell, kind: str, base_confidence: float, fuzzy: bool) -> Fact | None:
    """A cell holding a label on its first line and the value under it (企业名称⏎某某铸造有限公司), as forms
    laid out in boxes write them."""
    lines = [line.strip() for line in cell.text.splitlines() if line.strip()]
    if len(lines) != 2 or match_label(lines[1], fuzzy=fuzzy) is not None or re.search(r"[:：]", lines[1]):
        return None
    if match_label("".join(lines), fuzzy=fuzzy) is not None or (
            (joined := _unwrapped(cell.text)) is not None and candidates(joined)):
        return None  # one label wrapped over two lines, not a label and its value
    label = lines[0].rstrip(":：")
    specs = [spec] if (spec := match_label(label, fuzzy=fuzzy)) is not None else label_of(label, lines[1], fuzzy)
    if len(specs) != 1:
        return None
    return _fact(specs[0], lines[1], cell.source, base_confidence * 0.95 * cell.confidence, kind, label)


_TAB_PAIR = re.compile(r"^\s*(?P<label>[^\t:：]{2,30}?)\s*[:：]?\t+\s*(?P<value>[^\t]+?)\s*$")


def facts_from_segments(segments: list[Segment], kind: str, base_confidence: float,
                        *, allow_no_colon: bool = False, fuzzy: bool = False,
                        unassigned: list[Unassigned] | None = None) -> list[Fact]:
    facts: list[Fact] = []
    idle: list[Segment] = []  # segments of the line so far in which nothing was found
    waiting: str | None = None  # a label alone on its line, its colon after it: its value is the next line
    for i, seg in enumerate(segments):
        found: list = []
        pairs = pairs_in_text(seg.text, allow_no_colon=allow_no_colon, fuzzy=fuzzy, unassigned=found)
        if not pairs and not found:
            pairs = _tab_pairs(seg.text, found)
        if waiting is not None and not pairs and not found and _LABEL_ALONE.match(seg.text) is None \
                and not _NUMBERING.match(seg.text.strip()):  # a numbered heading after a field left empty
            specs = [spec] if (spec := match_label(waiting)) is not None else label_of(waiting, seg.text)
            facts.extend(fact for spec in specs[:1] if not _another_kind_of_value(spec, seg.text) and (fact := _fact(
                spec, seg.text, seg.source, base_confidence * 0.95 * seg.confidence, kind, label=waiting)))
        alone = None if fuzzy else _LABEL_ALONE.match(seg.text)
        waiting = alone.group("label") if alone and looks_like_label(alone.group("label")) else None
        previous = 0
        for spec, raw, start, end in pairs:
            # the label as written: the text between the pair before and this value (企业名称（全称）：)
            label = seg.text[previous:start].strip(" \t:：;；，,") or None
            fact = _fact(spec, raw, seg.source, base_confidence * seg.confidence, kind, label=label)
            if fact:
                facts.append(fact)
            previous = end
        if unassigned is not None:
            unassigned.extend(Unassigned(label.strip(), value.strip(), seg.source) for label, value, _, _ in found)
        if not pairs and not found and "\t" not in seg.text:
            idle.append(seg)
        if pairs or found or i + 1 == len(segments) or segments[i + 1].line != seg.line:
            facts.extend(_facts_across_gaps(idle, kind, base_confidence, unassigned))
            idle = []
    return facts


def _another_kind_of_value(spec: FieldSpec, text: str) -> bool:
    """A line that is a date or a long number, under a label that asks for words (申报单位（盖章）： over the
    signing date): the next thing on the page, not the label's value."""
    if spec.type not in ("text", "person", "place", "industry"):
        return False
    return bool(find_dates(text)) or re.search(r"\d{7,}", text) is not None


# a label typed alone on its line with its colon (企业名称：), the value typed on the next (Word, or Word's PDF;
# a scan's lines are where the page put them, and a label's empty cell is no invitation to read the next)
_LABEL_ALONE = re.compile(r"^\s*(?P<label>[^:：\t]{2,24}?)\s*[:：]\s*$")


def _facts_across_gaps(run: list[Segment], kind: str, base_confidence: float,
                       unassigned: list[Unassigned] | None) -> list[Fact]:
    """A label and its value on one line, a wide gap between them and no colon (a borderless table or a
    tab-aligned line printed to PDF, a scan of either): neighbouring segments read as `label\tvalue`."""
    if len(run) < 2:
        return []
    text = "\t".join(seg.text for seg in run)
    starts = [sum(len(seg.text) + 1 for seg in run[:k]) for k in range(len(run))]

    def home(offset: int) -> Segment:
        return run[max(k for k, start in enumerate(starts) if start <= offset)]

    found: list = []
    facts = []
    previous = 0
    for spec, raw, start, end in _tab_pairs(text, found):
        seg = home(start)
        label = text[previous:start].strip(" \t:：;；，,") or None
        previous = end
        fact = _fact(spec, raw, seg.source, base_confidence * seg.confidence, kind, label=label)
        if fact:
            facts.append(fact)
    if unassigned is not None and len(run) == 2:  # a label and a value alone on their line; more runs are
        # a borderless table's row, whose headings and cells are no label/value pairs
        unassigned.extend(Unassigned(label.strip(), value.strip(), home(start).source)
                          for label, value, start, _ in found)
    return facts


def _tab_pairs(text: str, unassigned: list) -> list[tuple[FieldSpec, str, int, int]]:
    """`标签\t值` (a paragraph aligned with tab stops instead of a table, the colon left out): each tab-separated
    run that is a label takes the runs up to the next label as its value."""
    if "\t" not in text:
        return []
    runs = [(m.group().strip(), m.start(), m.end()) for m in re.finditer(r"[^\t]+", text) if m.group().strip()]
    out = []
    i = 0
    while i < len(runs) - 1:
        label, value = runs[i][0].rstrip(":："), runs[i + 1][0]
        if looks_like_label(label) and not label_of(value, None) and not (
                looks_like_label(value) and not _has_mark_or_figure(value) and i + 2 < len(runs)):
            specs = label_of(label, value)
            out.extend((spec, value, runs[i + 1][1], runs[i + 1][2]) for spec in specs)
            if not specs and (_has_mark_or_figure(value) or not looks_like_label(value)):
                unassigned.append((label, value, runs[i + 1][1], runs[i + 1][2]))
            i += 2
            continue
        i += 1
    return out


def facts_from_layout(layout: Layout, kind: str, base_confidence: float,
                      unassigned: list[Unassigned] | None = None) -> list[Fact]:
    """The fields of a layout, its labels read as a document of this kind means them; label/value pairs that
    mean no field go to `unassigned` when given."""
    fuzzy = layout.method == "ocr"
    facts = []
    with reading(kind):
        for grid in layout.grids:
            if grid.for_fields:
                facts.extend(facts_from_grid(grid, kind, base_confidence, fuzzy=fuzzy, unassigned=unassigned))
        facts.extend(facts_from_segments(layout.segments, kind, base_confidence,
                                         allow_no_colon=layout.method != "docx", fuzzy=fuzzy, unassigned=unassigned))
    # a spreadsheet's sparse row is a segment and a row of its grid: the same value from the same cell once
    seen: set = set()
    return [f for f in facts if (key := (f.key, str(f.value), f.source.file, f.source.page, f.source.cell,
                                         str(f.source.bbox))) not in seen and not seen.add(key)]


# ---------------------------------------------------------------- the date under the signatures

SIGNATURE_LINE = re.compile(r"签\s*[字章名]|盖\s*章")
# what is left of 填报日期： / 申报日期： when a seal or a signature has covered some of it: 报日期: 期: 白期：
# (日 misread) or nothing
_SIGNING_DATE = re.compile(r"(?:[^\d:：]{0,5}[:：]|[填申报表请日期\s]{0,6})\s*(?P<date>\S.*)")
SIGNATURE_DATE_CONFIDENCE = 0.7  # no label read: a clerk confirms it


def signature_date(layout: Layout, kind: str, base_confidence: float, found: list[Fact]) -> list[Fact]:
    """The date beside a scanned form's signature lines (企业（盖章） 法定代表人（签字） 填报日期：…) whose
    label a seal or a signature has partly covered, so that OCR read `报日期:2022-09-11`, `期:2023-12-01`
    or the date alone. The provincial form's only date there is the date of filling in.

    Read after the document is classified: a pledge's signing date is no form label."""
    if layout.method != "ocr" or any(f.key == "application_date" for f in found):
        return []
    spec = FIELDS["application_date"]
    # the signature lines may have landed in a cell (a table's rules found round them): each line of a
    # cell counts as a segment at the cell's place
    segments = layout.segments + [Segment(line, cell.source, cell.confidence) for grid in layout.grids
                                  for row in grid.rows for cell in row if cell and "\n" in cell.text
                                  for line in cell.text.split("\n") if line.strip()]
    signatures = [seg for seg in segments if SIGNATURE_LINE.search(seg.text) and seg.source.bbox]
    for sig in signatures:
        _, top, _, bottom = sig.source.bbox
        height = max(bottom - top, 1.0)
        for seg in segments:
            box = seg.source.bbox
            if seg is sig or not box or seg.source.page != sig.source.page:
                continue
            if not top - height <= box[1] <= bottom + 4 * height:
                continue
            m = _SIGNING_DATE.fullmatch(seg.text.strip())
            if not m or not any(ch.isdigit() or ch in "〇二" for ch in m.group("date")):
                continue
            fact = _fact(spec, m.group("date"), seg.source, base_confidence * seg.confidence
                         * SIGNATURE_DATE_CONFIDENCE, kind)
            if fact and _is_whole_date(m.group("date")):
                return [fact]
    return []


# a form's title naming the enterprise before what it is (河北恒远铸造有限公司重点行业绩效分级申报表)
_TITLE_NAME = re.compile(f"^\\s*(?P<name>[\u4e00-\u9fff（）()]{{4,40}}?(?:{ORGANISATION_ENDS}))\\s*(?:关于)?"
                         r"[\u4e00-\u9fff（）()]{0,24}(?:申报表|申请表|申报材料|申报书|绩效分级)")
TITLE_NAME_CONFIDENCE = 0.8  # no label read: a clerk confirms it
TITLE_LINES = 5  # the first lines of a document, where its title is


def title_name(layout: Layout, kind: str, base_confidence: float, found: list[Fact]) -> list[Fact]:
    """The enterprise's name from the form's title, when the form has no row for it (some offices' templates
    name the enterprise only in the title). Read after the document is classified, for the form only."""
    if kind != APPLICATION_FORM or any(f.key == "enterprise_name" for f in found):
        return []
    spec = FIELDS["enterprise_name"]
    for seg in layout.segments[:TITLE_LINES]:
        m = _TITLE_NAME.match(seg.text)
        if m and (fact := _fact(spec, m.group("name"), seg.source,
                                base_confidence * seg.confidence * TITLE_NAME_CONFIDENCE, kind)):
            return [fact]
    return []


def _is_whole_date(text: str) -> bool:
    """The text is a date and nothing else (not a date inside a note or a table row)."""
    squeezed = re.sub(r"\s+", "", to_halfwidth(text)).rstrip("。.")
    dates = find_dates(squeezed)
    return len(dates) == 1 and dates[0][1:] == (0, len(squeezed))


# ---------------------------------------------------------------- tables

COLUMN_MIN_SCORE = 0.7


_GENERAL_LAST = re.compile(r"(?:名称|情况|信息|数值|值)$")  # a heading's last word that says little of its column
# a heading of a Latin abbreviation and a word or two (VIN码, VIN号, PM值): a heading, though it has one Chinese
# character where a label has two
_ABBREVIATED = re.compile(r"[A-Za-z]{2,6}[\u4e00-\u9fff]{1,3}")


@cache
def _match_column(spec: TableSpec, header: str):
    """A table's column a heading names: a synonym of forms/data/fields.toml, else by meaning (号牌 for
    车牌号, 排放标准阶段 for 排放阶段), when one column is clearly closest."""
    col = spec.match_column(header)
    if col is not None or not (looks_like_label(header) or _ABBREVIATED.fullmatch(label_key(header))):
        return col
    text = label_terms(header)
    # a general last word (污染源名称, 浓度值) says less than what is before it: compared without it too
    forms = {text} | ({bare} if len(bare := _GENERAL_LAST.sub("", text)) >= 2 else set())
    scored = sorted(((max(similarity(t, label_terms(s)) for s in c.synonyms for t in forms), c) for c in spec.columns),
                    key=lambda x: -x[0])
    if scored and scored[0][0] >= COLUMN_MIN_SCORE and (len(scored) == 1 or scored[1][0] < scored[0][0] - 0.05):
        # the heading's last word outweighs words it shares with another column (允许排放浓度限值 is a limit)
        # (not a general one: 牛产设施名称, 生 misread, is not 污染物名称; values may still say so, _weak_columns)
        head = _head_column(spec, text) if not _GENERAL_LAST.search(text) else None
        return head if head is not None and scored[0][0] < 1.0 else scored[0][1]
    return None


def _head_column(spec: TableSpec, text: str):
    """The one column with a synonym ending in the heading's last word (its last two characters: 折算浓度 and
    实测浓度 are both 浓度, 上牌日期 and 注册日期 both 日期), if only one has."""
    if len(text) < 3 or not re.fullmatch(r"[\u4e00-\u9fff]{2}", text[-2:]):
        return None
    heads = [col for col in spec.columns if any(label_terms(s).endswith(text[-2:]) for s in col.synonyms)]
    return heads[0] if len(heads) == 1 else None


_KEY_COLUMNS = {"emissions": {"pollutant", "concentration_mg_m3"}, "vehicles": {"plate", "vin"},
                "treatment_facilities": {"facility", "technology"}}
_CARRY_DOWN = {"outlet_id", "source", "process"}


def _header(grid: Grid, spec: TableSpec) -> tuple[int, dict[int, str]] | None:
    """The header row of `spec` within the first rows of a grid, and column index → key."""
    best = None
    headings = _heading_rows(grid)
    for r, header_rows, subs, joined in _header_candidates(grid):
        mapping: dict[int, str | tuple[str, ...]] = {}
        for c, cell in enumerate(header_rows):
            if cell is None:
                continue
            col = _match_column(spec, cell.text)
            if c in subs and (col is None or col.key in _keys(mapping)):
                col = _match_column(spec, subs[c]) or col  # 标准限值 under 排放浓度（mg/m³）: the sub-heading
            if col and col.key not in _keys(mapping):
                mapping[c] = col.key
            elif not col and (keys := _merged_headings(cell.text, spec)) and not set(keys) & _keys(mapping):
                row = grid.rows[r]
                span = 1 + next((k for k, x in enumerate(row[c + 1:]) if x is not None), len(row) - c - 1)
                if span == len(keys):  # a header cell merged over as many columns as it names: one each
                    mapping.update({c + k: key for k, key in enumerate(keys)})
                else:
                    mapping[c] = keys
        if not mapping:
            mapping = _run_together_header(grid.rows[r], spec)
        if mapping or (r < TOP_ROWS and not joined):  # a header names a column by a heading, or heads the grid
            # (two rows read as one name one by a heading: else two rows of values at the top of a page)
            _columns_by_values(grid, r, header_rows, spec, mapping, headings)
        if spec.key == "emissions":
            _limit_s_figure(spec, header_rows, mapping)
        need = _KEY_COLUMNS.get(spec.key, set())
        if len(_keys(mapping)) >= 3 and (not need or need & _keys(mapping)) and (
                best is None or len(_keys(mapping)) > len(_keys(best[1]))):
            best = (r, mapping)
    return best


# a measurement's repeats (第一次 … 第三次, 1#样) and their mean; a concentration at the reference oxygen
_ROUND = re.compile(r"第?[一二三四五六1-6]次|[1-6]#?样|样品?[1-6]")
_MEAN = re.compile(r"均值|平均")
_CONVERTED = re.compile(r"折算|基准")


def _limit_s_figure(spec: TableSpec, header_rows: list[Cell | None], mapping: dict) -> None:
    """Of several columns of concentrations, the one the guideline's limits are stated in: an hour's mean of
    the repeated samplings (小时均值: 均值 beside 第一次 … 第三次) at the reference oxygen (折算浓度 beside
    实测浓度); not the first column that names a concentration."""
    key = "concentration_mg_m3"
    texts = {c: label_terms(cell.text) for c, cell in enumerate(header_rows) if cell is not None and cell.text.strip()}
    repeated = any(_ROUND.search(t) for t in texts.values())
    named = [c for c, t in texts.items() if mapping.get(c) == key or c not in mapping and (
        key in {col.key for col in (_match_column(spec, t), *_weak_columns(spec, t)) if col is not None}
        or repeated and _MEAN.search(t))]
    if not named:
        return
    best = max(named, key=lambda c: (repeated and bool(_MEAN.search(texts[c])), bool(_CONVERTED.search(texts[c])),
                                     not _ROUND.search(texts[c]), -c))
    for c in [c for c, k in mapping.items() if k == key]:
        del mapping[c]
    mapping[best] = key


VALUE_ROWS = 8  # rows under a heading whose values are looked at
TOP_ROWS = 3  # rows at the top of a grid that may be a header naming no column by a known heading
VALUE_FIT = 0.8  # share of them that must be of the column's type


def _spans_row(row: list[Cell | None]) -> bool:
    """One cell merged across the whole row: a section or sub-section heading, no row of values."""
    return len(row) > 1 and row[0] is not None and all(cell is None for cell in row[1:])


_FIGURE_ALONE = re.compile(r"[<>≤≥＜＞]?\s*\d+(?:\.\d+)?")


def _heading_rows(grid: Grid) -> list[bool]:
    """For each row of a grid, whether a cell of it names a column of any table (a header's row: the vehicle
    table's header ends the emission table above it in one form's grid, whose stages are no pollutants); a row
    holding a figure alone in a cell is a row of values, whatever else it says (焦炉烟囱 | 颗粒物 | 5.6: a stack's
    name near enough to 排放口 to be read as a heading). The same for every table read from the grid."""
    return [any(cell is not None and cell.text.strip() and _names_a_column(cell.text) for cell in row)
            and not any(cell is not None and _FIGURE_ALONE.fullmatch(cell.text.strip()) for cell in row)
            for row in grid.rows]


@cache
def _names_a_column(text: str) -> bool:
    return any(_match_column(table, text) for table in TABLES.values())


def _values_under(grid: Grid, r: int, c: int, headings: list[bool]) -> list[str]:
    """The values of up to VALUE_ROWS rows under row r in column c, up to a row naming a column (`headings`:
    another table's header, and the rows of a long table below it none of this one's); rows spanning the
    table, its sub-section headings, are no values."""
    values = []
    for k in range(r + 1, min(len(grid.rows), r + 1 + VALUE_ROWS)):
        row = grid.rows[k]
        if headings[k]:
            break
        if not _spans_row(row) and c < len(row) and row[c] is not None and row[c].text.strip():
            values.append(row[c].text.strip())
    return values


def _values_fit(grid: Grid, r: int, c: int, col, headings: list[bool]) -> bool:
    """Whether most values under row r in column c are of column `col`'s type."""
    values = _values_under(grid, r, c, headings)
    if not values:
        return False
    fit = sum(1 for value in values if (col.field_type.tells if col.field_type.distinctive
                                        else col.field_type.plausible)(col.normalise(value)))
    return fit >= VALUE_FIT * len(values)


@cache
def _weak_columns(spec: TableSpec, header: str) -> tuple:
    """Columns a heading may name though no synonym is near it: one of the alternatives it names
    (生产工序/设施), or its last word (_head_column)."""
    text = label_terms(header)
    found = {col.key: col for part in re.split(r"[/／、]|或", text) if part != text and len(part) >= 2
             if (col := _match_column(spec, part)) is not None}
    if (head := _head_column(spec, text)) is not None:
        found.setdefault(head.key, head)
    return tuple(found.values())


def _columns_by_values(grid: Grid, r: int, header_row: list[Cell | None], spec: TableSpec, mapping: dict,
                       headings: list[bool]) -> None:
    """Columns no synonym names, named by what they hold (headings no list foresaw: VIN码, 污染因子, 上牌日期):
    a heading's weak reading (_weak_columns) when the values under it are of that column's type; else a
    column whose values only one column's type takes (plates, VINs, dates, stages, pollutants). A heading
    that is itself such a value is a row of values, not a header."""
    for c, cell in enumerate(header_row):
        if c in mapping or cell is None or not cell.text.strip():
            continue
        taken = _keys(mapping)
        weak = [col for col in _weak_columns(spec, cell.text) if col.key not in taken and _values_fit(grid, r, c, col, headings)]
        if len(weak) == 1:
            mapping[c] = weak[0].key
            continue
        fitting = [col for col in spec.columns if col.key not in taken and col.field_type.distinctive
                   and not col.field_type.tells(col.normalise(cell.text)) and _values_fit(grid, r, c, col, headings)]
        if len(fitting) == 1:
            mapping[c] = fitting[0].key


def _header_candidates(grid: Grid):
    """(row index, cells, sub-headings, joined) of every row that may be a table's header — anywhere in the grid, as
    a table put inside one big form table has it — and of every two rows read as one header (a heading split
    over two rows: 排放浓度 over mg/m³, or a group heading over its columns), at the second row's index.
    Under a group heading merged over several columns, each column's sub-heading alone is kept too (column
    → text): 排放浓度（mg/m³） over 实测值 | 标准限值 names the first by both, the second by its own."""
    rows = grid.rows
    for r, row in enumerate(rows):
        yield r, row, {}, False
        if r + 1 < len(rows) and len(rows[r + 1]) == len(row):
            below = rows[r + 1]
            joined: list[Cell | None] = []
            subs: dict[int, str] = {}
            for c in range(len(row)):
                top = row[c]
                if top is None:  # merged over this column from the left
                    top = next((row[k] for k in range(c - 1, -1, -1) if row[k] is not None), None)
                bottom = below[c]
                if bottom is None or not bottom.text.strip():
                    joined.append(row[c])
                    continue
                if row[c] is None or (c + 1 < len(row) and row[c + 1] is None):
                    subs[c] = bottom.text
                text = (top.text if top is not None and len(top.text) <= 20 else "") + bottom.text
                joined.append(Cell(text, bottom.source, bottom.confidence))
            yield r + 1, joined, subs, True


def _keys(mapping: dict) -> set[str]:
    return {k for v in mapping.values() for k in ((v,) if isinstance(v, str) else v)}


_RUNS = re.compile(r"\n|\s{2,}|\s*[|｜丨]\s*")  # a rule the scan lost may be read as | between the two


def _merged_headings(text: str, spec: TableSpec) -> tuple[str, ...] | None:
    """Two headings in one cell of a scan whose column rule between them was lost (车牌号  VIN): each a
    column of its own, in order."""
    # a stray figure or mark (the 1 of a row number run into the header) is not a heading
    runs = [run for run in _RUNS.split(text) if run.strip() and not re.fullmatch(r"[\d\W_]+", run.strip())]
    if len(runs) < 2:
        return None
    keys = [col.key if (col := _match_column(spec, run) or _one_weak_column(spec, run)) else None for run in runs]
    return tuple(keys) if None not in keys and len(set(keys)) == len(keys) else None


def _one_weak_column(spec: TableSpec, heading: str):
    """The one column a heading's weak reading names (上牌日期: a date, and only one column holds dates)."""
    weak = _weak_columns(spec, heading)
    return weak[0] if len(weak) == 1 else None


def _split_merged(text: str, count: int) -> list[str] | None:
    """A merged cell's value for each of its `count` columns: apart by a line break or two spaces, or
    failing that by single spaces when that gives exactly `count` parts."""
    # two spaces or a lost rule's | first: a value of its own may wrap onto a second line (a VIN in a narrow cell)
    for pattern in (re.compile(r"\s{2,}|\s*[|｜丨]\s*"), _RUNS, re.compile(r"\s+")):
        parts = [part for part in pattern.split(text.strip()) if part.strip()]
        if len(parts) == count:
            return parts
    return None


def _run_together_header(row: list[Cell | None], spec: TableSpec) -> dict[int, str]:
    """A scanned header row that lost its column rules: one cell holding every heading, one a line (or
    apart by spaces), as many as the columns below; heading i names column i."""
    cells = [c for c in row if c is not None and c.text.strip()]
    if len(cells) != 1:
        return {}
    runs = [run for run in re.split(r"\n|\s{2,}", cells[0].text) if run.strip()]
    if len(runs) != len(row):
        return {}
    mapping: dict[int, str] = {}
    for i, run in enumerate(runs):
        col = _match_column(spec, run)
        if col and col.key not in mapping.values():
            mapping[i] = col.key
    return mapping if len(mapping) >= 3 else {}


_STRAY_MARKS = "☑□√✓·.,，。、:：;；'\"`"
_BOX_GLYPHS = "☑□☐■☒√✓"


def _union(boxes: list[tuple[float, float, float, float]]) -> tuple[float, float, float, float] | None:
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def _goes_on(grid: Grid, r: int, spec: TableSpec, mapping: dict, columns: dict) -> bool:
    """Whether the table goes on below a row spanning it (r): the next row of several cells holds values of
    the table's key columns (a sub-section row: 自有车辆 … 外协车辆), not another table's header."""
    keys = {c: k for c, k in mapping.items() if isinstance(k, str) and k in _KEY_COLUMNS.get(spec.key, ())}
    for cells in grid.rows[r + 1:]:
        present = [c for c in cells if c is not None and c.text.strip()]
        if len(present) < 2:
            continue
        if any(_match_column(spec, c.text) for c in present):
            return False
        return bool(keys) and all((cell := cells[c] if c < len(cells) else None) is not None
                                  and columns[k].normalise(cell.text.strip()) is not None for c, k in keys.items())
    return False


def rows_from_grid(grid: Grid, spec: TableSpec, header_row: int, mapping: dict[int, str],
                   end: int | None = None, fuzzy: bool = False) -> list[dict]:
    """The rows under a table's header, up to row `end` (another table's header in the same grid) or the
    first row spanning the grid that the table does not go on after. `fuzzy`: read by OCR (specks read as full
    stops inside a value are white, _SPECK_MARK)."""
    columns = {c.key: c for c in spec.columns}
    rows: list[dict] = []
    previous: dict = {}
    rounds = _rounds_column(grid, header_row, mapping, end) if spec.key == "emissions" else None
    for r in range(header_row + 1, len(grid.rows) if end is None else end):
        cells = grid.rows[r]
        present = [c for c in cells if c is not None and c.text.strip()]
        if not present:
            continue
        if len(present) == 1 and len(mapping) > 2 and _spans_row(cells):
            if _goes_on(grid, r, spec, mapping, columns):
                continue  # a sub-section row: 自有车辆 over some rows, 外协车辆 over the rest
            break  # a section heading spanning the row ends the table
        if any(match_label(x.text) is not None for x in present) and not any(_match_column(spec, x.text)
                                                                             for x in present):
            break  # the form's label/value rows again: the table inside one big form table has ended
        record: dict = {}
        boxes, confidences, first = [], [], None
        for key, text, cell in _column_values(cells, mapping, columns):
            if fuzzy:
                text = _SPECK_MARK.sub(" ", text)
            if cell is not None and text.strip(_STRAY_MARKS + " "):
                # a scan's check-box detector or speck may leave a mark at the edge of a code or number
                record[key] = columns[key].normalise(text.strip(_STRAY_MARKS + " "))
                if fuzzy and key == "vin":
                    record[key] = vin_as_scanned(record[key])
                confidences.append(cell.confidence)
                first = first or cell
                if cell.source.bbox:
                    boxes.append(cell.source.bbox)
            elif (key in _CARRY_DOWN or rounds is not None and key != "concentration_mg_m3") \
                    and previous.get(key) is not None:
                record[key] = previous[key]  # merged down the rows of an outlet (or of a pollutant's rounds)
            else:
                record[key] = None
        if rounds is not None:
            record[_ROUND_KEY] = cells[rounds].text.strip() if rounds < len(cells) and cells[rounds] is not None else ""
        keys = _KEY_COLUMNS.get(spec.key, mapping.values())
        if all(record.get(k) is None for k in keys):
            continue
        if not any(value is not None and k in columns and columns[k].field_type.plausible(value)
                   for k, value in record.items()):
            continue  # (一)自 | 车辆: a section row a stray rule cut in two, nothing in it of its column's type
        if any(_match_column(spec, c.text) for c in present) and len(present) >= 2 and all(
                _match_column(spec, c.text) or not c.text.strip() for c in present):
            continue  # a repeated header on a new page
        src = first.source
        own = re.match(r"table \d+, row \d+", src.cell or "")  # a row of a part joined from the next page
        record["source_ref"] = Source(src.file, src.page, own.group() if own and grid.ref is None else _row_ref(grid, r),
                                      _union(boxes)).to_dict()
        record["confidence"] = round(min(confidences), 3) if confidences else 0.0
        rows.append(record)
        previous = record
    return _one_row_per_pollutant(rows) if rounds is not None else rows


# a monitoring report's rows of one pollutant's samplings (第一次 … 第三次) and their mean (均值): the column
# saying which (检测频次), found by its values
_ROUND_KEY = "_round"


def _rounds_column(grid: Grid, header_row: int, mapping: dict, end: int | None) -> int | None:
    """The column no heading maps whose values name sampling rounds (two at least) and, maybe, their mean."""
    last = len(grid.rows) if end is None else end
    for c in range(max((len(row) for row in grid.rows), default=0)):
        if c in mapping:
            continue
        texts = [label_key(row[c].text) for row in grid.rows[header_row + 1:last]
                 if c < len(row) and row[c] is not None and row[c].text.strip()]
        named = [t for t in texts if _ROUND.fullmatch(t) or _MEAN.search(t) and len(t) <= 5]
        if sum(1 for t in named if _ROUND.fullmatch(t)) >= 2 and len(named) >= 0.8 * len(texts):
            return c
    return None


def _one_row_per_pollutant(rows: list[dict]) -> list[dict]:
    """One row per outlet and pollutant, as the table is kept: its mean row where the report gives one, else
    its rounds' mean (the guideline's limits hold for an hour's mean of the samplings)."""
    out: list[dict] = []
    group: list[dict] = []

    def close() -> None:
        if not group:
            return
        mean = next((row for row in group if _MEAN.search(row[_ROUND_KEY])), None)
        if mean is None:
            row = dict(group[0])
            values = [r["concentration_mg_m3"] for r in group if isinstance(r.get("concentration_mg_m3"), int | float)]
            row["concentration_mg_m3"] = round(sum(values) / len(values), 3) if values else None
            mean = row
        out.append({k: v for k, v in mean.items() if k != _ROUND_KEY})
        group.clear()

    for row in rows:
        if group and (row.get("outlet_id"), row.get("pollutant")) != (group[0].get("outlet_id"), group[0].get("pollutant")):
            close()
        group.append(row)
    close()
    return out


def _column_values(cells: list[Cell | None], mapping: dict[int, str | tuple[str, ...]], columns: dict):
    """(key, text, cell) of a row for each mapped key; a merged column's cell split in its parts."""
    for c, keys in mapping.items():
        cell = cells[c] if c < len(cells) else None
        if isinstance(keys, str):
            spread = _spread(cells, c, mapping, columns)
            if spread is not None:
                yield keys, spread[0], spread[1]
            else:
                yield keys, cell.text if cell is not None else "", cell
            continue
        parts = _split_merged(cell.text, len(keys)) if cell is not None else None
        if parts is None and cell is not None and cell.text.strip():
            # one value where two were expected (the other not read): it goes to the column it is valid for
            fits = [key for key in keys if columns[key].normalise(cell.text.strip()) is not None]
            parts = [cell.text if fits[:1] == [key] else "" for key in keys] if fits else None
        for i, key in enumerate(keys):
            yield key, parts[i] if parts else "", cell if parts else None


def _spread(cells: list[Cell | None], c: int, mapping: dict, columns: dict) -> tuple[str, Cell] | None:
    """Column c's part of a cell that lost its column rule and so spans c and its neighbours (冀FE7900
    LRDGXF3W9KG052109 under 号牌号码 | VIN): split in as many parts as it spans, each valid for its column."""
    start = c
    while start > 0 and start < len(cells) and cells[start] is None:
        start -= 1
    cell = cells[start] if start < len(cells) else None
    if cell is None:
        return None
    span = 1 + next((k for k, x in enumerate(cells[start + 1:]) if x is not None), len(cells) - start - 1)
    if span < 2 or start + span <= c:
        return None
    keys = [mapping.get(start + k) for k in range(span)]
    if not all(isinstance(key, str) for key in keys):
        return None
    parts = _split_merged(cell.text, span)
    if parts is None or any(columns[key].normalise(part) is None for key, part in zip(keys, parts, strict=True)):
        return None
    return parts[c - start], cell


def _row_ref(grid: Grid, r: int) -> str:
    if grid.ref is not None:  # a spreadsheet's sheet (or a CSV: rows only)
        return f"{grid.ref}, row {r + 1}" if grid.ref else f"row {r + 1}"
    return f"table {grid.index}, row {r + 1}"


def tables_from_layout(layout: Layout) -> dict[str, list[dict]]:
    """Each grid's tables. A grid may hold several one below another, each under a header row of its own
    (a form that is one long table: 有组织排放 then 运输车辆); a table's rows end at the next one's header.
    Headers of two tables in the same rows are one header read two ways: the one naming more columns wins."""
    out: dict[str, list[dict]] = {}
    fuzzy = layout.method == "ocr"
    for grid, headers in _joined_across_pages(layout.grids):
        candidates = sorted(((len(_keys(header[1])), spec, header) for spec, header in headers if header),
                            key=lambda c: -c[0])
        chosen: list[tuple[TableSpec, int, dict]] = []
        for _, spec, (header_row, mapping) in candidates:
            if all(abs(header_row - row) > 1 for _, row, _ in chosen):
                chosen.append((spec, header_row, mapping))
        starts = sorted(row for _, row, _ in chosen)
        for spec, header_row, mapping in chosen:
            end = next((row for row in starts if row > header_row), None)
            bands = [rows_from_grid(grid, spec, header_row, band, end, fuzzy)
                     for band in [mapping, *_repeated_bands(grid.rows[header_row], spec, mapping)]]
            out.setdefault(spec.key, []).extend(_row_by_row(bands))
        if not any(spec.key == "emissions" for spec, _, _ in chosen) and (rows := _emissions_under_pollutants(grid)):
            out.setdefault("emissions", []).extend(rows)
    return out


def _repeated_bands(header: list[Cell | None], spec: TableSpec, mapping: dict) -> list[dict]:
    """A table set two (or more) records to a row to save paper (序号 | 车牌号码 | VIN | 排放阶段 | 序号 | 车牌号码
    | …): the headings after the mapped ones that name its columns again, each run a mapping of its own."""
    keys = {k for k in mapping.values() if isinstance(k, str)}
    need = _KEY_COLUMNS.get(spec.key, set())
    bands: list[dict] = []
    band: dict[int, str] = {}
    for c in range(max(mapping, default=-1) + 1, len(header)):
        cell = header[c]
        col = _match_column(spec, cell.text) if cell is not None and cell.text.strip() else None
        if col is None or col.key not in keys:
            continue
        if col.key in band.values():  # the next repeat begins
            bands.append(band)
            band = {}
        band[c] = col.key
    bands.append(band)
    return [b for b in bands if len(b) >= 2 and (not need or need & set(b.values()))]


def _row_by_row(bands: list[list[dict]]) -> list[dict]:
    """The records of repeated column bands in reading order: a row's records left to right, then the next row's."""
    if len(bands) == 1:
        return bands[0]
    def row_number(record: dict) -> int:
        found = re.search(r"row (\d+)", (record.get("source_ref") or {}).get("cell") or "")
        return int(found.group(1)) if found else 0
    return sorted((r for band in bands for r in band), key=row_number)


@cache
def _pollutant_heading(text: str) -> str | None:
    """The standard pollutant a heading names (颗粒物, SO₂, 氮氧化物（mg/m³）), or None."""
    name = normalise_pollutant(re.sub(r"[（(][^（）()]*[)）]", "", text or "").strip())
    return name if name in STANDARD_POLLUTANTS else None


def _emissions_under_pollutants(grid: Grid) -> list[dict]:
    """A table turned round: the pollutants head the columns (检测点位 | 检测内容 | 颗粒物 | 二氧化硫 | 氮氧化物) and
    each row says what its figures are (排放浓度, 标准限值) for an outlet named in the row or merged down. One
    row per outlet and pollutant, as the table is kept."""
    spec = TABLES["emissions"]
    columns = {c.key: c for c in spec.columns}
    for r, row in enumerate(grid.rows):
        polluted = {c: name for c, cell in enumerate(row) if cell is not None and (name := _pollutant_heading(cell.text))}
        if len(polluted) < 2:
            continue
        first = min(polluted)
        found: dict[tuple, dict] = {}
        outlet = None
        for k in range(r + 1, len(grid.rows)):
            cells = grid.rows[k]
            figures = {c: parse_number(cells[c].text) for c in polluted if c < len(cells) and cells[c] is not None}
            if not any(isinstance(v, int | float) for v in figures.values()):
                break
            said = [cell for cell in cells[:first] if cell is not None and cell.text.strip()]
            outlet = next((code for cell in said if (code := outlet_code(cell.text))), None) or outlet
            what = {col.key for cell in said for col in [_match_column(spec, cell.text), *_weak_columns(spec, cell.text)]
                    if col is not None} & {"concentration_mg_m3", "limit_mg_m3"}
            if len(what) != 1:
                continue  # a rate (kg/h), a flow, or a row saying nothing of what its figures are
            key = what.pop()
            for c, value in figures.items():
                if not isinstance(value, int | float):
                    continue
                record = found.setdefault((outlet, polluted[c]), {
                    "outlet_id": outlet, "source": None, "pollutant": polluted[c], "concentration_mg_m3": None,
                    "limit_mg_m3": None, "source_ref": Source(cells[c].source.file, cells[c].source.page,
                                                              _row_ref(grid, k), cells[c].source.bbox).to_dict(),
                    "confidence": round(cells[c].confidence, 3)})
                if record[key] is None:
                    record[key] = columns[key].normalise(cells[c].text)
        rows = [row for row in found.values() if row["concentration_mg_m3"] is not None]
        if rows:
            return rows
    return []


def _width(grid: Grid) -> int:
    return max((len(row) for row in grid.rows), default=0)


def _page(grid: Grid, last: bool = False) -> int | None:
    if grid.position is not None:
        return grid.position
    rows = reversed(grid.rows) if last else grid.rows
    return next((cell.source.page for row in rows for cell in row if cell is not None), None)


def _joined_across_pages(grids: list[Grid]) -> list[tuple[Grid, list]]:
    """Each grid with (spec, header or None) of every table, found once (a ledger may have thousands of
    rows); tables carried over to the next page without their header row repeated joined to the part
    before it, whose header they share: a grid without a header, or the rows above its first header, as
    many columns wide, on a later page than a table with one. A row the page break cut in two (a VIN's last characters at the top of the
    next page, the rest of the row empty) is made one again. Each cell keeps its own source."""
    out: list[tuple[Grid, list]] = []
    for grid in grids:
        if not any(cell is not None and cell.text.strip() for row in grid.rows for cell in row):
            continue  # rules with nothing in them (a photo's second reading of a table's rules): no part of anything
        headers = [(spec, _header(grid, spec)) for spec in TABLES.values()]
        previous, known = out[-1] if out else (None, [])
        if (previous is not None and any(header for _, header in known) and previous.ref is None
                and grid.ref is None and grid.rows and previous.rows
                and (_page(grid) or 0) > (_page(previous, last=True) or 0)
                and (placed := _in_columns_of(grid, previous, max(h[0] for _, h in known if h))) is not None):
            first = min((header[0] for _, header in headers if header), default=None)
            carried = len(grid.rows) if first is None else _carried_rows(grid, first)
            if carried:
                rows = [list(row) for row in previous.rows]
                rest = placed[:carried]
                if _cut_row(rest[0]) or _completes(rows[-1], rest[0], known, len(rows) - 1):
                    rows[-1] = [_glued(a, b) for a, b in zip(rows[-1], rest[0], strict=False)]
                    rest = rest[1:]
                joined = Grid(index=previous.index, rows=rows + rest, caption=previous.caption,
                              for_fields=previous.for_fields and grid.for_fields, position=grid.position)
                if any(header and header[0] >= len(previous.rows) - VALUE_ROWS for _, header in known) or (
                        _names_columns(previous.rows[-1])):
                    # a header near the foot of the page named columns by the few values under it, or a page
                    # break fell inside a header: judged again with the rows the page break carried over
                    known = [(spec, _header(joined, spec)) for spec in TABLES.values()]
                out[-1] = (joined, known)
                if carried == len(grid.rows):
                    continue
                # the rest of the page: a table of its own under its header (one long table's next part)
                grid = Grid(index=grid.index, rows=grid.rows[carried:], caption=grid.caption,
                            for_fields=grid.for_fields, position=grid.position)
                headers = [(spec, _header(grid, spec)) for spec in TABLES.values()]
        elif previous is not None and (joined := _header_over_break(previous, known, grid)) is not None:
            out[-1] = joined
            continue
        out.append((grid, headers))
    return out


def _header_over_break(previous: Grid, known: list, grid: Grid) -> tuple[Grid, list] | None:
    """The grid before and this one as one, when a page break fell inside a table's header: the upper
    heading row (序号 | 车辆信息 | 排放标准) at the foot of one page, the lower one (号牌号码 | 识别代号)
    and the rows at the top of the next, so that neither part alone names enough columns."""
    if (previous.ref is not None or grid.ref is not None or not previous.rows or not grid.rows
            or (_page(grid) or 0) != (_page(previous, last=True) or 0) + 1):
        return None
    if not _names_columns(previous.rows[-1]):
        return None
    had = {spec.key for spec, header in known if header}
    # this page's rows in the columns of the part before; or that part's rows in this page's columns, when
    # this page draws rules the part before has not (车辆信息 merged over what 车号 | 车辆识别号 part below it)
    placed = _in_columns_of(grid, previous, len(previous.rows) - 1)
    above = _in_finer_columns(previous, grid)
    for rows in ([list(row) for row in previous.rows] + placed if placed is not None else None,
                 above + [list(row) for row in grid.rows] if above is not None else None):
        if rows is None:
            continue
        joined = Grid(index=previous.index, rows=rows, caption=previous.caption,
                      for_fields=previous.for_fields and grid.for_fields, position=grid.position)
        headers = [(spec, _header(joined, spec)) for spec in TABLES.values()]
        if any(header and spec.key not in had and header[0] >= len(previous.rows) - 2 for spec, header in headers):
            return joined, headers
    return None


def _in_finer_columns(previous: Grid, grid: Grid) -> list[list[Cell | None]] | None:
    """The rows of the part before a page break in the columns of the part after it, which has more: each cell
    where its column begins, the columns it spans left empty (merged over), when every cell begins and ends
    where columns of the part after do."""
    if _width(grid) <= _width(previous):
        return None
    lefts: dict[int, list[float]] = {}
    rights: dict[int, list[float]] = {}
    for row in grid.rows[:VALUE_ROWS]:
        for c, cell in enumerate(row):
            if cell is not None and cell.source.bbox:
                lefts.setdefault(c, []).append(cell.source.bbox[0])
                if c + 1 >= len(row) or row[c + 1] is not None:  # a cell merged over the next ends no column
                    rights.setdefault(c, []).append(cell.source.bbox[2])
    if len(lefts) != _width(grid) or len(rights) != _width(grid):
        return None
    starts = {c: sorted(xs)[len(xs) // 2] for c, xs in lefts.items()}
    ends = {c: sorted(xs)[len(xs) // 2] for c, xs in rights.items()}
    tolerance = 0.03 * (max(ends.values()) - min(starts.values()))
    # the two parts may lie at other places and scales (two photographs, a page a file): the table's width on
    # each says how one's x is the other's
    boxes = [cell.source.bbox for row in previous.rows for cell in row if cell is not None and cell.source.bbox]
    if not boxes:
        return None
    p0, p1 = min(b[0] for b in boxes), max(b[2] for b in boxes)
    g0, g1 = min(starts.values()), max(ends.values())
    scale = (g1 - g0) / (p1 - p0) if p1 > p0 else 1.0
    out = []
    for row in previous.rows:
        placed: list[Cell | None] = [None] * _width(grid)
        for cell in row:
            if cell is None:
                continue
            if not cell.source.bbox:
                return None
            x0, x1 = (g0 + (x - p0) * scale for x in (cell.source.bbox[0], cell.source.bbox[2]))
            first = next((c for c, x in starts.items() if abs(x - x0) <= tolerance), None)
            last = next((c for c, x in ends.items() if abs(x - x1) <= tolerance), None)
            if first is None or last is None or last < first:
                return None
            placed[first] = cell
        out.append(placed)
    return out


def _names_columns(row: list[Cell | None]) -> bool:
    return any(cell is not None and cell.text.strip() and _match_column(spec, cell.text)
               for spec in TABLES.values() for cell in row)


def _in_columns_of(grid: Grid, previous: Grid, header_row: int) -> list[list[Cell | None]] | None:
    """A grid's rows in the columns of the table before it (its header at `header_row`), if it may be its
    rest: as many columns wide, or as many as the columns that table's own rows have cells in (a part of
    one long table whose other parts had more columns: the next page draws only this part's), each cell
    put in its column."""
    if _width(grid) == _width(previous):
        # as wide, and where each cell stands says the same column, unless the table before lost a rule this
        # page draws and has a column of its own to make up the width (车辆号牌  VIN码 in one cell, an empty one)
        return _by_position(grid, previous) or [list(row) for row in grid.rows]
    # from the row above the header: a heading over two rows has cells in the columns the lower one spans
    slots = sorted({c for row in previous.rows[max(0, header_row - 1):] for c, cell in enumerate(row)
                    if cell is not None})
    # or the columns its rows of values fill (a section row a stray rule cut in two, (一)自 | 车辆, says nothing
    # of the columns)
    filled = sorted({c for row in previous.rows[header_row + 1:] if _filled(row) >= 3
                     for c, cell in enumerate(row) if cell is not None and cell.text.strip()})
    if len(slots) != _width(grid) and len(filled) == _width(grid):
        slots = filled
    if _width(grid) != len(slots) or len(slots) < 2:
        return _by_position(grid, previous) if _width(grid) > _width(previous) else None
    out = []
    for row in grid.rows:
        placed: list[Cell | None] = [None] * _width(previous)
        for c, cell in zip(slots, row, strict=False):
            placed[c] = cell
        out.append(placed)
    return out


def _filled(row: list[Cell | None]) -> int:
    return sum(1 for cell in row if cell is not None and cell.text.strip())


def _by_position(grid: Grid, previous: Grid) -> list[list[Cell | None]] | None:
    """A wider grid's rows in the columns of the table before it by where each cell begins and ends on the
    page (a table whose next page draws a rule the part carried over does not use: DA004's rows under five
    columns on a page of six), when its first row's cells each begin where one of that table's columns
    begins and end where one ends. Rows that do not fit stay as they are (the rest of the page, another
    table)."""
    lefts: dict[int, list[float]] = {}
    ends: dict[int, list[float]] = {}
    for row in previous.rows:
        for c, cell in enumerate(row):
            if cell is not None and cell.source.bbox:
                lefts.setdefault(c, []).append(cell.source.bbox[0])
                if c + 1 >= len(row) or row[c + 1] is not None:  # a cell merged over the next ends no column
                    ends.setdefault(c, []).append(cell.source.bbox[2])
    if len(lefts) < 2:
        return None
    edges = {c: float(sorted(xs)[len(xs) // 2]) for c, xs in lefts.items()}
    column_ends = {c: float(sorted(xs)[len(xs) // 2]) for c, xs in ends.items()}
    rights = sorted(cell.source.bbox[2] for row in previous.rows for cell in row if cell is not None and cell.source.bbox)
    tolerance = 0.02 * (max(edges.values()) - min(edges.values()))
    first = [cell.source.bbox[0] for cell in grid.rows[0] if cell is not None and cell.source.bbox] if grid.rows else []
    if len(first) < 2:
        return None

    def placed(row: list[Cell | None], shift: float) -> list[Cell | None] | None:
        out: list[Cell | None] = [None] * _width(previous)
        for cell in row:
            if cell is None:
                continue
            if not cell.source.bbox:
                return None
            x, end = cell.source.bbox[0] + shift, cell.source.bbox[2] + shift
            c = min(edges, key=lambda c: abs(edges[c] - x))
            # it begins where a column begins and ends where one ends (a cell may span two)
            if abs(edges[c] - x) <= tolerance and out[c] is None and min(abs(r - end) for r in rights) <= tolerance:
                out[c] = cell
                continue
            # or it lies inside one column: the table before lost the rule this page draws (its cell holds
            # two values run together, 国IV  2016/1/13), so this page's two cells are run together as well
            inside = [c for c in edges if edges[c] - tolerance <= x and end <= column_ends.get(c, -1.0) + tolerance]
            if not inside:
                return None
            c = inside[0]
            out[c] = cell if out[c] is None else Cell(f"{out[c].text}  {cell.text}", out[c].source,
                                                      min(out[c].confidence, cell.confidence))
        return out

    # the two pages lay differently on the scanner: the shift that puts every cell of the first row where a
    # column of the table before begins
    shift = next((d for d in sorted({edge - x for edge in edges.values() for x in first}, key=abs)
                  if placed(grid.rows[0], d) is not None), None)
    if shift is None:
        return None
    return [row if (row := placed(original, shift)) is not None else list(original) for original in grid.rows]


def _carried_rows(grid: Grid, first_header: int) -> int:
    """How many rows at the top of a grid, above its first table's header, are the rest of the table before
    it (a form that is one long table, broken across pages: the emissions' last rows, then 运输车辆 under
    its heading): those up to a row spanning the grid or naming a column."""
    k = 0
    while k < first_header and not _spans_row(grid.rows[k]) and not _names_columns(grid.rows[k]):
        k += 1
    return k


def _cut_row(row: list[Cell | None]) -> bool:
    """The rest of a row a page break cut: fewer than half its cells filled, its first one empty."""
    filled = [cell for cell in row if cell is not None and cell.text.strip()]
    return bool(filled) and len(filled) * 2 < len(row) and (row[0] is None or not row[0].text.strip())


def _completes(above: list[Cell | None], row: list[Cell | None], known: list, at: int) -> bool:
    """Whether a row at the top of a page is the rest of the row above it, cut by the page break though most
    of its cells hold something (LGAM81F12 | 2019年01月 above, K9898094 | 05日 below): a value above of a kind
    that tells itself (a VIN, a plate) is one only with the piece below it, which is none alone; in a column of
    two run together (车辆号牌|VIN码, a rule the scan lost), the second of them. `at`: the row above's index."""
    for spec, header in known:
        if not header or header[0] >= at:
            continue  # the row above is the header (its headings and the values under them are no one value)
        for c, keys in header[1].items():
            if c >= min(len(above), len(row)) or above[c] is None or row[c] is None:
                continue
            a, b = above[c].text.strip(), row[c].text.strip()
            if not a or not b:
                continue
            keys = (keys,) if isinstance(keys, str) else keys
            before, after = _split_merged(a, len(keys)) or [], _split_merged(a + b, len(keys)) or []
            for key, was, now in zip(keys, before, after, strict=False):
                col = next((col for col in spec.columns if col.key == key), None)
                if col is not None and col.field_type.distinctive and not col.field_type.tells(
                        col.normalise(was)) and col.field_type.tells(col.normalise(now)) and not \
                        col.field_type.tells(col.normalise(b)):  # a whole value below starts a row of its own
                    return True
    return False


def _glued(above: Cell | None, below: Cell | None) -> Cell | None:
    if below is None or not below.text.strip():
        return above
    if above is None:
        return below
    return Cell(above.text.rstrip() + below.text.strip(), above.source, min(above.confidence, below.confidence))
