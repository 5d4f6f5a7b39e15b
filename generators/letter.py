"""The letter 函 in 信函格式 (GB/T 9704-2012 10.1): any text an office writes to another body.

Red issuer mark 30 mm from the page's top edge, red double rules, the document number
flush right under the top rule, no page number on the first page; the end block is the
抄送 line alone.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import IO, Any

from generators.docx_render import find_template, render_docx, require_keys
from generators.official import COMMON_KEYS, attachment_names, body_paragraphs, official_context

KIND = "letter"
TEMPLATE = "letter.docx"
KEYS = (*COMMON_KEYS, "body", "attachments")


def letter_context(data: Mapping[str, Any]) -> dict[str, Any]:
    require_keys(data, KEYS, what="函数据")
    context = official_context(data)
    context["body"] = body_paragraphs(data["body"])
    context["attachments"] = attachment_names(data["attachments"])
    return context


def render_letter(data: Mapping[str, Any], out: str | os.PathLike | IO[bytes],
                  template: str | os.PathLike | None = None) -> None:
    render_docx(find_template(TEMPLATE, template), letter_context(data), out)


def example_data() -> dict[str, Any]:
    return {
        "issuer_mark": "示例市生态环境局",
        "doc_number": "示环函〔2020〕15号",
        "title": "关于报送示例市应急减排清单和绩效分级工作联络表的函",
        "addressees": "省大气污染防治工作领导小组办公室",
        "body": [
            "根据《关于做好2020年绩效分级和应急减排清单修订工作的通知》（冀气领办〔2020〕94号）要求，"
            "我市已成立重点行业绩效分级工作领导小组，明确了主管负责人、分管负责人和联络人，"
            "以及绩效分级、清单编制、技术帮扶组成员。现将联络表报送你办，请予审阅。",
            "特此函告。",
        ],
        "attachments": ["示例市应急减排清单和绩效分级工作联络表"],
        "signature": "示例市生态环境局",
        "date": "2020-07-18",
        "note": "联系人：张某，电话：0311-12345678",
        "copy_to": "示例市大气污染防治工作领导小组办公室",
        "printer": "",
        "print_date": "",
    }
