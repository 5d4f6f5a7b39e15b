"""The label engine: canonical fields (and the column headings tables are read by) from any layout by their labels.

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
    carries,
    label_key,
    match_label,
    other_labels,
    registry_label_keys,
)
from forms.label_meaning import (
    READING_KIND,
    by_own_fields,
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
    find_dates,
    parse_bool,
    to_halfwidth,
)
from forms.vocabulary import ANSWER_WORDS, APPLICATION_FORM, TICKED_GLYPHS, UNTICKED_GLYPHS

# ---------------------------------------------------------------- label: value in running text


_BRACKETS = {"（": "[（(]", "）": "[）)]"}  # OCR mixes the widths: 县（市、区)

# a label ends at its colon, or where a box of its options begins (拟申报绩效等级□A级☑B级: the colon left out, or
# lost by the OCR)
_BOXES = TICKED_GLYPHS + UNTICKED_GLYPHS
_LABEL_END = f"(?:[:：]|(?=[{_BOXES}]))"


@cache
def _registry_labels() -> tuple[str, ...]:
    """Every field's labels and synonyms as compared (label_key), the longest first."""
    return tuple(sorted({label_key(s) for f in FIELDS.values() for s in f.labels}, key=len, reverse=True))


@cache
def _pair_pattern(bounded: bool = True, end: str = _LABEL_END) -> re.Pattern[str]:
    """A known label followed by a colon; a note in brackets may follow the label: 企业名称（盖章）：

    `bounded`: the label starts the text or follows white space or punctuation. Unbounded (OCR lines,
    where the engine runs two pairs together: `林卫东所在县：枣强县`) it may follow any character.
    """
    spaced = ["\\s*".join(_BRACKETS.get(ch, re.escape(ch)) for ch in label) for label in _registry_labels()]
    alternation = "|".join(spaced)
    start = "(?:^|(?<=[\\s；;，,。、|]))" if bounded else ""
    return re.compile(f"{start}(?:\\*\\s*)?(?P<label>{alternation})"
                      f"(?:\\s*[（(][^（）():：]{{1,10}}[）)])?\\s*{end}")


@cache
def _closed_label_pattern() -> re.Pattern[str]:
    """A known label ending in its own closing bracket (所在县（市、区）), a value's character right after it."""
    spaced = ["\\s*".join(_BRACKETS.get(ch, re.escape(ch)) for ch in label) for label in _registry_labels()
              if label.endswith("）")]
    return re.compile(f"(?:{'|'.join(spaced)})(?=[\\u4e00-\\u9fff0-9A-Za-z])")


@cache
def _leading_label_pattern() -> re.Pattern[str]:
    spaced = ["\\s*".join(re.escape(ch) for ch in label) for label in _registry_labels() if len(label) >= 2]
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
    runs = _runs(text)
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
        while j < len(runs) and specs[j] is None and not (j > i + 1 and _pair_of_its_own(text, runs, specs, i, j)):
            j += 1
        if j > i + 1:
            start, end = runs[i + 1][1], runs[j - 1][2]
            out.append((spec, text[start:end], start, end))
    return out


def _gap(text: str, a: int, b: int) -> int:
    """The width of the text between two runs, a tab counted as a few spaces."""
    return sum(4 if ch == "\t" else 1 for ch in text[a:b])


