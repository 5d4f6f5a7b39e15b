"""The official notice 通知 in 文件格式 (GB/T 9704-2012): any text an office writes.

The data is the notice itself (`gradedesk generate notice --example` prints one); the
office's document number comes in as `doc_number` (the web app allocates it).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import IO, Any

from generators.docx_render import find_template, render_docx, require_keys
from generators.official import COMMON_KEYS, attachment_names, body_paragraphs, official_context

KIND = "notice"
TEMPLATE = "notice.docx"
KEYS = (*COMMON_KEYS, "body", "attachments")


def notice_context(data: Mapping[str, Any]) -> dict[str, Any]:
    require_keys(data, KEYS, what="通知数据")
    context = official_context(data)
    context["body"] = body_paragraphs(data["body"])
    context["attachments"] = attachment_names(data["attachments"])
    return context


def render_notice(data: Mapping[str, Any], out: str | os.PathLike | IO[bytes],
                  template: str | os.PathLike | None = None) -> None:
    render_docx(find_template(TEMPLATE, template), notice_context(data), out)


def example_data() -> dict[str, Any]:
    return {
        "issuer_mark": "示例市大气污染防治工作领导小组办公室文件",
        "doc_number": "示气领办〔2020〕12号",
        "title": "关于做好2020年重点行业绩效分级和应急减排清单修订工作的通知",
        "addressees": "各县（市、区）人民政府，市直有关部门",
        "body": [
            "为贯彻落实《重污染天气重点行业应急减排措施制定技术指南（2020年修订版）》（环办大气函〔2020〕340号）"
            "和省大气办有关要求，精准开展绩效评级工作，现将有关事项通知如下：",
            "一、高度重视绩效评级工作",
            "各县（市、区）要在去年绩效分级工作基础上，完善领导小组，制定实施方案，明确工作内容，建立工作台账，"
            "确保在规定时间内高质量完成绩效分级和应急减排清单修订工作。",
            "二、严格把关确保精准分级",
            "（一）加强源头控制。要求企业在提交申报材料时做到真实、完整和规范，存在弄虚作假问题的，经查实后直接降为最低等级。",
            "（二）严格审核程序。按照材料审核和现场审核相结合的原则，对照绩效评级指标逐项审核，"
            "A、B级和引领性企业初审结果由初审专家和参与人员签字后上报。",
            "三、按时完成应急减排清单编制",
            "各县（市、区）于7月20日前报送联络表，9月20日前完成所辖工业企业绩效评级和应急减排清单修订工作。",
        ],
        "attachments": ["应急减排清单和绩效分级工作联络表", "企业绩效分级专家审核表"],
        "signature": "示例市大气污染防治工作领导小组办公室",
        "date": "2020-07-10",
        "note": "此件公开发布",
        "copy_to": "省大气污染防治工作领导小组办公室，市生态环境局",
        "printer": "示例市大气污染防治工作领导小组办公室",
        "print_date": "2020-07-10",
    }
