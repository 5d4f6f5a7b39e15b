"""Moving test cases along the procedure through the services (the pages and API call the same)."""

from __future__ import annotations

import io

from sqlalchemy import select

from tests.web.support import fill_review_sheet
from web.db import get_db
from web.models import Case, User
from web.storage import Storage


def user(session, name: str) -> User:
    return session.scalar(select(User).where(User.username == name))


def step(app, case_id: int, username: str, key: str, reason: str = "") -> Case:
    from web.services.procedure import move

    with app.app_context(), get_db(app).session() as s:
        return move(s, s.get(Case, case_id), key, user(s, username), reason)


def resolve_blocking(app, case_id: int, username: str = "clerk", decision: str = "confirmed",
                     reason: str = "已核实，企业补充材料后整改") -> list[int]:
    """Decide on every open blocking finding of the case (as the clerk who checked them would) → their indices."""
    from web.services.findings import decide_finding, open_blocking

    with app.app_context(), get_db(app).session() as s:
        case = s.get(Case, case_id)
        done = []
        for f in open_blocking(case, s):
            decide_finding(s, case, f["index"], f["rule"], decision, reason, user(s, username))
            done.append(f["index"])
        return done


def assign(app, case_id: int, expert: str = "expert", office: str = "office") -> None:
    from web.services.cases import assign_expert

    with app.app_context(), get_db(app).session() as s:
        assign_expert(s, s.get(Case, case_id), expert, user(s, office))


def review_sheet(app, case_id: int, review_type: str = "材料审核") -> bytes:
    from web.services.documents import render

    with app.app_context(), get_db(app).session() as s:
        return render(s.get(Case, case_id), "review-sheet", "docx", storage=Storage(app.config["GRADEDESK_DATA_DIR"]),
                      review_type=review_type).content


def confirm_review(app, case_id: int, review_type: str = "材料审核", grade: str = "B", expert: str = "expert",
                   failed: dict[str, str] | None = None) -> int:
    from web.services import review_sheets

    content = fill_review_sheet(review_sheet(app, case_id, review_type), grade=grade, failed=failed)
    with app.app_context(), get_db(app).session() as s:
        case = s.get(Case, case_id)
        row = review_sheets.upload_sheet(s, Storage(app.config["GRADEDESK_DATA_DIR"]), case, user(s, expert),
                                         "审核表.docx", io.BytesIO(content))
        review_sheets.confirm(s, case, row, user(s, expert), review_type)
        return row.id


def decide(app, case_id: int, grade: str, office: str = "office", reason: str = "专家审核意见一致") -> None:
    from web.services.procedure import decide_grade

    with app.app_context(), get_db(app).session() as s:
        decide_grade(s, s.get(Case, case_id), grade, user(s, office), reason)


def to_city_review(app, case_id: int) -> None:
    resolve_blocking(app, case_id)
    step(app, case_id, "clerk", "collect")
    step(app, case_id, "office", "start_city_review")


def to_province(app, case_id: int, grade: str = "B") -> None:
    to_city_review(app, case_id)
    assign(app, case_id)
    confirm_review(app, case_id, "材料审核", grade)
    confirm_review(app, case_id, "现场审核", grade)
    decide(app, case_id, grade)
    step(app, case_id, "office", "send_to_province")


def get_case(app, case_id: int) -> Case:
    with get_db(app).session() as s:
        case = s.get(Case, case_id)
        case.events, case.files, case.content  # noqa: B018 - loaded before the session closes
        return case
