"""Documents an office issues: the rectification notice, the result notice, the weekly report,
the contact form. Each is rendered with the office's current template (web/services/office_templates.py),
numbered (web/services/numbering.py) and kept as issued — its data, the .docx (and .xlsx), the number —
in the same transaction that records what it does to the cases.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from forms.errors import BadInput, GradedeskError
from forms.facts import Extraction
from forms.settings import Settings
from forms.vocabulary import CITY_GRADES, PROVINCE_GRADES
from web.errors import Conflict, Forbidden, NotFound
from web.models import Case, CaseEvent, DocNumberCounter, IssuedDocument, RectificationItem, User, record
from web.services import office_templates
from web.services.access import get_visible_case, visible_cases
from web.services.catalogue import in_force
from web.services.clock import local_time, localize, today, utc_start_of
from web.services.corrections import effective_extraction
from web.services.findings import (
    BlockingFindings,
    confirmed_and_kept,
    open_blocking,
    overrides_of,
    require_resolved,
)
from web.services.numbering import format_number, next_number
from web.services.offices import Office, is_province, office_key, office_of
from web.services.procedure import (
    STEPS,
    confirmed_reviews,
    rectification_deadline,
    set_stage,
    why_not,
)
from web.storage import Storage

KIND_TITLES = {"rectification-notice": "整改通知书", "result-notice": "绩效分级结果公示", "weekly-report": "周报",
               "contact-form": "工作联络表"}
NUMBERED = ("rectification-notice", "result-notice", "weekly-report", "notice", "letter")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_office(actor: User) -> Office:
    if actor.role != "office":
        raise Forbidden("只有大气办可以出具文书。")
    return office_of(actor)


def render_docx(session: Session, storage: Storage, office: str, kind: str, data: dict,
                city: str | None = None, *, settings: Settings | None = None) -> tuple[bytes, int | None]:
    """The .docx of `data` with the office's current template (a case's: its city's, else the province's).
    `settings`: the generators' (templates, LibreOffice)."""
    from generators import kinds

    template = office_templates.current(session, office, kind) if city is None else \
        office_templates.for_region(session, city, kind)
    out = io.BytesIO()
    kinds.get(kind).render(data, out, fmt=".docx", template=office_templates.path_of(storage, template),
                           settings=settings)
    return out.getvalue(), template.id if template else None


def issue(session: Session, storage: Storage, actor: User, kind: str, build: Callable[[str, int | None], dict],
          *, case: Case | None = None, xlsx: bool = False, settings: Settings | None = None) -> IssuedDocument:
    """Number (for numbered kinds), build, render and keep one document, in the caller's transaction.

    The number is the transaction's first write (see web/services/numbering.py); when building or
    rendering fails the transaction is rolled back, the number with it."""
    office = _require_office(actor)
    year = today().year
    try:
        number = next_number(session, office.key, kind, year) if kind in NUMBERED else None
        doc_number = format_number(office.code(kind), year, number) if number is not None else None
        data = build(doc_number or "", number)
        content, template_id = render_docx(session, storage, office.key, kind, data, settings=settings)
        xlsx_sha = None
        if xlsx:
            from generators import kinds

            sheet = io.BytesIO()
            kinds.get(kind).render(data, sheet, fmt=".xlsx", settings=settings)
            xlsx_sha = storage.save_bytes(sheet.getvalue()).sha256
        title = str(data.get("title") or f"{office.region}{KIND_TITLES.get(kind, kind)}")
        doc = IssuedDocument(office=office.key, kind=kind, year=year, number=number, doc_number=doc_number,
                             title=title[:300], case_id=case.id if case else None, data=data,
                             docx_sha256=storage.save_bytes(content).sha256, xlsx_sha256=xlsx_sha,
                             template_id=template_id, issued_by_id=actor.id,
                             catalogue_version=case.catalogue_version if case else in_force(session)[1])
        session.add(doc)
        session.flush()
        return doc
    except BaseException:
        session.rollback()
        raise


# ---- the rectification notice -----------------------------------------------------------------

def _review_type(case: Case) -> str:
    reviews = confirmed_reviews(case)
    kinds = [t for t in ("材料审核", "现场审核") if reviews.get(t)]
    return "材料审核和现场审核" if len(kinds) == 2 else (kinds[0] if kinds else "材料审核")


