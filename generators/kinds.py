"""Every kind of generated document, with how it renders: one entry point for the CLI and the web app.

    from generators import kinds
    kinds.render("result-notice", data, "公示.pdf")      # format from the suffix
    kinds.example("letter")                              # a complete sample of the data
    kinds.check_uploaded_template("notice", path)        # refuse an office's broken template

The data of each kind is plain JSON (`gradedesk generate KIND --example`); document numbers
(文号) are part of the data — they are allocated by the web app, never here.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from forms.errors import BadInput, DataDoesNotFit, TemplateInvalid


@dataclass(frozen=True)
class Kind:
    name: str  # contract.md KIND
    title: str  # Chinese name
    module: str
    official: bool  # GB/T 9704 layout
    sheet: bool  # has an .xlsx form
    case: bool  # filled from a bundle with --bundle

    def load(self):
        return importlib.import_module(self.module)

    @property
    def formats(self) -> tuple[str, ...]:
        return (".docx", ".pdf", ".xlsx") if self.sheet else (".docx", ".pdf")


KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("contact-form", "应急减排清单和绩效分级工作联络表", "generators.contact_form", False, True, False),
    Kind("review-sheet", "企业绩效分级专家审核表", "generators.review_sheet", False, False, True),
    Kind("rectification-notice", "整改通知书", "generators.rectification_notice", True, False, True),
    Kind("result-notice", "绩效分级结果公示", "generators.result_notice", True, False, False),
    Kind("notice", "通知", "generators.notice", True, False, False),
    Kind("letter", "函", "generators.letter", True, False, False),
    Kind("weekly-report", "周报", "generators.weekly_report", False, True, False),
    Kind("reduction-list", "应急减排清单（一厂一策）", "generators.reduction_list", False, True, True),
)}


def kind(name: str) -> Kind:
    if name not in KINDS:
        raise BadInput(f"未知的文书类型“{name}”。可选：{'、'.join(KINDS)}。")
    return KINDS[name]


def _suffix_name(name: str) -> str:
    return name.replace("-", "_")


def example(name: str) -> dict[str, Any]:
    """A complete sample of the kind's data; it renders as is."""
    return kind(name).load().example_data()


def docx_renderer(name: str) -> Callable[..., None]:
    return getattr(kind(name).load(), f"render_{_suffix_name(name)}")


def render(name: str, data: Mapping[str, Any], out: str | os.PathLike | IO[bytes], *, fmt: str | None = None,
           template: str | os.PathLike | None = None, pool=None) -> None:
    """Render `data` as `fmt` (`.docx`, `.pdf`, `.xlsx`; default `out`'s suffix) into `out`.

    Raises DataDoesNotFit naming missing keys, TemplateInvalid for a broken template,
    BadInput for a format the kind does not have; a PDF needs LibreOffice (generators.pdf)."""
    k = kind(name)
    fmt = (fmt or Path(str(getattr(out, "name", out))).suffix).lower()
    if not fmt.startswith("."):
        fmt = f".{fmt}"
    if fmt not in k.formats:
        raise BadInput(f"{k.title}不能输出为“{fmt}”，可用的格式：{'、'.join(k.formats)}。")
    module = k.load()
    if fmt == ".xlsx":
        getattr(module, f"render_{_suffix_name(name)}_xlsx")(data, out)
        return
    renderer = getattr(module, f"render_{_suffix_name(name)}")
    if fmt == ".docx":
        renderer(data, out, template=template)
        return
    from generators.pdf import docx_to_pdf

    docx_to_pdf(lambda path: renderer(data, path, template=template), out, pool=pool)


def check_uploaded_template(name: str, template: str | os.PathLike | IO[bytes]) -> None:
    """Check an office's template for a kind before it is used: it opens, its tags parse, it
    renders the kind's example data and reads no name the data lacks. Raises TemplateInvalid
    with the reason in Chinese."""
    import tempfile

    from generators.docx_render import template_variables

    k = kind(name)
    module = k.load()
    data = module.example_data()
    context_fn = getattr(module, f"{_suffix_name(name)}_context", None)
    context = context_fn(data) if context_fn else data
    known = set(context) | {"loop"}
    unknown = sorted(template_variables(template) - known)
    if unknown:
        raise TemplateInvalid(f"模板使用了{k.title}数据中没有的变量：{'、'.join(unknown)}。",
                              f"template reads unknown variables: {unknown}")
    if hasattr(template, "read"):
        template.seek(0)
        with tempfile.NamedTemporaryFile(suffix=".docx") as tmp:
            tmp.write(template.read())
            tmp.flush()
            _try_render(k, module, data, tmp.name)
    else:
        _try_render(k, module, data, template)


def _try_render(k: Kind, module, data, template) -> None:
    import io

    try:
        getattr(module, f"render_{_suffix_name(k.name)}")(data, io.BytesIO(), template=template)
    except DataDoesNotFit as exc:
        raise TemplateInvalid(f"模板与{k.title}数据不符：{exc.user_message}", exc.log_message) from exc
