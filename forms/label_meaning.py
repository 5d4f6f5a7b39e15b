"""Which field a label means when it is not written as the registry spells it.

Enterprises reword the province's form: they add qualifiers (企业名称（盖章）, 环评批复文号（如有）),
words (是否安装在线监测设施（CEMS）, 企业生产地址), or shorten (许可证号). A list of synonyms
cannot foresee them, so a label is compared by meaning: normalised, then scored against every
label of forms/data/fields.toml by containment either way, shared key terms and edit
distance; the value's type decides between close candidates. Word, text PDF and OCR text
all go through here (extractors/labels.py).
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from rapidfuzz.distance import LCSseq, Levenshtein

from forms.fields import FIELDS, FieldSpec, carries, label_key, other_labels, party_roles
from forms.normalize import ORGANISATION_ENDS
from forms.vocabulary import APPLICATION_FORM

# notes in brackets that say how to fill a field in, not what it is
_QUALIFIER = re.compile(r"（[^（）]{0,12}）|〔[^〔〕]{0,12}〕|【[^【】]{0,12}】")
_CUT_NOTE = re.compile(r"(?<=[\u4e00-\u9fff])[（〔【][^（）〔〕【】]{1,12}$")
# a note in brackets that names administrative levels is what the label asks for, not how to fill it in:
# 县（市、区） asks for a county, city or district, 所在地（县/市/区） and 行政区域（区县） too
_LEVELS = re.compile(r"（[县市区旗镇乡](?:[、/／,，]?[县市区旗镇乡])+）")  # （县/市/区）, （县区）
# words that make a label a question or a heading without changing what it asks for
_FILLER_PREFIX = re.compile(r"^(?:请填写|请|填写|企业的|本企业|企业|单位|是否已经|是否已|是否|已|有无|有否)")
_FILLER_SUFFIX = re.compile(r"(?:情况|信息|内容|名称及|及|等|[?？])$")
# a label is short: a longer text is a sentence, a note or a value
MAX_LABEL_CHARS = 24
MIN_SCORE = 0.72
_MARGIN = 0.08  # candidates this close to the best are decided by the value's type

# words of a bool question that only name the kind of thing (设施, 系统 …): 在线监测设施 asks what 在线监测 asks
_THING_WORDS = re.compile(r"设施|系统|设备|装置|平台")


# words that say the same in a label (applied to both sides of a comparison): 填表时间 asks what 填表日期 asks
def _load_same_terms() -> tuple[tuple[re.Pattern, str], ...]:
    """forms/data/label-terms.toml: the words that say the same in a label, in the order they apply."""
    data = tomllib.loads(resources.files("forms").joinpath("data/label-terms.toml").read_text("utf-8"))
    return tuple((re.compile(entry["words"], re.I), entry["means"]) for entry in data["same"])


_SAME_TERMS = _load_same_terms()


def normalise_label(text: str | None) -> str:
    """A label reduced to its words: NFKC, no spaces, brackets one width, numbering, markers and
    trailing colons gone (forms.fields.label_key), then notes in brackets dropped."""
    text = unicodedata.normalize("NFKC", text or "")
    key = _LEVELS.sub(lambda m: re.sub(r"[^县市区旗镇乡]", "", m.group()), label_key(text))
    # a note whose end a narrow cell or a scan lost (是否已联网（在线监) is a note all the same
    stripped = _CUT_NOTE.sub("", _QUALIFIER.sub("", key))
    return stripped or key


@lru_cache(maxsize=4096)  # the registry's labels and a page's headings are compared over and over
def label_terms(text: str | None) -> str:
    """normalise_label with words that say the same made one (时间 → 日期, 编码 → 编号 …)."""
    return _terms(normalise_label(text))


def _terms(text: str) -> str:
    for pattern, term in _SAME_TERMS:
        text = pattern.sub(term, text)
    return text


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)} or {text}


# last words too general to say what a label asks for (设备名称, 注册地址, 运行日期 are not ours)
_GENERIC_HEADS = frozenset({"名称", "地址", "日期", "单位", "住所", "行业", "时间", "编号", "号", "代码"})


def similarity(text: str, label: str) -> float:
    """How surely `text` (normalised) asks what `label` (normalised) asks, 0–1."""
    if not text or not label:
        return 0.0
    if text == label:
        return 1.0
    shorter, longer = sorted((text, label), key=len)
    scores = []
    common = LCSseq.similarity(shorter, longer)  # the characters of the shorter found in order in the longer
    if common == len(shorter) >= 2:
        # containment either way, the words in order with others put between or around them: 企业生产地址 ⊃
        # 生产地址, 许可证号 ⊂ 排污许可证号, 环保管理负责人 ⊃ 环保…负责人, 环境影响评价批复文号 ⊃ 环…评批复文号 (an
        # abbreviation keeps its words' first characters); the share of the longer one covered decides (项目名称
        # is not 名称: half of it is another word). Ending with it counts more: a Chinese noun's last word says
        # what it is (厂区地址 is an address, 核定产能 a capacity)
        head = longer.endswith(shorter) and shorter not in _GENERIC_HEADS
        scores.append((0.5 + 0.5 * len(shorter) / len(longer)) if head else (0.4 + 0.6 * len(shorter) / len(longer)))
    elif min(len(text), len(label)) >= 4:
        scores.append(2 * common / (len(text) + len(label)))  # most words in order, one changed (许可证类别)
    a, b = _bigrams(text), _bigrams(label)
    scores.append(2 * len(a & b) / (len(a) + len(b)))  # shared key terms
    if len(label) >= 4 and len(text) <= 2 * len(label):
        # every term of a longer label, words put between them (在线监测是否与环保部门联网 ⊇ 在线监测…联网); of two
        # labels found whole, the one that explains more of the text (在线监测…联网 before 在线监测)
        scores.append(0.8 * len(a & b) / len(b) + 0.1 * len(a & b) / len(a))
    if min(len(text), len(label)) >= 4:
        scores.append(1 - Levenshtein.distance(text, label) / len(longer))
    return max(scores)


# Synonyms an office accepted (forms/synonyms.py), as (label, field key) pairs: for the extraction running
# in this context they count like the registry's (extractors/pipeline.py sets them). Data, not code:
# they come from the deployment's database or an exported file.
ACCEPTED_SYNONYMS: ContextVar[tuple[tuple[str, str], ...]] = ContextVar("accepted_synonyms", default=())


@cache
def _labels_with(accepted: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """(normalised label, field key) of every label and synonym of the registry, then the accepted ones."""
    out: dict[str, str] = {}
    pairs = [(label, spec.key) for spec in FIELDS.values() for label in spec.labels]
    for label, key in pairs + [(label, key) for label, key in accepted if key in FIELDS]:
        for form in {_terms(normalise_label(label)), _strip_filler(_terms(normalise_label(label)))}:
            if form:
                out.setdefault(form, key)
    return tuple(out.items())


@cache
def _accepted_index(accepted: tuple[tuple[str, str], ...]) -> dict[str, str]:
    return {normalise_label(label): key for label, key in accepted if key in FIELDS}


def _strip_filler(text: str) -> str:
    stripped = _FILLER_SUFFIX.sub("", _FILLER_PREFIX.sub("", text))
    return stripped if len(stripped) >= 2 else text


def _forms(text: str) -> list[tuple[str, bool]]:
    """The label as written and with its filler dropped, then (for yes/no questions only) its thing-words."""
    text = _terms(text)
    forms = {text, _strip_filler(text), _strip_filler(text.replace("是否", ""))}
    out = [(f, False) for f in forms if len(f) >= 2]
    out += [(t, True) for f in forms if (t := _THING_WORDS.sub("", f)) != f and len(t) >= 2]
    return out


def looks_like_label(text: str | None) -> bool:
    """Label-shaped: short, words not figures, not a sentence."""
    key = normalise_label(text)
    if not 2 <= len(key) <= MAX_LABEL_CHARS:
        return False
    if sum(ch.isdigit() for ch in key) > 2 or re.search(r"[。；;，,☑□√■]", key):
        return False
    return sum("\u4e00" <= ch <= "\u9fff" for ch in key) >= 2


@dataclass(frozen=True)
class Candidate:
    spec: FieldSpec
    score: float


# The kind of document whose labels are being read (extractors/labels.py sets it): a label is read as
# what it means there (a 单位地址 is the enterprise's on its own form, a lab's on a lab report).
READING_KIND: ContextVar[str] = ContextVar("reading_kind", default="unknown")


@contextmanager
def reading(kind: str) -> Iterator[None]:
    """Read labels as a document of this kind means them, for the duration."""
    token = READING_KIND.set(kind)
    try:
        yield
    finally:
        READING_KIND.reset(token)


def candidates(text: str) -> tuple[Candidate, ...]:
    """Fields this label may mean, best first, each at least MIN_SCORE."""
    return _scored(text, MIN_SCORE, False, ACCEPTED_SYNONYMS.get(), READING_KIND.get())


WEAK_SCORE = 0.45  # a label this close says enough when its value could be of one field only


@cache
def _scored(text: str, floor: float, weak: bool, accepted: tuple[tuple[str, str], ...],
            kind: str = "unknown") -> tuple[Candidate, ...]:
    key = normalise_label(text)
    if not looks_like_label(key):
        return ()
    if key in _accepted_index(accepted):  # an office said what this label means
        return (Candidate(FIELDS[_accepted_index(accepted)[key]], 1.0),)
    others = other_labels(kind)
    if any(key.endswith(other) and key != other for other in others) or key in others:
        return ()  # 技术负责人, 项目名称: somebody else's label that ends with one of ours
    return _ranked(key, floor, weak, accepted)


@cache
def _ranked(key: str, floor: float, weak: bool, accepted: tuple[tuple[str, str], ...]) -> tuple[Candidate, ...]:
    """The fields a normalised label is like, best first (whatever the document: a second reading of the form
    as the form finds them here)."""
    best: dict[str, float] = {}
    for form, questions_only in _forms(key):
        for label, field_key in _labels_with(accepted):
            if questions_only and FIELDS[field_key].type != "bool":
                continue
            score = _weak_similarity(form, label) if weak else similarity(form, label)
            if score >= floor and score > best.get(field_key, 0.0):
                best[field_key] = score
    ranked = sorted(best.items(), key=lambda item: -item[1])
    return tuple(Candidate(FIELDS[k], s) for k, s in ranked)


def _fallback(text: str, raw_value: str) -> FieldSpec | None:
    """A label no field's labels come near enough: what its value, its form or its role says."""
    return _by_value(text, raw_value) or _by_form(text, raw_value) or _by_role(text, raw_value)


