"""Synonyms learnt from corrections: a clerk's filing of a value under a field proposes the label beside it;
the province's office accepts or rejects; the accepted set is versioned data the next extraction uses.

A proposal is one row per field and label as compared (forms.synonyms.label_form), with a sighting per case
that gave it. Every acceptance, withdrawal or import is a new version of the accepted set (SynonymVersion);
extraction jobs take the set in force (`in_force`) and the extraction cache keys results by it. One set
for the deployment, decided at province level (as the grading catalogue): city offices read the page.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from forms import synonyms as data
from forms.errors import BadInput
from forms.fields import FIELDS
from web.db import insert_unless_taken
from web.errors import Conflict, Forbidden, NotFound
from web.models import Case, SynonymProposal, SynonymSighting, SynonymVersion, User, utcnow
from web.services.access import visibility
from web.services.offices import is_province

log = logging.getLogger(__name__)


def may_decide(user: User) -> bool:
    """Accept, reject, withdraw, import: the province's office (one set of synonyms for the province)."""
    return user.role == "office" and is_province(user)


def _require_decider(user: User) -> None:
    if not may_decide(user):
        raise Forbidden("只有省级大气办可以处理同义词。")


# ---- proposals ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Proposed:
    """What filing a value did to the synonyms: the proposal it counts towards, or why none."""

    proposal: SynonymProposal | None
    refused: str | None = None


def propose(session: Session, case: Case, key: str, label: str, value: str | None, source: dict | None,
            actor: User, *, via: str, ref: str | None = None) -> Proposed:
    """Record `label` (read beside `value` in the case's bundle) as a proposed synonym of field `key`; the
    same label and field again count one more case (a rejected one stays rejected, a withdrawn one is pending
    again). Refused labels (forms.synonyms.refusal) and labels already accepted for the field are not
    proposed. The caller commits."""
    label = (label or "").strip().rstrip(":：")
    why = data.refusal(label, key, value)
    form = data.label_form(label)
    row = session.scalar(select(SynonymProposal).where(SynonymProposal.field == key,
                                                       SynonymProposal.label_key == form)) if not why else None
    if row is not None and row.status == "accepted":
        why = f"该标签已采纳为“{FIELDS[key].label}”的同义词"
    if why:
        log.info("case %s: label %r not proposed for %s: %s", case.id, label, key, why)
        return Proposed(None, why)
    if row is None:  # two clerks may file the same new label at the same moment: one row for both
        insert_unless_taken(session, SynonymProposal, field=key, label=label[:120], label_key=form[:120],
                            status="pending")
        row = session.scalar(select(SynonymProposal).where(SynonymProposal.field == key,
                                                           SynonymProposal.label_key == form[:120]))
    elif row.status == "withdrawn":
        row.status, row.decided_by_id, row.decided_at, row.reason = "pending", None, None, None
    insert_unless_taken(session, SynonymSighting, proposal_id=row.id, case_id=case.id, version=case.version or 1,
                        label=label[:120], value=(value or "")[:500] or None, source=source, ref=ref, via=via,
                        proposed_by_id=actor.id)
    session.expire(row, ["sightings"])
    return Proposed(row)


def unassigned_matching(extraction: dict | None, key: str, value) -> list[tuple[int, dict]]:
    """The unassigned facts (index, fact) whose value, read as field `key`, is `value`."""
    spec = FIELDS.get(key)
    if spec is None or value is None:
        return []
    out = []
    for i, item in enumerate((extraction or {}).get("unassigned") or []):
        if isinstance(item, dict) and item.get("label") and spec.normalise(str(item.get("value") or "")) == value:
            out.append((i, item))
    return out


def misread_matching(extraction: dict | None, key: str, value) -> list[tuple[str, dict]]:
    """(that field, fact) of the facts read for another field (its candidates, with the label they were read
    under) whose value, read as field `key`, is `value`: a label the engine took for the wrong field."""
    spec = FIELDS.get(key)
    if spec is None or value is None:
        return []
    out = []
    for other, facts in ((extraction or {}).get("candidates") or {}).items():
        if other == key or not isinstance(facts, list):
            continue
        out += [(other, fact) for fact in facts if isinstance(fact, dict) and fact.get("label")
                and spec.normalise(str(fact.get("value") or "")) == value]
    return out


# ---- the office's decisions ---------------------------------------------------------------------


def current_version(session: Session) -> int:
    return session.scalar(select(func.max(SynonymVersion.number))) or 0


def _new_version(session: Session, actor: User, action: str, detail: str, proposal: SynonymProposal | None) -> int:
    number = current_version(session) + 1
    session.add(SynonymVersion(number=number, action=action, detail=detail, actor_id=actor.id,
                               proposal_id=proposal.id if proposal else None))
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict("另一位用户刚刚修改了同义词，请刷新页面后重试。") from None
    return number


def _get(session: Session, proposal_id: int) -> SynonymProposal:
    row = session.get(SynonymProposal, proposal_id)
    if row is None:
        raise NotFound("没有这条同义词建议。")
    return row


def _describe(row: SynonymProposal) -> str:
    return f"“{row.label}”→“{FIELDS[row.field].label if row.field in FIELDS else row.field}”"


