"""The official documents whose body an office writes itself: the notice 通知 and the letter 函.

Both are one kind with two layouts (GB/T 9704-2012): the notice in 文件格式, the letter in
信函格式 (red issuer mark 30 mm from the page's top edge, red double rules, the document
number flush right under the top rule, no page number on the first page, an end block of
the 抄送 line alone). The layouts live in their templates; the data is the same, and the
office's document number comes in as `doc_number` (the web app allocates it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from generators.document_kind import DocumentKind
from generators.docx_render import require_keys
from generators.official import COMMON_KEYS, attachment_names, body_paragraphs, official_context

KEYS = (*COMMON_KEYS, "body", "attachments")


class FreeText(DocumentKind):
    """A notice or a letter: the official elements, the body's paragraphs and the attachments."""

    official = True

    def __init__(self, name: str, title: str, template: str, what: str):
        super().__init__(name, title, template)
        self.what = what  # how error messages name the data

    def context(self, data: Mapping[str, Any]) -> dict[str, Any]:
        require_keys(data, KEYS, what=self.what)
        context = official_context(data)
        context["body"] = body_paragraphs(data["body"])
        context["attachments"] = attachment_names(data["attachments"])
        return context


NOTICE = FreeText("notice", "通知", "notice.docx", "通知数据")
LETTER = FreeText("letter", "函", "letter.docx", "函数据")