# the word that makes a label ask for a person (环保专员, 环保管理人员, 联系人): what comes before it says which
_PERSON_TAIL = re.compile(r"(?:负责人|联系人|代表人|专员|人员|员|人)$")


def _domain(label: str) -> str:
    text = _strip_filler(_terms(normalise_label(label)))
    m = _PERSON_TAIL.search(text)
    return text[:m.start()] if m else ""


def _by_role(text: str, raw_value: str) -> FieldSpec | None:
    """A label naming a person by a role (环保专员（签字）, 环境保护专员) with a person's name: the person field
    whose labels name the same domain before their person word (环保 of 环保联系人); a role in no field's
    domain (填表人, 安全员) names nobody's."""
    domain = _domain(text)
    if len(domain) < 2:
        return None
    fitting = {spec.key for spec in FIELDS.values() if spec.type == "person" and _names(spec, raw_value)
               for label in spec.labels if len(d := _domain(label)) >= 2 and (d in domain or domain in d)}
    return FIELDS[fitting.pop()] if len(fitting) == 1 else None


def _by_form(text: str, raw_value: str) -> FieldSpec | None:
    """A label the words of no field's labels come near, whose form still says what it asks for: a note naming
    administrative levels, or on the enterprise's own form a general last word only one field's labels end
    with; the value must read as that field's."""
    key = normalise_label(text)
    if not looks_like_label(key):
        return None
    kind = READING_KIND.get()
    fitting = [FIELDS[k] for k in _named_by_levels(text) or _named_by_head(key, kind)
               if plausible(FIELDS[k], raw_value)]
    if len(fitting) == 1:
        return fitting[0]
    # a last word several fields' labels end with (登记编号: 编号 ends the permit's and the report's numbers),
    # on any document: the one of them the document states whose type alone reads the value, and as a valid
    # one (a registration receipt's 91…001Y is a permit number; a bare credit code is none)
    told = [spec for k in _headed(head) if carries(kind, k) and _tells(spec := FIELDS[k], raw_value)
            and spec.field_type.validate(spec.normalise(raw_value)) is None] if (head := _head(key)) else []
    return told[0] if len(told) == 1 else None


