"""The registry of the kinds of generated document: the one place the command line, the web app
and issuing find a kind by its docs/cli.md name.

    from generators import kinds
    kind = kinds.get("result-notice")
    kind.render(data, "公示.pdf")                        # format from the suffix
    kind.example()                                       # a complete sample of the data
    kind.check_uploaded_template(path)                   # refuse an office's broken template
    kinds.get("review-sheet").data_from_case(extraction, findings, as_of=day)   # case kinds

The data of each kind is plain JSON (`gradedesk generate KIND --example`); document numbers
(文号) are part of the data — they are allocated by the web app, never here.
"""

from __future__ import annotations

from forms.errors import BadInput
from generators.contact_form import CONTACT_FORM
from generators.document_kind import CaseKind, DocumentKind
from generators.free_text import LETTER, NOTICE
from generators.rectification_notice import RECTIFICATION_NOTICE
from generators.reduction_list import REDUCTION_LIST
from generators.result_notice import RESULT_NOTICE
from generators.review_sheet import REVIEW_SHEET
from generators.weekly_report import WEEKLY_REPORT

KINDS: dict[str, DocumentKind] = {k.name: k for k in (
    CONTACT_FORM, REVIEW_SHEET, RECTIFICATION_NOTICE, RESULT_NOTICE, NOTICE, LETTER, WEEKLY_REPORT, REDUCTION_LIST,
)}
CASE_KINDS: tuple[str, ...] = tuple(name for name, k in KINDS.items() if isinstance(k, CaseKind))


def get(name: str) -> DocumentKind:
    """The kind called `name`; BadInput listing the kinds for an unknown one."""
    if name not in KINDS:
        raise BadInput(f"未知的文书类型“{name}”。可选：{'、'.join(KINDS)}。")
    return KINDS[name]
