"""The contact form 应急减排清单和绩效分级工作联络表 (冀气领办〔2020〕94号 六 and 附件3), city → province.

One row per person: the 主管负责人, 分管负责人 and 联络人, then the members of the
grading (绩效分级), list-compilation (清单编制) and technical-help (技术帮扶) groups,
each with unit, post, office phone, mobile and e-mail. As .docx (landscape table) and
.xlsx.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from generators.document_kind import DOCX, PDF, XLSX, DocumentKind, Output
from generators.docx_render import key_problems, missing_keys_error
from generators.text import cn_date

KIND = "contact-form"
TEMPLATE = "contact_form.docx"
PERSON_KEYS = ("name", "unit", "post", "office_phone", "mobile", "email")
LEADERS = (("head", "主管负责人"), ("deputy", "分管负责人"), ("liaison", "联络人"))
GROUPS = (("grading", "绩效分级组"), ("compilation", "清单编制组"), ("assistance", "技术帮扶组"))
KEYS = ("city", "unit", "date", *(key for key, _ in LEADERS), "groups")
HEADER = ("类别", "姓名", "单位", "职务", "办公电话", "手机", "电子邮箱")


class ContactForm(DocumentKind):
    formats = (DOCX, PDF, XLSX)

    def context(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """`city`, `unit`, `date` and `rows` of {label, members} groups (each group's label
        merged over its members)."""
        problems = key_problems(data, KEYS, mapping_keys={key: PERSON_KEYS for key, _ in LEADERS})
        groups = data.get("groups", {}) if isinstance(data, Mapping) else {}
        if not isinstance(groups, Mapping):
            raise missing_keys_error(["groups（应为对象：grading、compilation、assistance）"], "联络表数据")
        problems += [f"groups.{key}" for key, _ in GROUPS if key not in groups]
        for key, _ in GROUPS:
            members = groups.get(key, [])
            if not isinstance(members, list):
                problems.append(f"groups.{key}（应为列表）")
                continue
            problems += [f"groups.{key}[{i}].{k}" for i, m in enumerate(members) for k in PERSON_KEYS
                         if not isinstance(m, Mapping) or k not in m]
        if problems:
            raise missing_keys_error(problems, "联络表数据")
        rows = [{"label": label, "members": [_person(data[key])]} for key, label in LEADERS]
        for key, label in GROUPS:
            members = [_person(m) for m in groups[key]] or [_person({})]
            rows.append({"label": label, "members": members})
        return {"city": str(data["city"]), "unit": str(data["unit"]), "date": cn_date(data["date"]), "rows": rows}

    def render_xlsx(self, data: Mapping[str, Any], out: Output) -> None:
        from generators.sheets import write_sheets

        context = self.context(data)
        rows = [[group["label"] if i == 0 else "", *(m[k] for k in PERSON_KEYS)]
                for group in context["rows"] for i, m in enumerate(group["members"])]
        write_sheets(out, [{
            "name": "联络表", "title": f"{context['city']}应急减排清单和绩效分级工作联络表",
            "lead": [f"填报单位（盖章）：{context['unit']}　　填报日期：{context['date']}"],
            "header": HEADER, "widths": [14, 10, 28, 16, 16, 16, 26], "rows": rows}])


CONTACT_FORM = ContactForm(KIND, "应急减排清单和绩效分级工作联络表", TEMPLATE)


def _person(person: Mapping[str, Any]) -> dict[str, str]:
    return {k: str(person.get(k) or "") for k in PERSON_KEYS}