# the last words that make a label ask for a value of a type, whatever comes before them (经营者, 承诺人;
# 注册号, 决定书编号; 成文日期)
_TYPE_ENDS = {"person": ("人", "者"), "date": ("日期", "时间", "日"), "date_end": ("日期", "时间", "日", "期限", "期"),
              "credit_code": ("号", "码"), "permit_number": ("号", "码"), "doc_number": ("号", "码")}


def by_own_fields(text: str, raw_value: str, meant: FieldSpec | None = None) -> FieldSpec | None:
    """On an evidence document, a label meaning none of the fields the document states as read against every
    field (`meant`: 签发日期 is a lab report's date, 成文日期 a licence's; or nothing: 主要负责人, 日期, 经营者):
    the one of its own fields, the value readable as that field's, of the type the label was read as; else
    the one the label's last word names (日期 alone on an approval: the one date it states); else the one a
    word of its type ends the label with (经营者: a person; 决定书编号: a number) whose type reads the value.
    A field of any text (a name, an address) only by a last word no other field's labels end with (生产经营场所:
    the address): 货物名称 on gate records is no enterprise's name."""
    kind = READING_KIND.get()
    key = normalise_label(text)
    if kind in (APPLICATION_FORM, "unknown") or not looks_like_label(key):
        return None
    own = [spec for spec in FIELDS.values() if carries(kind, spec.key) and spec.field_type.name != "text"
           and plausible(spec, raw_value)]
    if meant is not None:
        same = [spec for spec in own if spec.field_type.name == meant.field_type.name]
        return same[0] if len(same) == 1 else None
    terms = _strip_filler(_terms(key))
    head = terms if terms in _GENERIC_HEADS else _head(key)
    if head and len(only := _headed(head)) == 1 and carries(kind, only[0]) and plausible(FIELDS[only[0]], raw_value):
        return FIELDS[only[0]]  # a last word only one field's labels end with (场所, 地址: the address), as on the form
    named = [spec for spec in own if head and spec.key in _headed(head)]
    if len(named) == 1:
        return named[0]
    typed = [spec for spec in own if terms.endswith(_TYPE_ENDS.get(spec.field_type.name, ()))
             and (_tells(spec, raw_value) or _names(spec, raw_value))]
    if len(typed) > 1:
        typed = [spec for spec in typed if spec.field_type.name == "date"]  # a day issued, not a term's end
    return typed[0] if len(typed) == 1 else None


