"""Render Word templates with docxtpl: strict about the data, honest about broken templates.

Templates are .docx files with Jinja tags that an office edits in Word. They are
looked up in a template directory: the argument, else the settings' `template_dir`
(GRADEDESK_TEMPLATE_DIR for the command line), else `templates/` beside the packages. Rendering runs in Jinja's sandbox with
undefined names as errors, so a key missing from the data never turns into a
silently empty cell, and a template uploaded by an office cannot reach Python.
"""

from __future__ import annotations

import io
import os
import re
import threading
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any

from docx.opc.exceptions import PackageNotFoundError
from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

from forms.errors import DataDoesNotFit, TemplateInvalid
from forms.settings import Settings

PACKAGED_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def template_dir(settings: Settings | None = None) -> Path:
    """Where templates are looked up: the settings' template directory, else the packaged one."""
    directory = (settings or Settings()).template_dir
    return Path(directory) if directory else PACKAGED_TEMPLATES


def find_template(name: str, template: str | os.PathLike | None = None, settings: Settings | None = None) -> Path:
    """The template file: `template` itself when it is a file, `name` in `template` when it is a
    directory, else `name` in the settings' template directory."""
    if template and Path(template).is_file():
        return Path(template)
    if template and Path(template).suffix.lower() == ".docx":
        raise TemplateInvalid(f"找不到模板文件 {Path(template).name}。", f"template not found: {template}")
    path = (Path(template) if template else template_dir(settings)) / name
    if not path.is_file():
        raise TemplateInvalid(f"找不到模板文件 {name}。", f"template not found: {path}")
    return path


def _environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(undefined=StrictUndefined, autoescape=True)


def _load(template: str | os.PathLike | IO[bytes]) -> DocxTemplate:
    if hasattr(template, "seek"):
        template.seek(0)
    try:
        doc = DocxTemplate(template)
        doc.init_docx()
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise TemplateInvalid("模板不是可以打开的 Word（.docx）文件。", f"cannot open template {template}: {exc}") from exc
    return doc


def template_variables(template: str | os.PathLike | IO[bytes]) -> set[str]:
    """The top-level names a template reads (loop variables and the like excluded)."""
    doc = _load(template)
    try:
        return set(doc.get_undeclared_template_variables(jinja_env=_environment()))
    except TemplateSyntaxError as exc:
        raise _syntax_error(exc) from exc


def missing_variables(template: str | os.PathLike | IO[bytes], data: Mapping[str, Any]) -> list[str]:
    """Top-level names the template reads that the data lacks, sorted."""
    return sorted(template_variables(template) - set(data))


def render_docx(template: str | os.PathLike | IO[bytes], data: Mapping[str, Any],
                out: str | os.PathLike | IO[bytes]) -> None:
    """Render `data` into `template` and save to `out` (a path or a binary file object).

    Raises DataDoesNotFit naming the missing keys, TemplateInvalid for a template
    whose tags are broken. A template given as a path is compiled once and kept
    (see _Compiled); a file object goes through docxtpl each time.
    """
    if not hasattr(template, "read"):
        compiled = _compiled(Path(template))
        if compiled is not None:
            missing = sorted(compiled.variables - set(data))
            if missing:
                raise missing_keys_error(missing)
            compiled.render(data, out)
            return
    missing = missing_variables(template, data)
    if missing:
        raise missing_keys_error(missing)
    doc = _load(template)
    try:
        doc.render(dict(data), jinja_env=_environment(), autoescape=True)
    except UndefinedError as exc:
        raise missing_keys_error([_undefined_name(exc)]) from exc
    except TemplateSyntaxError as exc:
        raise _syntax_error(exc) from exc
    except TemplateError as exc:
        raise TemplateInvalid(f"模板无法使用：{exc}", f"template error: {exc!r}") from exc
    doc.save(out)


# ---- compiled templates --------------------------------------------------------------
#
# docxtpl parses the .docx, cleans its XML and compiles the Jinja template on every
# render (≈ 8 review sheets a second). A template file is compiled once here instead:
# docxtpl's own patch_xml prepares the body, header and footer XML, Jinja compiles them,
# and each render only runs the templates, applies docxtpl's post-processing
# (resolve_listing, fix_tables, docPr ids) and zips the parts with the untouched ones.

_COMPILED: dict[tuple[str, int, int], _Compiled | None] = {}
_COMPILED_LOCK = threading.Lock()
_PART_TYPES = ("header+xml", "footer+xml")