def accept(session: Session, actor: User, proposal_id: int, reason: str = "") -> int:
    """Accept a pending (or rejected) proposal: the next extraction takes the label; the new version."""
    _require_decider(actor)
    row = _get(session, proposal_id)
    if row.status == "accepted":
        raise Conflict("该同义词已采纳。")
    why = data.refusal(row.label, row.field)
    if why:
        raise Conflict(f"不能采纳：{why}。")
    row.status, row.decided_by_id, row.decided_at = "accepted", actor.id, utcnow()
    row.reason = (reason or "").strip()[:500] or None
    number = _new_version(session, actor, "accepted", f"采纳 {_describe(row)}", row)
    session.commit()
    log.info("synonym %s accepted by %s: version %s", _describe(row), actor.username, number)
    return number


def reject(session: Session, actor: User, proposal_id: int, reason: str) -> None:
    """不采纳, with the reason; the set in force does not change (no new version)."""
    _close(session, actor, proposal_id, reason, "pending", "rejected")
    session.commit()


def withdraw(session: Session, actor: User, proposal_id: int, reason: str) -> int:
    """Withdraw an accepted synonym (with the reason): the next extraction no longer takes it."""
    row = _close(session, actor, proposal_id, reason, "accepted", "withdrawn")
    number = _new_version(session, actor, "withdrawn", f"撤销 {_describe(row)}：{row.reason[:200]}", row)
    session.commit()
    return number


_VERBS = {"rejected": "不采纳", "withdrawn": "撤销"}


def _close(session: Session, actor: User, proposal_id: int, reason: str, was: str, status: str) -> SynonymProposal:
    """A proposal in state `was` set to `status` by the office, with its reason (required)."""
    _require_decider(actor)
    reason = (reason or "").strip()
    if not reason:
        raise BadInput(f"请填写{_VERBS[status]}的理由。", f"{status} without reason")
    row = _get(session, proposal_id)
    if row.status != was:
        raise Conflict(f"该建议{row.status_label}，不能{_VERBS[status]}。")
    row.status, row.decided_by_id, row.decided_at, row.reason = status, actor.id, utcnow(), reason[:500]
    return row


# ---- the set in force, export, import -----------------------------------------------------------


def in_force(session: Session) -> data.SynonymSet:
    """The accepted synonyms and their version (what extraction jobs pass to the label engine)."""
    rows = session.scalars(select(SynonymProposal).where(SynonymProposal.status == "accepted")
                           .options(selectinload(SynonymProposal.decided_by)).order_by(SynonymProposal.id))
    return data.SynonymSet(current_version(session), tuple(
        data.Synonym(r.field, r.label, r.decided_by.username if r.decided_by else None,
                     r.decided_at.isoformat(timespec="seconds") + "Z" if r.decided_at else None) for r in rows))


def import_file(session: Session, actor: User, filename: str, content: bytes) -> tuple[int, int | None]:
    """Accept every synonym of an exported file not accepted yet (one new version for them all): (how many
    were added, the new version or None when nothing changed). BadInput for a file that is wrong anywhere."""
    _require_decider(actor)
    incoming = data.parse(content, filename)
    added = []
    for synonym in incoming.synonyms:
        form = data.label_form(synonym.label)
        row = session.scalar(select(SynonymProposal).where(SynonymProposal.field == synonym.key,
                                                           SynonymProposal.label_key == form))
        if row is not None and row.status == "accepted":
            continue
        if row is None:
            row = SynonymProposal(field=synonym.key, label=synonym.label[:120], label_key=form[:120])
            session.add(row)
        row.status, row.decided_by_id, row.decided_at = "accepted", actor.id, utcnow()
        row.reason = f"从文件 {filename[:100]} 导入"
        added.append(row)
    if not added:
        return 0, None
    session.flush()
    names = "、".join(_describe(r) for r in added[:10]) + ("……" if len(added) > 10 else "")
    number = _new_version(session, actor, "imported", f"从文件 {filename[:100]} 导入 {len(added)} 条：{names}", None)
    session.commit()
    return len(added), number


# ---- what the page shows ------------------------------------------------------------------------


@dataclass
class ProposalView:
    row: SynonymProposal
    field_label: str
    cases: int
    example: SynonymSighting | None  # the newest sighting in a case this user may see


def proposals(session: Session, user: User, statuses: tuple[str, ...]) -> list[ProposalView]:
    rows = list(session.scalars(select(SynonymProposal).where(SynonymProposal.status.in_(statuses))
                                .options(selectinload(SynonymProposal.decided_by))
                                .order_by(SynonymProposal.id)))
    if not rows:
        return []
    ids = [r.id for r in rows]
    counts = dict(session.execute(select(SynonymSighting.proposal_id, func.count(func.distinct(SynonymSighting.case_id)))
                                  .where(SynonymSighting.proposal_id.in_(ids)).group_by(SynonymSighting.proposal_id)).all())
    visible = select(Case.id).where(visibility(user))
    examples: dict[int, SynonymSighting] = {}
    for sighting in session.scalars(select(SynonymSighting).where(SynonymSighting.proposal_id.in_(ids),
                                                                  SynonymSighting.case_id.in_(visible))
                                    .order_by(SynonymSighting.id)):
        examples[sighting.proposal_id] = sighting
    out = [ProposalView(r, FIELDS[r.field].label if r.field in FIELDS else r.field, counts.get(r.id, 0),
                        examples.get(r.id)) for r in rows]
    out.sort(key=lambda v: (-v.cases, v.row.id))
    return out


def versions(session: Session, limit: int = 50) -> list[SynonymVersion]:
    return list(session.scalars(select(SynonymVersion).options(selectinload(SynonymVersion.actor))
                                .order_by(SynonymVersion.number.desc()).limit(limit)))