def _named_by_levels(text: str) -> tuple[str, ...]:
    """A note naming administrative levels (行政区划（县区）, 辖区（县/市/区）) says the label asks for a
    place of those levels: the place fields, whatever the words before it."""
    if not _LEVELS.search(label_key(unicodedata.normalize("NFKC", text))):
        return ()
    return tuple(spec.key for spec in FIELDS.values() if spec.type == "place")


@cache
def _headed(head: str) -> tuple[str, ...]:
    """The fields some label of which ends with this general word."""
    return tuple(spec.key for spec in FIELDS.values()
                 if any(_terms(normalise_label(label)).endswith(head) for label in spec.labels))


def _named_by_head(key: str, kind: str) -> tuple[str, ...]:
    """On the enterprise's own form every label is the enterprise's, so a label's last word (厂区地址, 注册地址:
    an address; 生产产品: products) names the one field it asks for when only one field's labels end with that
    word (地址 and 住所: the address; 代码: the credit code). 日期, 名称, 编号 end several fields' labels: no
    answer."""
    if kind != APPLICATION_FORM:
        return ()
    head = _head(key)
    fields = _headed(head) if head else ()
    return fields if len(fields) == 1 else ()


def _head(key: str) -> str | None:
    """A normalised label's last word: a general one (地址, 编号), else its last two characters (生产产品: 产品)."""
    text = _strip_filler(_terms(key))
    head = next((h for h in sorted(_GENERIC_HEADS, key=len, reverse=True) if text.endswith(h) and text != h), None)
    if head is None and len(text) > 2 and re.fullmatch(r"[\u4e00-\u9fff]{2}", text[-2:]):
        head = text[-2:]
    return head


