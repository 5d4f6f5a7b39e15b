"""Render Word templates with docxtpl: strict about the data, honest about broken templates.

Templates are .docx files with Jinja tags that an office edits in Word. They are
looked up in a template directory: the argument, else `$GRADEDESK_TEMPLATE_DIR`,
else `templates/` beside the packages. Rendering runs in Jinja's sandbox with
undefined names as errors, so a key missing from the data never turns into a
silently empty cell, and a template uploaded by an office cannot reach Python.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any

from docx.opc.exceptions import PackageNotFoundError
from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

from forms.errors import DataDoesNotFit, TemplateInvalid

TEMPLATE_DIR_ENV = "GRADEDESK_TEMPLATE_DIR"
_DEFAULT_DIR = Path(__file__).resolve().parent.parent / "templates"


def template_dir(directory: str | os.PathLike | None = None) -> Path:
    """Where templates are looked up."""
    if directory:
        return Path(directory)
    if os.environ.get(TEMPLATE_DIR_ENV):
        return Path(os.environ[TEMPLATE_DIR_ENV])
    return _DEFAULT_DIR


def find_template(name: str, template: str | os.PathLike | None = None) -> Path:
    """The template file: `template` itself when it is a file, else `name` in the template directory."""
    if template and Path(template).is_file():
        return Path(template)
    if template and Path(template).suffix.lower() == ".docx":
        raise TemplateInvalid(f"找不到模板文件 {Path(template).name}。", f"template not found: {template}")
    path = template_dir(template) / name
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
    whose tags are broken.
    """
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