def _pair_of_its_own(text: str, runs: list, specs: list, i: int, j: int) -> bool:
    """Whether run j, after label i's value, starts a pair nobody listed (企业名称  某某公司        邮政编码  057150:
    a line of two columns aligned with spaces or tabs): label-shaped, a value of its own after it, and set
    further from the value before it than label i is from its value (a column's gap, not a value's own
    spacing: 河北省邯郸市  永年区)."""
    label_gap = _gap(text, runs[i][2], runs[i + 1][1])
    gap = _gap(text, runs[j - 1][2], runs[j][1])
    return gap > label_gap and gap >= 4 and j + 1 < len(runs) and specs[j + 1] is None \
        and looks_like_label(runs[j][0])


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
SPECK_MARK = re.compile(r"(?<=[\u4e00-\u9fff〕）)\]])[.•](?=[\u4e00-\u9fff〔（(\[])|(?<=[\u4e00-\u9fff])[.•·](?=[〔（(\[])"
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


_DOT_BETWEEN = re.compile(r"(?<=[\u4e00-\u9fff])[·•](?=[\u4e00-\u9fff])")




def _specks_inside_labels(text: str) -> str:
    """A scan's speck read as a middle dot between two characters of a known label (视频·监控): dropped, which
    SPECK_MARK cannot do there (a middle dot between two characters parts a name, 买买提·艾力)."""
    for m in reversed(list(_DOT_BETWEEN.finditer(text))):
        at = m.start()
        joined = text[max(0, at - 12):at] + text[at + 1:at + 13]
        cut = min(at, 12)
        if any((k := joined.find(label)) >= 0 and k < cut < k + len(label) for label in _registry_labels()
               if len(label) >= 3):
            text = text[:at] + text[at + 1:]
    return text


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
        text = _specks_inside_labels(SPECK_MARK.sub(" ", text))
        # a known label's colon read as a semicolon (所在县（市、区）;枣强县): typed text never puts one there
        text = _pair_pattern(False, "(?P<semicolon>[;；])").sub(lambda m: m.group()[:-1] + "：", text)
        # or lost after a label its own bracket ends (何刚所在县（市、区）枣强县): the bracket ends the label
        text = _closed_label_pattern().sub(lambda m: m.group() + "：", text)
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
        specs = label_of(m.group("label"), value)
        for spec in specs:
            out.append((spec, value, m.end(), end))
        if not specs and unassigned is not None and (not looks_like_label(value) or _has_mark_or_figure(value)) \
                and not _an_option(m.group("label"), value):
            unassigned.append((m.group("label"), value, m.end(), end))
    if not out:  # `企业名称　　某某公司`: a Word line aligned with spaces, a scan's row that lost its rules
        out = _spaced_pairs(text, fuzzy)
    if not out and allow_no_colon:
        out = _pairs_without_colons(text, fuzzy)
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


_RUN = re.compile(r"\S+(?: \S+)*")  # runs of a line apart by a tab, an ideographic space or two spaces or more
_TYPED_RUN = re.compile(r"\S+(?:[ \u3000]\S+)*")  # … apart by a tab or two spaces or more (Word's 企业名称　某某公司)
_LETTER = re.compile(r"[\u4e00-\u9fff]")


def _runs(text: str, run: re.Pattern = _RUN) -> list[tuple[str, int, int]]:
    """(run, start, end) of a line's runs; a word spread a character at a time over its column (名    称,
    住    所: a licence's or a form's labels retyped with the spacing they are printed with) is one run."""
    out: list[tuple[str, int, int]] = []
    spread = False
    for m in run.finditer(text):
        if _LETTER.fullmatch(m.group()) and out and (spread or _LETTER.fullmatch(out[-1][0])):
            start = out.pop()[1]
            out.append((text[start:m.end()], start, m.end()))
            spread = True
            continue
        spread = False
        out.append((m.group(), m.start(), m.end()))
    return out


def _pairs_without_colons(text: str, fuzzy: bool) -> list[tuple[FieldSpec, str, int, int]]:
    """`标签 值` with no colon, each run of the line (apart by a tab or two spaces) one pair (法定代表人 王建国
    联系电话 13812345678), or `申报日期2023年12月02日` run together. A known label starts the run; typed text's
    value must read as the field's (an OCR line's is read as before: its colon is what OCR lost)."""
    out = []
    runs = [(run, start) for run, start, _ in _runs(text, _TYPED_RUN)] if not fuzzy else [(text, 0)]
    if not fuzzy and len(runs) == 2 and _leading_label_pattern().match(runs[0][0]) is None \
            and looks_like_label(runs[0][0]) and not _has_mark_or_figure(runs[0][0]):
        # `成文日期      20100606`: a label no list holds, its value apart by spaces, alone on a typed line; the
        # value must read as the field its meaning names
        specs = label_of(runs[0][0], runs[1][0])
        if specs and _reads_as_value(specs[0], runs[1][0]):
            return [(specs[0], runs[1][0], runs[1][1], len(text))]
    for run, offset in runs:
        m = _leading_label_pattern().match(run)
        if not m or (spec := match_label(m.group("label"))) is None:
            if fuzzy or len(runs) == 1:
                return out
            continue
        group = "value" if m.group("value") else "figure"
        value = m.group(group).strip()
        if fuzzy or _reads_as_value(spec, value):
            out.append((spec, value, offset + m.start(group), offset + len(run)))
    return out


def _reads_as_value(spec: FieldSpec, value: str) -> bool:
    """A value typed after a known label with no colon between them: it reads as the field's, is no place to
    sign or seal (签字, 盖章) and no pair of its own (a colon)."""
    return not re.search(r"[:：]", value) and not SIGNATURE_LINE.search(value) and plausible(spec, value)


def _says_its_value(spec: FieldSpec, value: str) -> bool:
    """Such a value that also says it is one where a cell could as well be a label with a note (详细地址  详细到门牌号
    over the next cell's address): a free text by a figure or an organisation's ending (河北省…8号, 某某有限公司)."""
    return _reads_as_value(spec, value) and (spec.field_type.name != "text" or bool(
        re.search(r"\d", value) or _ORGANISATION_END.search(value)))


_NOTED_LABEL = re.compile(r"^\s*(?P<label>[\u4e00-\u9fff]{2,20}\s*[（(][^（）():：]{1,10}[）)])\s*(?P<value>[^:：\s].*)$")


def _an_option(label: str, value: str) -> bool:
    """An answer's option before its box (重点管理□ 简化管理☑, 是☑ 否□): a choice, no label of anybody's."""
    return not value.strip(_BOXES + " ") and (_tells_itself(label) or label.strip() in ANSWER_WORDS)


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
    if spec is not None and (value is None or carries(READING_KIND.get(), spec.key)):
        return [spec]
    if value is None or not looks_like_label(text):
        return [spec] if spec is not None else []
    specs = [spec] if spec is not None else _specs_by_meaning(text, value)
    if not specs and fuzzy and (seen := text.translate(_LOOKALIKES)) != text:
        specs = _specs_by_meaning(seen, value)  # 是否接人…平台: 入 read as 人
    if not any(carries(READING_KIND.get(), s.key) for s in specs) and (
            own := by_own_fields(text, value, specs[0] if specs else None)):
        return [own]  # an evidence document's label read as the fields it states
    return specs


# characters OCR reads as others they look like, in a label no field's labels come near as read: read as the
# other (入 as 人, 未 as 末, 已 as 己, 日 as 曰); only when the label as read means nothing (联系人 is a person)
_LOOKALIKES = str.maketrans("人末己巳曰", "入未已已日")


# ---------------------------------------------------------------- facts


def _fact(spec: FieldSpec, raw: str, source: Source, confidence: float, kind: str,
          label: str | None = None) -> Fact | None:
    if label and not carries(kind, spec.key) and (own := by_own_fields(label, raw, spec)) is not None:
        spec = own  # 签发日期 on a permit: the day it was issued, not a lab report's
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
_ORGANISATION_END = re.compile(f"(?:{ORGANISATION_ENDS})$")


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
    if not (any(ch in _BOXES for ch in first) or first in ANSWER_WORDS or _tells_itself(first)):
        return row[c]  # no option (空平台, the rest of a question a rule cut off)
    run = [row[c]]
    for cell in row[c + 1:]:
        if cell is None:
            continue
        text = cell.text.strip()
        if not text or len(text) > _OPTION_CELL or re.search(r"[:：]", text) or _is_label(cell, fuzzy):
            break
        run.append(cell)
    if len(run) < 2 or not any(ch in _BOXES for cell in run for ch in cell.text):
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
    labels. Two characters at least after the colon: a scan's speck after a label's colon is no value. With no
    colon, a known label and a value of its field after a space (联系电话 13812345678), or a label's note and
    such a value after it (详细地址（全称）河北省…)."""
    text = text.strip()
    return _LABEL_WITH_VALUE.match(text) is not None or any(
        _says_its_value(spec, value) for spec, value, _, _ in _pairs_without_colons(text, False)
        + _spaced_pairs(text, False)) or (
        (m := _NOTED_LABEL.match(text)) is not None and bool(_specs_by_meaning(m.group("label"), m.group("value"))))


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
            return not any(match_column(table, text) for table in TABLES.values())
    return False


def _value_text(text: str, fuzzy: bool) -> str:
    """A value cell's text up to a line that is itself a label (a rule the scan lost merged two cells); on a
    scan, without specks read as full stops (SPECK_MARK)."""
    if fuzzy:
        text = SPECK_MARK.sub(" ", text).strip()
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
    label = _without_stray_mark(_unwrapped(cell.text), grid.rows[r], c)
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
    if _open_brackets(label) and re.fullmatch(r"[^（()）]{0,10}[）)]", value_cell.text.strip()) and (
            after := _filled_after(grid.rows[r], value_cell)) is not None and match_label(after.text, fuzzy=fuzzy) is None:
        # a rule found inside the label's cell cut its note's end off (行业类型（按技术 | 指南） | 焦化): the label
        # goes on to the bracket it opened, its value is the cell after
        label, value_cell, scale = label + value_cell.text.strip(), after, scale * 0.9
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


def _without_stray_mark(label: str | None, row: list[Cell | None], c: int) -> str | None:
    """A label cell ending in a box or tick when the cell after it holds the marked options: a scan's stray (the
    value cell's first box read into the label's, a rule's stub read as ☑: 申请评定等级（A/B/C)☑ beside
    □A级☑B级□C级), no answer of the label's own."""
    if not label or label[-1] not in _BOXES:
        return label
    after = next((x for x in row[c + 1:] if x is not None and x.text.strip()), None)
    if after is None or not any(ch in _BOXES for ch in after.text):
        return label
    return label.rstrip(_BOXES + " ") or label


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