def _weak_similarity(text: str, label: str) -> float:
    """similarity with the general words left out, unless nothing else is left of one side (行业 of 涉及行业)."""
    a, b = _without_generic(text), _without_generic(label)
    return similarity(a, b) if a and b else similarity(text, label)


def _without_generic(text: str) -> str:
    """A label without the general words that end many labels (日期, 名称, 编号 …): what is left says which."""
    stripped = _THING_WORDS.sub("", text)
    for word in sorted(_GENERIC_HEADS, key=len, reverse=True):
        stripped = stripped.replace(word, "")
    return stripped if len(stripped) >= 2 else ""


# dates are on every document under every kind of label (营业期限, 发证日期 …): a date says nothing of which
_COMMON_TYPES = frozenset({"date", "date_end"})


def _by_value(text: str, raw_value: str) -> FieldSpec | None:
    """A label no field's labels come near (是否设置运输车辆门禁, 排污许可编码号), whose value only one of the
    fields it is somewhat like, general words aside, can have: a credit code, a permit number, a phone
    number, a grade, a management class, a ticked answer, an industry of the catalogue (types that tell
    their values apart)."""
    weak = [c for c in _scored(text, WEAK_SCORE, True, ACCEPTED_SYNONYMS.get(), READING_KIND.get())
            if c.spec.field_type.name not in _COMMON_TYPES]
    # a value only one type reads (a ticked answer) before one a naming type merely accepts (是否 as a name)
    fitting = [c for c in weak if _tells(c.spec, raw_value)] or [c for c in weak if _names(c.spec, raw_value)]
    if len(fitting) == 1 or len(fitting) > 1 and fitting[1].score < fitting[0].score - _MARGIN:
        return fitting[0].spec
    return None


def _tells(spec: FieldSpec, raw: str) -> bool:
    """Whether the raw value is one only this field's type has."""
    return plausible(spec, raw) and spec.field_type.tells(spec.normalise(raw))


def _names(spec: FieldSpec, raw: str) -> bool:
    """Whether the raw value says it is of this field's type, though other fields share it (a person, a
    document number)."""
    value = spec.normalise(raw)
    return value is not None and spec.field_type.naming(value) and plausible(spec, raw)


def plausible(spec: FieldSpec, raw: str) -> bool:
    """The raw value reads as a value of the field's type (not that it is valid: an invalid credit code
    is still a credit code, for the checks to report). A word read out of an organisation's name (铸造 of
    河北强盛铸造有限公司) is a mention, not a value."""
    value = spec.normalise(raw)
    if isinstance(value, str) and _ORGANISATION.search(raw or "") and _read_out_of(value, raw):
        return False
    return value is not None and spec.field_type.plausible(value)


_ORGANISATION = re.compile(f"(?:{ORGANISATION_ENDS})\\s*$")


def _read_out_of(value: str, raw: str) -> bool:
    """A value that is a shorter part of the text it was read from (铸造 of 河北强盛铸造有限公司); a name wrapped
    over two lines or with its brackets made one width (（集团)) is the whole text."""
    squeezed, whole = re.sub(r"\s", "", value), re.sub(r"\s", "", raw)
    return len(squeezed) < len(whole) and squeezed in whole