def reviewer_of(case: Case, office_name: str) -> str:
    """Who actually reviewed the case, as the notice says “经{reviewer}{review_type}核查”: the experts whose
    review sheets were confirmed (at the stage the case is in), else the office itself — never an expert
    group that did not sit."""
    level = {"province_review": "省级复核", "city_review": "市级初审"}.get(case.stage or "", "")
    if any(confirmed_reviews(case).values()):
        return f"{level}专家组" if level else "审核专家组"
    return f"{office_name}{level}" if level else office_name


def _verdicts(case: Case) -> list[dict]:
    out = []
    for rows in confirmed_reviews(case).values():
        for row in rows:
            out += [v for v in (row.reading or {}).get("verdicts") or [] if v.get("verdict") == "不符合"]
    return out


def rectification_data(case: Case, actor: User, doc_number: str, contact: dict | None = None) -> dict:
    from generators.rectification_notice import rectification_notice_data

    if case.extraction is None:
        raise Conflict("申报材料尚未解析完成，暂不能出具整改通知书。", code="not_ready")
    office = office_of(actor)
    kept, confirmed = confirmed_and_kept(case)
    return rectification_notice_data(
        Extraction.from_dict(effective_extraction(case)), kept, as_of=today(), confirmed=confirmed,
        verdicts=_verdicts(case), issuer=office.name, issuer_mark=office.mark, doc_number=doc_number,
        reviewer=reviewer_of(case, office.name), review_type=_review_type(case),
        reapply_to=f"{case.county}生态环境主管部门" if case.county else "",
        contact={"name": (contact or {}).get("name") or "", "phone": (contact or {}).get("phone") or ""},
        copy_to=f"{case.county}生态环境主管部门" if case.county else "", printer=f"{office.name}办公室",
        print_date=today())


def rectification_draft(session: Session, storage: Storage, case: Case, actor: User, *,
                        settings: Settings | None = None) -> bytes:
    """The notice as it would be issued, without a number (for the office to read first)."""
    _require_office(actor)
    data = rectification_data(case, actor, "")
    content, _ = render_docx(session, storage, office_key(actor), "rectification-notice", data, city=None,
                             settings=settings)
    return content


def issue_rectification(session: Session, storage: Storage, case: Case, actor: User, reason: str,
                        contact: dict | None = None, *, settings: Settings | None = None) -> IssuedDocument:
    """Issue the notice with the next number and return the case for rectification with the calendar's deadline."""
    _require_office(actor)
    reason = (reason or "").strip()
    if not reason:
        raise BadInput("请填写退回整改的理由。", "no reason")
    why = why_not(STEPS["return"], case, actor)
    if why:
        raise Conflict(why, code="wrong_stage")
    doc = issue(session, storage, actor, "rectification-notice",
                lambda number, _n: rectification_data(case, actor, number, contact), case=case, settings=settings)
    deadline = doc.data.get("deadline")

    case.rectify_by = rectification_deadline()
    set_stage(session, case, "returned", actor, reason,
              f"{case.stage_label} → 退回整改，整改通知书 {doc.doc_number}，整改期限 {deadline}",
              {"from": case.stage, "to": "returned", "deadline": case.rectify_by.isoformat(),
               "document": doc.id})
    record(session, case, actor, "document_issued", f"整改通知书 {doc.doc_number}", reason=reason,
           data={"document": doc.id, "kind": doc.kind, "doc_number": doc.doc_number})
    create_items(session, case, doc)  # each item tracked to 销号 (web/services/rectification.py)
    session.commit()
    return doc


def create_items(session: Session, case: Case, notice: IssuedDocument) -> list[RectificationItem]:
    """One tracked item per shortfall of the issued notice, due by the case's rectification deadline."""
    items = [RectificationItem(case_id=case.id, version=case.version, notice_id=notice.id, number=n,
                               problem=str(s.get("problem") or ""), requirement=str(s.get("requirement") or ""),
                               source=str(s.get("source") or "")[:200], indicator=str(s.get("indicator") or "")[:80],
                               deadline=case.rectify_by, status="open")
             for n, s in enumerate((notice.data or {}).get("shortfalls") or [], start=1)]
    session.add_all(items)
    return items



# ---- the result notice ------------------------------------------------------------------------

def level_of(actor: User) -> str:
    return "province" if is_province(actor) else "city"


