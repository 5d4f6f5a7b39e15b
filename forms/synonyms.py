"""Label synonyms an office accepted from the clerks' corrections, as data a deployment keeps and exports.

A clerk who files a value the extraction left unassigned under a field says what its label means
there; the office accepts the label as a synonym of that field, and the next extraction takes it
like the synonyms of data/fields.toml (forms/label_meaning.py). This module says which labels may be
proposed at all and reads and writes the exported file (TOML or JSON, one format), so the web app and
`gradedesk extract --synonyms` read the same thing.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass, field

from forms.errors import BadInput
from forms.field_types import FIELD_TYPES
from forms.fields import FIELDS, match_label
from forms.label_meaning import looks_like_label, normalise_label, resolve
from forms.normalize import find_dates

SCHEMA = "gradedesk.synonyms/1"
MAX_LABEL_CHARS = 30
MAX_FILE_BYTES = 1_000_000

# types whose values may look like words of a label but never are one
_VALUE_TYPES = ("credit_code", "permit_number", "vin", "phone", "doc_number")


def label_form(label: str) -> str:
    """The form two labels are compared in: 机构证照号码（盖章）： and 机构证照号码 are one proposal."""
    return normalise_label(label)


def refusal(label: str | None, key: str, value: str | None = None) -> str | None:
    """Why `label` cannot become a synonym of field `key` (in Chinese), or None when it can: an empty
    label, a long one (a sentence or a note), one that is a value (a date, a number, a code), or one that
    already means that field."""
    spec = FIELDS.get(key)
    if spec is None:
        return f"没有名为“{key}”的字段"
    text = (label or "").strip().rstrip(":：")
    form = label_form(text)
    if not form:
        return "标签为空"
    if len(form) > MAX_LABEL_CHARS:
        return f"标签超过{MAX_LABEL_CHARS}个字，不像是填报项名称"
    if find_dates(form) or re.fullmatch(r"[\d\s.,，%％+\-/:：年月日号个人元吨]+", form) or any(
            _is_value_of(t, form) for t in _VALUE_TYPES):
        return "标签本身是一个值（日期、数字或代码）"
    if not looks_like_label(form):
        return "不像是填报项名称（太短、含数字或标点）"
    if match_label(text) is spec or resolve(text, value) is spec:
        return f"该标签已被识别为“{spec.label}”"
    return None


def _is_value_of(type_name: str, text: str) -> bool:
    value = FIELD_TYPES[type_name].normalise(text)
    return value is not None and FIELD_TYPES[type_name].plausible(value)


@dataclass(frozen=True)
class Synonym:
    key: str  # the field
    label: str  # as written in the bundle where it was first seen
    accepted_by: str | None = None
    accepted_at: str | None = None  # ISO 8601, UTC

    def to_dict(self) -> dict:
        out = {"field": self.key, "field_label": FIELDS[self.key].label if self.key in FIELDS else "", "label": self.label}
        out.update({k: v for k, v in (("accepted_by", self.accepted_by), ("accepted_at", self.accepted_at)) if v})
        return out


@dataclass(frozen=True)
class SynonymSet:
    """The accepted synonyms of a deployment at one version (0: none accepted yet)."""

    version: int = 0
    synonyms: tuple[Synonym, ...] = field(default_factory=tuple)

    @property
    def pairs(self) -> tuple[tuple[str, str], ...]:
        """(label, field key), sorted: what the extraction takes (forms.label_meaning.ACCEPTED_SYNONYMS)."""
        return tuple(sorted((s.label, s.key) for s in self.synonyms))

    def to_dict(self) -> dict:
        return {"schema": SCHEMA, "version": self.version, "synonyms": [s.to_dict() for s in self.synonyms]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"

    def to_toml(self) -> str:
        lines = ["# 同义词：大气办采纳的填报项名称，解析时与 fields.toml 的同义词同样使用（gradedesk）",
                 f"schema = {_toml_str(SCHEMA)}", f"version = {self.version}", ""]
        for s in self.synonyms:
            lines.append("[[synonym]]")
            lines += [f"{k} = {_toml_str(v)}" for k, v in s.to_dict().items()]
            lines.append("")
        return "\n".join(lines)


def fingerprint(pairs: tuple[tuple[str, str], ...]) -> str:
    """A short name of a set of synonyms for cache keys: the same pairs, the same name; none, empty."""
    if not pairs:
        return ""
    return "syn" + hashlib.sha256(json.dumps(sorted(pairs), ensure_ascii=False).encode()).hexdigest()[:12]


def _toml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string


def parse(data: bytes, filename: str = "") -> SynonymSet:
    """A file as exported (TOML, or JSON when it starts with `{` or is named .json); BadInput naming every
    entry that is wrong (an unknown field, a refused label), so nothing half-read is taken."""
    if len(data) > MAX_FILE_BYTES:
        raise BadInput("同义词文件过大。", f"synonyms file of {len(data)} bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadInput("同义词文件不是 UTF-8 文本。", "synonyms file not UTF-8") from None
    try:
        if filename.lower().endswith(".json") or text.lstrip().startswith("{"):
            raw = json.loads(text)
            entries = raw.get("synonyms") if isinstance(raw, dict) else None
        else:
            raw = tomllib.loads(text)
            entries = raw.get("synonym", [])
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise BadInput("同义词文件无法读取，请上传本系统导出的 TOML 或 JSON 文件。", f"synonyms file: {exc}") from None
    if raw.get("schema", SCHEMA) != SCHEMA or not isinstance(entries, list):
        raise BadInput("同义词文件格式不对，请上传本系统导出的文件。", f"synonyms file schema {raw.get('schema')!r}")
    problems, synonyms, seen = [], [], set()
    for i, entry in enumerate(entries, 1):
        key = entry.get("field") if isinstance(entry, dict) else None
        label = entry.get("label") if isinstance(entry, dict) else None
        if not isinstance(key, str) or not isinstance(label, str):
            problems.append(f"第{i}条：缺少 field 或 label")
            continue
        why = refusal(label, key)
        if why and not why.startswith("该标签已被识别为"):
            problems.append(f"第{i}条（{label}）：{why}")
            continue
        if (key, label_form(label)) in seen:
            continue
        seen.add((key, label_form(label)))
        synonyms.append(Synonym(key, label.strip().rstrip(":："), _text(entry.get("accepted_by")),
                                _text(entry.get("accepted_at"))))
    if problems:
        raise BadInput("同义词文件未导入：" + "；".join(problems[:20]), f"synonyms file: {problems}")
    version = raw.get("version")
    return SynonymSet(version if isinstance(version, int) and version >= 0 else 0, tuple(synonyms))


def _text(value) -> str | None:
    return str(value)[:80] if value not in (None, "") else None