# a party word after a role (承诺单位, 委托方, 检测机构, 客户名称): the label names an organisation by its role
_PARTY = re.compile(r"^(?P<role>[\u4e00-\u9fff]{2,6}?)(?:单位|企业|公司|机构|方|人)?(?:名称|全称)?$")


@cache
def _roles() -> dict[str, str]:
    """Role → the field of the party it names: the roles of the fields' own labels (申报单位: 申报) and
    fields.toml [parties]; a role two fields' labels share names neither."""
    found: dict[str, set[str]] = {}
    for spec in FIELDS.values():
        for label in spec.labels:
            key = _terms(normalise_label(label))
            m = _PARTY.match(key)
            if m and m.group("role") != key and spec.type not in ("person", "date", "date_end", "bool"):
                found.setdefault(m.group("role"), set()).add(spec.key)
    for key, roles in party_roles().items():
        for role in roles:
            found.setdefault(role, set()).add(key)
    return {role: keys.pop() for role, keys in found.items() if len(keys) == 1}


def by_party(text: str, raw_value: str) -> FieldSpec | None:
    """A label naming an organisation by its role (承诺单位, 项目建设单位, 委托方, 检验检测机构) with an
    organisation's name: the field of that role, the longest known role the label's ends with deciding
    (承检单位 is the laboratory's, though 受检单位 is one character away)."""
    if not _ORGANISATION.search(raw_value or ""):
        return None
    m = _PARTY.match(_strip_filler(_terms(normalise_label(text))) or "")
    if not m or m.group("role") == normalise_label(text):
        return None
    role = m.group("role")
    known = sorted((r for r in _roles() if role.endswith(r)), key=len, reverse=True)
    spec = FIELDS[_roles()[known[0]]] if known else None
    return spec if spec is not None and plausible(spec, raw_value) else None


def resolve(text: str, raw_value: str | None = None) -> FieldSpec | None:
    """The field a label means, the value's type deciding between close candidates; None when no field
    is meant (or the value fits none of them). An organisation named by its role is that role's."""
    if raw_value is not None and (spec := by_party(text, raw_value)) is not None:
        return spec
    found = candidates(text)
    if not found:
        return _fallback(text, raw_value) if raw_value is not None else None
    if raw_value is None:
        if len(found) > 1 and found[1].score > found[0].score - _MARGIN:
            return None  # two meanings and no value to tell them apart
        return found[0].spec
    close = [c for c in found if c.score > found[0].score - _MARGIN]
    fitting = [c for c in close if plausible(c.spec, raw_value)]
    if not fitting:
        fitting = [c for c in found if plausible(c.spec, raw_value) and c.score >= found[0].score - 2 * _MARGIN]
    if not fitting:  # what the label is most like cannot hold this value: what else it is somewhat like
        return _fallback(text, raw_value)
    # a type that accepts anything (text) says less than one that had to recognise the value
    fitting.sort(key=lambda c: (-c.score + (0.0 if c.spec.field_type.name != "text" else _MARGIN / 2)))
    return fitting[0].spec


# two questions in one sentence: 是否安装在线监测设备并与生态环境部门联网 — one answer for both
_JOINED = re.compile(r"并且|并|且|及|和|、|/")


def resolve_questions(text: str, raw_value: str) -> list[FieldSpec]:
    """For a yes/no question, every field it asks about: one, or several when it joins questions
    (安装门禁系统和视频监控); empty when no bool field is meant."""
    whole = resolve(text, raw_value)
    parts = [p for p in _JOINED.split(normalise_label(text)) if len(p) >= 2]
    specs = []
    if len(parts) > 1:
        for part in parts:
            spec = resolve(part, raw_value)
            if spec is not None and spec.type == "bool" and spec not in specs:
                specs.append(spec)
    if len(specs) > 1:
        return specs
    return [whole] if whole is not None else specs
