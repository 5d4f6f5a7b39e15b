"""What every kind of generated document is, so that the command line, the web app and issuing
hold one object per kind and call it, instead of looking renderers up by name.

A kind knows its Chinese title, the formats it has, its Word template, its example data
(generators/examples/<name>.json), how it checks data (DataDoesNotFit naming the missing or
wrong keys) and how it renders each format. A case kind also makes its data from a bundle's
extraction and findings. The registry of the kinds is generators/kinds.py.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import IO, Any, ClassVar

from forms.errors import BadInput, DataDoesNotFit, TemplateInvalid
from forms.facts import Extraction, Finding
from forms.settings import Settings
from generators.docx_render import find_template, render_docx, template_variables

Output = str | os.PathLike | IO[bytes]
DOCX, PDF, XLSX = ".docx", ".pdf", ".xlsx"


class DocumentKind:
    """One kind of document. Subclasses give `context` (and `render_xlsx` when `formats` has .xlsx)."""

    formats: ClassVar[tuple[str, ...]] = (DOCX, PDF)
    official: ClassVar[bool] = False  # GB/T 9704 layout

    def __init__(self, name: str, title: str, template: str):
        self.name = name  # docs/cli.md KIND
        self.title = title
        self.template = template  # file name in the template directory

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"

    def example(self) -> dict[str, Any]:
        """A complete sample of the kind's data; it renders as is."""
        text = files("generators").joinpath("examples", f"{self.name}.json").read_text(encoding="utf-8")
        return json.loads(text)

    def context(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """What the template reads, from checked data; DataDoesNotFit names what is missing or wrong."""
        raise NotImplementedError

    def validate(self, data: Mapping[str, Any]) -> None:
        """Raise DataDoesNotFit naming every missing or wrong key of `data`."""
        self.context(data)

    def render(self, data: Mapping[str, Any], out: Output, *, fmt: str | None = None,
               template: str | os.PathLike | None = None, settings: Settings | None = None, pool=None) -> None:
        """Render `data` as `fmt` (`.docx`, `.pdf`, `.xlsx`; default `out`'s suffix) into `out`.

        `template` is a .docx file or a directory holding the kind's template (default the
        settings' template directory). Raises DataDoesNotFit naming missing keys, TemplateInvalid
        for a broken template, BadInput for a format the kind does not have; a PDF needs
        LibreOffice (generators.pdf)."""
        fmt = self.format_of(out, fmt)
        if fmt == XLSX:
            self.render_xlsx(data, out)
        elif fmt == DOCX:
            self.render_docx(data, out, template=template, settings=settings)
        else:
            from generators.pdf import docx_to_pdf

            docx_to_pdf(lambda path: self.render_docx(data, path, template=template, settings=settings), out,
                        pool=pool, settings=settings)

    def format_of(self, out: Output, fmt: str | None = None) -> str:
        """`fmt` (default `out`'s suffix) as `.docx`; BadInput when the kind does not have it."""
        fmt = (fmt or Path(str(getattr(out, "name", out))).suffix).lower()
        if not fmt.startswith("."):
            fmt = f".{fmt}"
        if fmt not in self.formats:
            raise BadInput(f"{self.title}不能输出为“{fmt}”，可用的格式：{'、'.join(self.formats)}。")
        return fmt

    def render_docx(self, data: Mapping[str, Any], out: Output, *, template: str | os.PathLike | None = None,
                    settings: Settings | None = None) -> None:
        render_docx(find_template(self.template, template, settings), self.context(data), out)

    def render_xlsx(self, data: Mapping[str, Any], out: Output) -> None:
        raise BadInput(f"{self.title}不能输出为“{XLSX}”，可用的格式：{'、'.join(self.formats)}。")

    def check_uploaded_template(self, template: str | os.PathLike | IO[bytes]) -> None:
        """Check an office's template before it is used: it opens, its tags parse, it renders the
        example data and reads no name the data lacks. Raises TemplateInvalid with the reason in Chinese."""
        data = self.example()
        known = set(self.context(data)) | {"loop"}
        unknown = sorted(template_variables(template) - known)
        if unknown:
            raise TemplateInvalid(f"模板使用了{self.title}数据中没有的变量：{'、'.join(unknown)}。",
                                  f"template reads unknown variables: {unknown}")
        if hasattr(template, "read"):
            template.seek(0)
            with tempfile.NamedTemporaryFile(suffix=DOCX) as tmp:
                tmp.write(template.read())
                tmp.flush()
                self._try_render(data, tmp.name)
        else:
            self._try_render(data, template)

    def _try_render(self, data: Mapping[str, Any], template: str | os.PathLike) -> None:
        try:
            self.render_docx(data, io.BytesIO(), template=template)
        except DataDoesNotFit as exc:
            raise TemplateInvalid(f"模板与{self.title}数据不符：{exc.user_message}", exc.log_message) from exc


class CaseKind(DocumentKind):
    """A kind made from one case's bundle (`gradedesk generate KIND --bundle`), not only from data."""

    # its data_from_case takes `catalogue=` (forms.catalogue.Catalogue): the grade's requirements come from it
    uses_catalogue = False

    def data_from_case(self, extraction: Extraction, findings: Iterable[Finding | Mapping[str, Any]] = (), *,
                       as_of: date | None = None) -> dict[str, Any]:
        """The document's data from a bundle's extraction and its checks' findings, on `as_of`."""
        raise NotImplementedError