def publication_candidates(session: Session, actor: User) -> tuple[list[Case], list[Case]]:
    """(cases the actor's result notice lists, 涉密 cases it leaves out): the level's decided cases."""
    if is_province(actor):
        stmt = visible_cases(actor).where(Case.stage == "province_review", Case.decided_grade.in_(PROVINCE_GRADES))
    else:
        stmt = visible_cases(actor).where(Case.stage == "city_review", Case.decided_grade.in_(CITY_GRADES))
    cases = list(session.scalars(stmt.order_by(Case.county, Case.enterprise_name)))
    return [c for c in cases if not c.secret], [c for c in cases if c.secret]


def blocked_from_publication(session: Session, actor: User) -> list[tuple[Case, list[int]]]:
    """The cases the level's next notice would list (or leave out as 涉密) that have open blocking findings."""
    listed, secret = publication_candidates(session, actor)
    return [(c, ids) for c in listed + secret if (ids := [f["index"] for f in open_blocking(c, session)])]


def _annex_rows(session: Session, cases: list[Case]) -> list[dict[str, str]]:
    """The internal annex (内部附件, never published): every listed case decided or sent on despite open
    blocking findings, with each override's action, findings, reason, author and time."""
    rows = []
    for case in cases:
        for o in overrides_of(case, session):
            rows.append({"name": case.enterprise_name or f"案件{case.id}", "county": case.county or "",
                         "grade": case.decided_grade or "", "proposed": (case.proposal or {}).get("grade") or "无法建议",
                         "action": o["action"], "findings": "；".join(f.get("message") or "" for f in o["findings"]),
                         "reason": o["reason"], "by": o["by"], "at": local_time(o["at"])})
    return rows


def _result_notice(actor: User, office: Office, listed: list[Case], contact: dict | None, number: str) -> dict:
    from generators.result_notice import result_notice_data

    enterprises = [{"name": c.enterprise_name or f"案件{c.id}", "county": c.county or "", "industry": c.industry or "",
                    "grade": c.decided_grade, "secret": bool(c.secret)} for c in listed]
    return result_notice_data(
        enterprises, level=level_of(actor), region=office.region, year=today().year, issuer=office.name,
        issuer_mark=office.mark, doc_number=number, date_=today(), period_start=today(),
        contact={k: (contact or {}).get(k) or "" for k in ("unit", "name", "phone", "fax", "email")}
        | {"unit": (contact or {}).get("unit") or office.name},
        printer=f"{office.name}办公室", print_date=today())


def _nothing_to_publish(actor: User) -> Conflict:
    return Conflict("没有可以公示的案件：需要已确定等级、处于" + ("省级复核" if is_province(actor) else "市级初审")
                    + "阶段的案件。", code="nothing_to_publish")


def preview_results(session: Session, storage: Storage, actor: User, contact: dict | None = None, *,
                    settings: Settings | None = None) -> bytes:
    """The result notice as it would be published now, as a PDF (nothing is stored, no number is taken:
    the one shown is the next one free now)."""
    from generators.pdf import docx_to_pdf

    office = _require_office(actor)
    listed, _secret = publication_candidates(session, actor)
    if not listed:
        raise _nothing_to_publish(actor)
    year = today().year
    last = session.scalar(select(DocNumberCounter.last).where(
        DocNumberCounter.office == office.key, DocNumberCounter.kind == "result-notice", DocNumberCounter.year == year))
    number = format_number(office.code("result-notice"), year, (last or 0) + 1)  # likely, not taken
    docx, _ = render_docx(session, storage, office_key(actor), "result-notice",
                          _result_notice(actor, office, listed, contact, number), settings=settings)
    out = io.BytesIO()
    docx_to_pdf(lambda path: Path(path).write_bytes(docx), out, settings=settings)
    return out.getvalue()