def _filled_after(row: list[Cell | None], cell: Cell) -> Cell | None:
    at = next((i for i, x in enumerate(row) if x is cell), None)
    return next((x for x in row[at + 1:] if x is not None and x.text.strip()), None) if at is not None else None


def _open_brackets(line: str) -> int:
    return max(0, line.count("（") + line.count("(") - line.count("）") - line.count(")"))


def _unwrapped(text: str) -> str | None:
    """A label cell's text on one line: a label wrapped in a narrow cell (所属绩效分级行业类⏎别, a PDF's or a
    scan's lines) joined again; None for a cell of several lines that are not one label cut short."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if len(lines) <= 1:
        return lines[0] if lines else None
    widths = [len(line) for line in lines[:-1]]
    # a bracket opened on one line and closed on a later one: one text wrapped (环保联系人⏎电话（请如⏎实填写）)
    bracketed = any(_open_brackets(line) for line in lines[:-1])
    if len(lines) > 5 or any(re.search(r"[:：]$", line) for line in lines) or not bracketed and any(
            match_label(line) is not None for line in lines[:-1]):
        # a label on a line with more under it (a label over its value, labels a line); a wrap may leave a
        # word that is a label on the last line alone (自动监控是⏎否与省平台⏎联网)
        return None
    joined = "".join(lines)
    if max(widths) - min(widths) > 2 or len(lines[-1]) > max(widths) + 1:
        # not lines as wide as the cell with the rest on the last one; unless together they are a label of
        # ours, which OCR's lines may not show as wrapped (排污登记编⏎号/许可证编号: the narrow / on the last)
        return joined if all(looks_like_label(line) or len(line) <= 2 for line in lines) and (
            match_label(joined) is not None or candidates(joined)) else None
    return joined


def _is_label_row(grid: Grid, r: int) -> bool:
    """A row of headings (every filled cell label-shaped): a table's header, not label/value pairs."""
    filled = [x for x in grid.rows[r] if x is not None and x.text.strip()]
    if len(filled) < 3 or not all(looks_like_label(x.text) for x in filled):
        return False
    named = sum(1 for x in filled if match_label(x.text) or candidates(x.text)
                or any(match_column(t, x.text) for t in TABLES.values()))
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
                for pspec, raw, _, _ in pairs_in_text(line, fuzzy=fuzzy, allow_no_colon=True, unassigned=found):
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
                        *, fuzzy: bool = False, unassigned: list[Unassigned] | None = None) -> list[Fact]:
    facts: list[Fact] = []
    idle: list[Segment] = []  # segments of the line so far in which nothing was found
    waiting: str | None = None  # a label alone on its line, its colon after it: its value is the next line
    for i, seg in enumerate(segments):
        found: list = []
        pairs = pairs_in_text(seg.text, allow_no_colon=True, fuzzy=fuzzy, unassigned=found)
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