class _Compiled:
    def __init__(self, path: Path):
        self.path = path
        doc = _load(path)
        env = _environment()
        self.helper = doc  # for docxtpl's patch_xml / resolve_listing / fix_tables
        with zipfile.ZipFile(path) as zf:
            self.entries = [(info, zf.read(info)) for info in zf.infolist()]
        texts = {info.filename: data for info, data in self.entries}
        self.document_name = doc.docx.part.partname.lstrip("/")
        document_xml = texts[self.document_name].decode("utf-8")
        m = re.search(r"<w:body\b.*</w:body>", document_xml, flags=re.DOTALL)
        if m is None:
            raise ValueError("no w:body")
        self.document_head, self.document_tail = document_xml[:m.start()], document_xml[m.end():]
        try:
            self.body = env.from_string(self._prepare(doc.patch_xml(doc.get_xml())))
            self.parts: dict[str, tuple[Any, str]] = {}
            for uri in (doc.HEADER_URI, doc.FOOTER_URI):
                for _, part in doc.get_headers_footers(uri):
                    xml = doc.get_part_xml(part)
                    name = part.partname.lstrip("/")
                    self.parts[name] = (env.from_string(self._prepare(doc.patch_xml(xml))),
                                        doc.get_headers_footers_encoding(xml))
        except TemplateSyntaxError as exc:
            raise _syntax_error(exc) from exc
        self.variables = set(doc.get_undeclared_template_variables(jinja_env=env))
        # tags outside the body, headers and footers (core properties, footnotes): docxtpl's path
        others = [name for name, data in texts.items()
                  if name != self.document_name and name not in self.parts and name.endswith(".xml")
                  and re.search(rb"\{[{%]", data)]
        self.usable = not others

    @staticmethod
    def _prepare(xml: str) -> str:
        return re.sub(r"<w:p([ >])", r"\n<w:p\1", xml)

    def _finish(self, xml: str) -> str:
        xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", xml)
        xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        return self.helper.resolve_listing(xml)

    def render(self, data: Mapping[str, Any], out: str | os.PathLike | IO[bytes]) -> None:
        from lxml import etree

        context = dict(data)
        try:
            body = self._finish(self.body.render(context))
            parts = {name: self._finish(t.render(context)).encode(enc) for name, (t, enc) in self.parts.items()}
        except UndefinedError as exc:
            raise missing_keys_error([_undefined_name(exc)]) from exc
        except TemplateError as exc:
            raise TemplateInvalid(f"模板无法使用：{exc}", f"template error: {exc!r}") from exc
        tree = self.helper.fix_tables(body)
        for n, elt in enumerate(tree.iter("{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
                                          "docPr"), start=1001):
            elt.attrib["id"] = str(n)
        body = etree.tostring(tree, encoding="unicode")
        parts[self.document_name] = (self.document_head + body + self.document_tail).encode("utf-8")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            for info, data in self.entries:
                zf.writestr(info.filename, parts.get(info.filename, data))
        payload = buffer.getvalue()
        if hasattr(out, "write"):
            out.write(payload)
        else:
            Path(out).write_bytes(payload)


def _compiled(path: Path) -> _Compiled | None:
    """The compiled template for a file (None: render it through docxtpl)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    with _COMPILED_LOCK:
        if key not in _COMPILED:
            try:
                compiled = _Compiled(path)
                _COMPILED[key] = compiled if compiled.usable else None
            except TemplateInvalid:
                raise
            except Exception:  # anything unusual: the general path will say what is wrong
                _COMPILED[key] = None
            if len(_COMPILED) > 64:
                _COMPILED.pop(next(iter(_COMPILED)))
        return _COMPILED[key]


def check_template(template: str | os.PathLike | IO[bytes], sample: Mapping[str, Any],
                   *, known: Iterable[str] | None = None) -> None:
    """Check an office's template before it is used: it opens, its tags parse, it reads
    only names the kind's data has (`known`, default the sample's keys) and it renders
    the sample. Raises TemplateInvalid with the reason in Chinese."""
    unknown = sorted(template_variables(template) - set(known if known is not None else sample))
    if unknown:
        raise TemplateInvalid(f"模板使用了数据中没有的变量：{'、'.join(unknown)}。",
                              f"template reads unknown variables: {unknown}")
    try:
        render_docx(template, sample, io.BytesIO())
    except DataDoesNotFit as exc:
        raise TemplateInvalid(f"模板与数据不符：{exc.user_message}", exc.log_message) from exc


def missing_keys_error(keys: Iterable[str], what: str = "数据") -> DataDoesNotFit:
    names = "、".join(keys)
    return DataDoesNotFit(f"{what}不完整或格式不对，缺少或有误的字段：{names}。", f"data lacks keys: {names}")


def _undefined_name(exc: UndefinedError) -> str:
    m = re.search(r"has no attribute '([^']+)'|'([^']+)' is undefined", str(exc))
    return (m.group(1) or m.group(2)) if m else str(exc)


def _syntax_error(exc: TemplateSyntaxError) -> TemplateInvalid:
    return TemplateInvalid(f"模板中的标签写法有误：{exc.message}。请检查 {{{{ }}}} 与 {{% %}} 是否成对。",
                           f"template syntax error: {exc!r}")



def key_problems(data: Any, keys: Iterable[str], item_keys: Mapping[str, Iterable[str]] | None = None,
                 mapping_keys: Mapping[str, Iterable[str]] | None = None) -> list[str]:
    """What is missing from `data`: top-level `keys`, the keys of each item of the lists in
    `item_keys` (named `lists[2].name`), and the keys of the objects in `mapping_keys`
    (named `contact.phone`). A list or object of the wrong type counts too."""
    if not isinstance(data, Mapping):
        return ["（整个数据应为 JSON 对象）"]
    problems = [key for key in keys if key not in data]
    for key, wanted in (item_keys or {}).items():
        items = data.get(key, [])
        if not isinstance(items, list):
            problems.append(f"{key}（应为列表）")
            continue
        for i, item in enumerate(items):
            if not isinstance(item, Mapping):
                problems.append(f"{key}[{i}]（应为对象）")
                continue
            problems += [f"{key}[{i}].{k}" for k in wanted if k not in item]
    for key, wanted in (mapping_keys or {}).items():
        value = data.get(key, {})
        if not isinstance(value, Mapping):
            problems.append(f"{key}（应为对象）")
            continue
        problems += [f"{key}.{k}" for k in wanted if k not in value]
    return problems


def require_keys(data: Any, keys: Iterable[str], item_keys: Mapping[str, Iterable[str]] | None = None,
                 mapping_keys: Mapping[str, Iterable[str]] | None = None, what: str = "数据") -> None:
    """Raise DataDoesNotFit naming every missing key (see key_problems)."""
    problems = key_problems(data, keys, item_keys, mapping_keys)
    if problems:
        raise missing_keys_error(problems, what)