def publish_results(session: Session, storage: Storage, actor: User, reason: str,
                    contact: dict | None = None, *, settings: Settings | None = None,
                    expected: int | None = None, override: bool = False) -> IssuedDocument:
    """Publish the level's result notice: the listed cases are published, 涉密 ones decided but never listed.
    `expected`: how many enterprises the person confirmed; a list that changed since is not published.
    A case with open blocking findings stops it (BlockingFindings) unless the office overrides them with
    the reason (`override`); the overrides on record go into the notice's internal annex (its .xlsx)."""
    from generators.result_notice import internal_annex_xlsx

    office = _require_office(actor)
    listed, secret = publication_candidates(session, actor)
    if not listed:
        raise _nothing_to_publish(actor)
    given = (reason or "").strip()
    blocked = blocked_from_publication(session, actor)
    if blocked and not override:
        names = "、".join(c.enterprise_name or f"案件{c.id}" for c, _ in blocked)
        total = sum(len(ids) for _, ids in blocked)
        error = BlockingFindings(f"{names}尚有 {total} 项阻断性问题未处理，不能公示。请先逐项确认、排除或更正；"
                                 "确需公示的，填写理由后越过。", [i for _, ids in blocked for i in ids])
        error.payload = {"open": error.open, "cases": {str(c.id): ids for c, ids in blocked}}
        raise error
    if expected is not None and expected < 1:
        raise BadInput(f"请先核对公示预览，并勾选“确认公示以上 {len(listed)} 家企业”。", "publication not confirmed")
    if expected is not None and expected != len(listed):
        raise Conflict(f"公示名单已变化：您确认的是 {expected} 家企业，现在是 {len(listed)} 家，请重新核对后再发布。",
                       code="list_changed")
    for case, _ids in blocked:
        require_resolved(session, case, actor, "列入结果公示", override=True, reason=given)
    reason = given or "绩效分级审核完成，向社会公示。"
    annex = _annex_rows(session, listed + secret)

    def build(number: str, _n):
        return _result_notice(actor, office, listed, contact, number) | {"internal_annex": annex}

    doc = issue(session, storage, actor, "result-notice", build, settings=settings)
    doc.xlsx_sha256 = storage.save_bytes(internal_annex_xlsx(doc.data)).sha256
    for case in listed:
        set_stage(session, case, "published", actor, reason, f"{case.stage_label} → 已公示（{doc.doc_number}）",
                  {"from": case.stage, "to": "published", "document": doc.id, "grade": case.decided_grade})
    for case in secret:
        set_stage(session, case, "decided", actor, "涉密企业，不予公示。",
                  f"{case.stage_label} → 已定级（涉密，未列入 {doc.doc_number}）",
                  {"from": case.stage, "to": "decided", "document": doc.id, "grade": case.decided_grade})
    session.commit()
    return doc


# ---- the weekly report ------------------------------------------------------------------------

def week_start_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekly_rows(session: Session, actor: User, week_start: date) -> list[dict[str, Any]]:
    """The cases the actor's city sent up to the province in the week (冀气领办〔2020〕94号 五 周报制度)."""
    start, end = utc_start_of(week_start), utc_start_of(week_start + timedelta(days=7))  # local midnights
    events: dict[int, CaseEvent] = {}
    for e in session.scalars(select(CaseEvent).where(CaseEvent.action == "stage", CaseEvent.at >= start,
                                                     CaseEvent.at < end).order_by(CaseEvent.id)):
        if (e.data or {}).get("to") == "province_review":
            events.setdefault(e.case_id, e)
    if not events:
        return []
    cases = session.scalars(visible_cases(actor).where(and_(Case.id.in_(list(events)))).order_by(Case.id))
    out = []
    for case in cases:
        at = localize(events[case.id].at)
        out.append({"enterprise_name": case.enterprise_name or "", "county": case.county or "",
                    "industry": case.industry or "", "applied_grade": case.applied_grade or "",
                    "proposed_grade": case.decided_grade or "", "reviewed_on": at.date().isoformat(),
                    "status": case.stage_label, "note": "涉密" if case.secret else ""})
    return out


def issue_weekly_report(session: Session, storage: Storage, actor: User, week_start: date, *,
                        settings: Settings | None = None) -> IssuedDocument:
    from generators.weekly_report import weekly_report_data

    office = _require_office(actor)
    if is_province(actor):
        raise Forbidden("周报由市级大气办报送省大气办。")
    rows = weekly_rows(session, actor, week_start)
    doc = issue(session, storage, actor, "weekly-report",
                lambda _number, n: weekly_report_data(rows, city=office.region, week_start=week_start,
                                                      unit=office.air_office, number=n or "", date_=today())
                | {"title": f"{office.region}绩效分级初审情况周报（第{n}期）"}, xlsx=True, settings=settings)
    session.commit()
    return doc


# ---- the contact form ---------------------------------------------------------------------------