_MARK_ALONE = re.compile(f"[{re.escape(TICKED_GLYPHS)}]")


def _options_as_headings(grid: Grid) -> Grid:
    """A grid whose answers are columns (项目 | 是 | 否 over rows of questions, each marked √ under the option it
    chooses): every mark alone in a cell under such a heading row is read as that option ticked (☑否), an empty
    cell there as nothing. Read as it stands, a mark under 否 was the next cell's value — a bare tick, a yes."""
    rows = [list(row) for row in grid.rows]
    options: dict[int, str] = {}
    changed = False
    for r, row in enumerate(rows):
        texts = {c: cell.text.strip() for c, cell in enumerate(row) if cell is not None and cell.text.strip()}
        heads = {c: t for c, t in texts.items() if c > 0 and t in ANSWER_WORDS}
        if len(heads) >= 2 and len(heads) == len([c for c in texts if c > 0]):
            options = heads  # a heading row of options: the rows under it answer by marking a column
            continue
        if not options or any(c in options and not _MARK_ALONE.fullmatch(t) for c, t in texts.items()):
            options = {} if any(c in options for c in texts) else options
            continue
        for c in texts:
            if c in options:
                rows[r][c] = Cell(f"☑{options[c]}", row[c].source, row[c].confidence)
                changed = True
    return Grid(index=grid.index, rows=rows, caption=grid.caption, for_fields=grid.for_fields, ref=grid.ref,
                position=grid.position) if changed else grid


