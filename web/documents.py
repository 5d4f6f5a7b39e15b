"""Documents generated for a case, by kind (`review-sheet`, …), calling into generators/."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

from forms.facts import Extraction
from web.errors import Conflict, NotFound
from web.models import Case

DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class Rendered:
    content: bytes
    filename: str
    mimetype: str


def _experts(case: Case) -> list[dict[str, str]]:
    return [{"name": a.expert.username, "employer": a.expert.employer or "",
             "specialty": "、".join(a.expert.industries or ())} for a in case.assignments]


def _review_sheet_data(case: Case) -> dict:
    from generators.review_sheet import review_sheet_data

    return review_sheet_data(Extraction.from_dict(case.extraction), case.findings or [],
                             review_type="材料审核", experts=_experts(case), proposed_grade=case.review_grade)


def _review_sheet_docx(case: Case) -> bytes:
    from generators.review_sheet import render_review_sheet

    out = io.BytesIO()
    render_review_sheet(_review_sheet_data(case), out)
    return out.getvalue()


def _review_sheet_pdf(case: Case) -> bytes:
    from generators.pdf import docx_to_pdf
    from generators.review_sheet import render_review_sheet

    data = _review_sheet_data(case)
    out = io.BytesIO()
    docx_to_pdf(lambda path: render_review_sheet(data, path), out)
    return out.getvalue()


# kind → (Chinese title, {format: renderer})
DOCUMENTS: dict[str, tuple[str, dict[str, Callable[[Case], bytes]]]] = {
    "review-sheet": ("企业绩效分级专家审核表", {"docx": _review_sheet_docx, "pdf": _review_sheet_pdf}),
}
MIMETYPES = {"docx": DOCX_MIMETYPE, "pdf": "application/pdf"}


def parse_name(name: str) -> tuple[str, str]:
    """`review-sheet.docx` → ("review-sheet", "docx"); NotFound for kinds and formats we do not make."""
    kind, dot, fmt = name.rpartition(".")
    if not dot or kind not in DOCUMENTS:
        raise NotFound(f"没有名为“{name}”的文书。")
    if fmt not in DOCUMENTS[kind][1]:
        raise NotFound(f"“{DOCUMENTS[kind][0]}”暂不提供 .{fmt} 格式。")
    return kind, fmt


def render(case: Case, kind: str, fmt: str) -> Rendered:
    if case.status != "done" or case.extraction is None:
        raise Conflict("申报材料尚未解析完成，暂不能生成文书。", code="not_ready")
    title, renderers = DOCUMENTS[kind]
    content = renderers[fmt](case)
    name = f"{title}-{case.enterprise_name or case.id}.{fmt}"
    return Rendered(content, name, MIMETYPES[fmt])