PERSON_KEYS = ("name", "unit", "post", "office_phone", "mobile", "email")
GROUP_KEYS = ("grading", "compilation", "assistance")


def parse_people(text: str) -> list[dict[str, str]]:
    """One person a line: 姓名，单位，职务，办公电话，手机，电子邮箱 (comma, 、 or tab separated)."""
    people = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in re.split(r"[,，\t、;；]", line)]
        parts += [""] * (len(PERSON_KEYS) - len(parts))
        people.append(dict(zip(PERSON_KEYS, parts[:len(PERSON_KEYS)], strict=True)))
    return people


def contact_form_data(actor: User, leaders: dict[str, dict], groups: dict[str, str]) -> dict:
    office = office_of(actor)
    data = {"city": office.region, "unit": office.air_office, "date": today().isoformat(),
            "groups": {k: parse_people(groups.get(k, "")) for k in GROUP_KEYS}}
    for key in ("head", "deputy", "liaison"):
        person = leaders.get(key) or {}
        data[key] = {k: str(person.get(k) or "").strip() for k in PERSON_KEYS}
    if not data["liaison"]["name"]:
        raise BadInput("请至少填写联络人的姓名和联系方式。", "no liaison")
    data["title"] = f"{office.region}应急减排清单和绩效分级工作联络表"
    return data


def issue_contact_form(session: Session, storage: Storage, actor: User, data: dict, *,
                       settings: Settings | None = None) -> IssuedDocument:
    doc = issue(session, storage, actor, "contact-form", lambda _number, _n: data, xlsx=True, settings=settings)
    session.commit()
    return doc


def last_contact_form(session: Session, actor: User) -> IssuedDocument | None:
    return session.scalar(select(IssuedDocument).where(
        IssuedDocument.office == office_key(actor), IssuedDocument.kind == "contact-form")
        .order_by(IssuedDocument.id.desc()).limit(1))


# ---- downloads ----------------------------------------------------------------------------------

def issued_by_office(session: Session, actor: User, kinds: tuple[str, ...] | None = None) -> list[IssuedDocument]:
    stmt = select(IssuedDocument).where(IssuedDocument.office == office_key(actor))
    if kinds:
        stmt = stmt.where(IssuedDocument.kind.in_(kinds))
    return list(session.scalars(stmt.order_by(IssuedDocument.id.desc()).limit(200)))


def may_read(session: Session, actor: User, doc: IssuedDocument) -> bool:
    """A case's document: whoever sees the case; an office document: its office, and the province."""
    if doc.case_id is not None:
        return get_visible_case(session, actor, doc.case_id) is not None
    return actor.role == "office" and (doc.office == office_key(actor) or is_province(actor))


def get_readable(session: Session, actor: User, doc_id: int) -> IssuedDocument:
    doc = session.get(IssuedDocument, doc_id)
    if doc is None or not may_read(session, actor, doc):
        raise NotFound("没有这份文书，或您无权查看。")
    return doc


def content(session: Session, storage: Storage, doc: IssuedDocument, fmt: str, *,
            settings: Settings | None = None) -> tuple[bytes, str]:
    """(bytes, mimetype) of an issued document as .docx, .xlsx or .pdf (converted once, then kept)."""
    if fmt == "docx":
        sha, mimetype = doc.docx_sha256, DOCX
    elif fmt == "xlsx" and doc.xlsx_sha256:
        sha, mimetype = doc.xlsx_sha256, XLSX
    elif fmt == "pdf":
        if not doc.pdf_sha256:
            from generators.pdf import docx_to_pdf

            with storage.open(doc.docx_sha256) as fh:
                docx = fh.read()
            out = io.BytesIO()
            try:
                docx_to_pdf(lambda path: Path(path).write_bytes(docx), out, settings=settings)
            except GradedeskError:
                raise
            doc.pdf_sha256 = storage.save_bytes(out.getvalue()).sha256
            session.commit()
        sha, mimetype = doc.pdf_sha256, "application/pdf"
    else:
        raise NotFound(f"这份文书没有 .{fmt} 格式。")
    with storage.open(sha) as fh:
        return fh.read(), mimetype


def download_name(doc: IssuedDocument, fmt: str) -> str:
    label = KIND_TITLES.get(doc.kind, doc.kind)
    return f"{label}-{doc.doc_number or doc.id}.{fmt}"
