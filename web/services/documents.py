"""Documents generated for a case, by kind (`review-sheet`, `rectification-notice`, `reduction-list`),
from the corrected extraction, with the template of the case's office (its city's, else the province's).

`review-sheet.docx?type=site` is the sheet of the site review (现场审核); the default is the
material review. `rectification-notice` is the notice as issued (the latest of the current
version) or, before one is issued, a draft without a number.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import object_session

from forms.facts import Extraction
from forms.settings import Settings
from web.errors import Conflict, NotFound
from web.models import Case, IssuedDocument
from web.services import office_templates
from web.services.catalogue import version as catalogue_version
from web.services.clock import today
from web.services.corrections import effective_extraction
from web.services.findings import confirmed_and_kept, resolution, with_decisions
from web.services.issuing import _review_type, _verdicts, content, reviewer_of
from web.services.offices import province_name

DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REVIEW_TYPES = {"material": "材料审核", "site": "现场审核"}


@dataclass(frozen=True)
class Rendered:
    content: bytes
    filename: str
    mimetype: str


@dataclass(frozen=True)
class Request:
    case: Case
    storage: object  # web.storage.Storage
    review_type: str = "材料审核"
    settings: Settings | None = None  # the generators' (templates, LibreOffice)


def _experts(case: Case) -> list[dict[str, str]]:
    return [{"name": a.expert.username, "employer": a.expert.employer or "",
             "specialty": "、".join(a.expert.industries or ())} for a in case.assignments]


def _extraction(case: Case) -> Extraction:
    return Extraction.from_dict(effective_extraction(case))


def _template(req: Request, kind: str) -> Path | None:
    session = object_session(req.case)
    template = office_templates.for_region(session, req.case.city, kind) if session else None
    return office_templates.path_of(req.storage, template)


def _review_sheet_data(req: Request) -> dict:
    from generators.review_sheet import review_sheet_data

    case = req.case
    session = object_session(case)
    return review_sheet_data(_extraction(case), [dict(f, resolution=resolution(f)) for f in with_decisions(case)],
                             review_type=req.review_type, experts=_experts(case), proposed_grade=case.review_grade,
                             catalogue=catalogue_version(session, case.catalogue_version) if session else None)


def _reduction_list_data(req: Request) -> dict:
    from generators.reduction_list import reduction_list_data

    return reduction_list_data(_extraction(req.case), grade=req.case.decided_grade, date_=today())


def _issued_notice(req: Request) -> IssuedDocument | None:
    session = object_session(req.case)
    return session.scalar(select(IssuedDocument).where(
        IssuedDocument.case_id == req.case.id, IssuedDocument.kind == "rectification-notice")
        .order_by(IssuedDocument.id.desc()).limit(1)) if session else None


def _rectification_data(req: Request) -> dict:
    from generators.rectification_notice import rectification_notice_data

    kept, confirmed = confirmed_and_kept(req.case)
    office = f"{req.case.city or province_name()}生态环境{'局' if req.case.city else '厅'}"
    return rectification_notice_data(_extraction(req.case), kept, as_of=today(), confirmed=confirmed,
                                     verdicts=_verdicts(req.case), review_type=_review_type(req.case),
                                     reviewer=reviewer_of(req.case, office))


def _renderer(kind: str, build: Callable[[Request], dict]) -> Callable[[Request, str], bytes]:
    def render(req: Request, fmt: str) -> bytes:
        from generators import kinds

        if kind == "rectification-notice":
            issued = _issued_notice(req)
            if issued is not None:
                return content(object_session(req.case), req.storage, issued, fmt, settings=req.settings)[0]
        data = build(req)
        out = io.BytesIO()
        kinds.get(kind).render(data, out, fmt=f".{fmt}", template=_template(req, kind) if fmt != "xlsx" else None,
                               settings=req.settings)
        return out.getvalue()

    return render


# kind → (Chinese title, formats, renderer)
DOCUMENTS: dict[str, tuple[str, tuple[str, ...], Callable[[Request, str], bytes]]] = {
    "review-sheet": ("企业绩效分级专家审核表", ("docx", "pdf"), _renderer("review-sheet", _review_sheet_data)),
    "rectification-notice": ("整改通知书", ("docx", "pdf"), _renderer("rectification-notice", _rectification_data)),
    "reduction-list": ("应急减排清单（一厂一策）", ("docx", "pdf", "xlsx"), _renderer("reduction-list", _reduction_list_data)),
}
MIMETYPES = {"docx": DOCX_MIMETYPE, "pdf": "application/pdf", "xlsx": XLSX_MIMETYPE}


def parse_name(name: str) -> tuple[str, str]:
    """`review-sheet.docx` → ("review-sheet", "docx"); NotFound for kinds and formats we do not make."""
    kind, dot, fmt = name.rpartition(".")
    if not dot or kind not in DOCUMENTS:
        raise NotFound(f"没有名为“{name}”的文书。")
    if fmt not in DOCUMENTS[kind][1]:
        raise NotFound(f"“{DOCUMENTS[kind][0]}”暂不提供 .{fmt} 格式。")
    return kind, fmt


def review_type_of(arg: str | None) -> str:
    return REVIEW_TYPES.get(arg or "material", "材料审核")


def render(case: Case, kind: str, fmt: str, *, storage=None, review_type: str = "材料审核",
           settings: Settings | None = None) -> Rendered:
    if case.status != "done" or case.extraction is None:
        raise Conflict("申报材料尚未解析完成，暂不能生成文书。", code="not_ready")
    title, _formats, renderer = DOCUMENTS[kind]
    req = Request(case, storage, review_type, settings)
    issued_pdf = kind == "rectification-notice" and _issued_notice(req) is not None  # kept PDF of the issued one
    if fmt == "pdf" and not issued_pdf:
        from generators.pdf import docx_to_pdf

        docx = renderer(req, "docx")
        out = io.BytesIO()
        docx_to_pdf(lambda path: Path(path).write_bytes(docx), out, settings=settings)
        content = out.getvalue()
    else:
        content = renderer(req, fmt)
    label = f"{title}（{review_type}）" if kind == "review-sheet" and review_type != "材料审核" else title
    name = f"{label}-{case.enterprise_name or case.id}.{fmt}"
    return Rendered(content, name, MIMETYPES[fmt])