def facts_from_layout(layout: Layout, kind: str, base_confidence: float,
                      unassigned: list[Unassigned] | None = None) -> list[Fact]:
    """The fields of a layout, its labels read as a document of this kind means them; label/value pairs that
    mean no field go to `unassigned` when given."""
    fuzzy = layout.method == "ocr"
    facts = []
    with reading(kind):
        for grid in layout.grids:
            if grid.for_fields:
                facts.extend(facts_from_grid(_options_as_headings(grid), kind, base_confidence, fuzzy=fuzzy,
                                             unassigned=unassigned))
        facts.extend(facts_from_segments(layout.segments, kind, base_confidence, fuzzy=fuzzy, unassigned=unassigned))
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


# ---------------------------------------------------------------- column headings

COLUMN_MIN_SCORE = 0.7


_GENERAL_LAST = re.compile(r"(?:名称|情况|信息|数值|值)$")  # a heading's last word that says little of its column
# a heading of a Latin abbreviation and a word or two (VIN码, VIN号, PM值): a heading, though it has one Chinese
# character where a label has two
_ABBREVIATED = re.compile(r"[A-Za-z]{2,6}[\u4e00-\u9fff]{1,3}")


@cache
def match_column(spec: TableSpec, header: str):
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
        head = head_column(spec, text) if not _GENERAL_LAST.search(text) else None
        return head if head is not None and scored[0][0] < 1.0 else scored[0][1]
    return None


def head_column(spec: TableSpec, text: str):
    """The one column with a synonym ending in the heading's last word (its last two characters: 折算浓度 and
    实测浓度 are both 浓度, 上牌日期 and 注册日期 both 日期), if only one has."""
    if len(text) < 3 or not re.fullmatch(r"[\u4e00-\u9fff]{2}", text[-2:]):
        return None
    heads = [col for col in spec.columns if any(label_terms(s).endswith(text[-2:]) for s in col.synonyms)]
    return heads[0] if len(heads) == 1 else None
