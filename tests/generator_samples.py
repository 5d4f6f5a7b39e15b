"""The inputs the example documents of generators/examples/ were made from: a fictitious
foundry's extraction and findings, a province's enterprises, a city's week of first reviews.

tests/test_generators_documents.py checks that the data functions still turn these into
exactly the example files, so the examples cannot drift from what a case gives.
"""

from __future__ import annotations

from typing import Any

from forms.facts import DocumentResult, Extraction, Fact, Finding, Source


def foundry_extraction() -> Extraction:
    def fact(key: str, value: Any, cell: str) -> Fact:
        return Fact(key, value, str(value), 0.98, Source("申报表.docx", cell=cell), "application_form")

    facts = [
        fact("enterprise_name", "示例铸造有限公司", "表1第1行第2列"),
        fact("credit_code", "91130200699229617X", "表1第2行第2列"),
        fact("county", "示例县", "表1第3行第2列"),
        fact("industry", "铸造", "表1第4行第2列"),
        fact("applied_grade", "B", "表1第5行第2列"),
        fact("main_products", "灰铸铁件", "表2第1行第2列"),
        fact("design_capacity", "3万吨/年", "表2第2行第2列"),
        fact("cems_installed", True, "表4第1行第2列"),
        fact("cems_networked", True, "表4第2行第2列"),
        fact("eia_approval_number", "冀环评〔2018〕123号", "表5第1行第2列"),
        fact("permit_number", "91130200699229617X001P", "表5第2行第2列"),
        fact("permit_valid_until", "2023-12-31", "表5第3行第2列"),
        fact("dedicated_env_staff", True, "表5第4行第2列"),
        fact("gate_system", True, "表6第1行第2列"),
    ]
    report = {"file": "监测报告.pdf", "page": 3, "cell": None, "bbox": None}
    ledger = {"file": "运输车辆台账.pdf", "page": 1, "cell": None, "bbox": None}
    tables = {
        "treatment_facilities": [
            {"process": "熔化", "facility": "袋式除尘器", "technology": "袋式除尘",
             "source_ref": {"file": "申报表.docx", "page": None, "cell": "表3", "bbox": None}}],
        "emissions": [
            {"outlet_id": "DA001", "source": "熔化工序", "pollutant": "颗粒物", "concentration_mg_m3": 6.3,
             "limit_mg_m3": 10, "source_ref": report},
            {"outlet_id": "DA001", "source": "熔化工序", "pollutant": "二氧化硫", "concentration_mg_m3": 12,
             "limit_mg_m3": 50, "source_ref": report}],
        "vehicles": [
            {"plate": plate, "vin": None, "emission_stage": stage, "registration_date": None, "source_ref": ledger}
            for plate, stage in (("冀B12345", "国六"), ("冀B23456", "国五"), ("冀B34567", "新能源"),
                                 ("冀B45678", "国四"))],
    }
    return Extraction([DocumentResult("申报表.docx", "", "application_form", "docx", facts=facts, tables=tables)])


def foundry_findings() -> list[Finding]:
    return [
        Finding("transport:clean_share", "warning", "国五及以上（含燃气）和新能源运输车辆占75%，请对照B级运输方式要求核实。",
                [Source("运输车辆台账.pdf", page=1)]),
        Finding("missing_field:video_monitoring", "note", "申报表未填写是否安装视频监控。",
                [Source("申报表.docx", cell="表6")]),
    ]


def province_enterprises() -> list[dict[str, Any]]:
    return [
        {"name": "示例钢铁集团有限公司", "county": "示例县", "industry": "长流程联合钢铁", "grade": "A"},
        {"name": "示例铸造有限公司", "county": "示例县", "industry": "铸造", "grade": "B"},
        {"name": "示例玻璃股份有限公司", "county": "东城区", "industry": "玻璃", "grade": "B"},
        {"name": "示例水泥粉磨有限公司", "county": "西城区", "industry": "水泥", "grade": "引领性"},
        {"name": "示例焦化有限公司", "county": "东城区", "industry": "焦化", "grade": "B-"},
        {"name": "某军工配套铸造厂", "county": "示例县", "industry": "铸造", "grade": "B", "secret": True},
        {"name": "示例砖瓦有限公司", "county": "西城区", "industry": "砖瓦窑", "grade": "C"},
    ]


def week_cases() -> list[dict[str, Any]]:
    return [
        {"enterprise_name": "示例铸造有限公司", "county": "示例县", "industry": "铸造", "applied_grade": "B",
         "proposed_grade": "B", "reviewed_on": "2020-08-18", "status": "初审通过，待省级复核", "note": ""},
        {"enterprise_name": "示例钢铁集团有限公司", "county": "东城区", "industry": "长流程联合钢铁",
         "applied_grade": "A", "proposed_grade": "A", "reviewed_on": "2020-08-19", "status": "初审通过，待省级复核",
         "note": "已完成现场核验"},
        {"enterprise_name": "示例水泥粉磨有限公司", "county": "西城区", "industry": "水泥", "applied_grade": "引领性",
         "proposed_grade": "", "reviewed_on": "2020-08-20", "status": "需整改", "note": "整改期限2020年9月15日"},
        {"enterprise_name": "示例砖瓦有限公司", "county": "西城区", "industry": "砖瓦窑", "applied_grade": "C",
         "proposed_grade": "C", "reviewed_on": "2020-08-19", "status": "初审通过", "note": ""},
        {"enterprise_name": "示例玻璃股份有限公司", "county": "东城区", "industry": "玻璃", "applied_grade": "B",
         "proposed_grade": "B", "reviewed_on": "2020-08-10", "status": "初审通过", "note": ""},
    ]


def examples_from_inputs() -> dict[str, dict[str, Any]]:
    """The examples of the kinds made by a data function, made again from the inputs above."""
    from datetime import date

    from generators.rectification_notice import rectification_notice_data
    from generators.reduction_list import reduction_list_data
    from generators.result_notice import result_notice_data
    from generators.review_sheet import review_sheet_data
    from generators.weekly_report import weekly_report_data

    findings = [
        Finding("over_limit:颗粒物", "blocking", "DA001 颗粒物 12 mg/m³，超过B级限值10 mg/m³。",
                [Source("监测报告.pdf", page=3)]),
        Finding("missing_field:video_monitoring", "note", "申报表未填写是否安装视频监控。", [Source("申报表.docx")]),
    ]
    verdicts = [{"key": "transport", "name": "运输方式", "verdict": "不符合",
                 "remark": "国五及以上运输车辆占比75%，低于B级要求的80%"},
                {"key": "monitoring", "name": "监测监控水平", "verdict": "符合", "remark": ""}]
    measures = [
        {"level": "红色预警", "production": "熔化工序停产，造型、清理工序限产50%",
         "transport": "停止使用国四及以下重型载货车辆进行运输"},
        {"level": "橙色预警", "production": "熔化工序限产50%", "transport": "停止使用国四及以下重型载货车辆进行运输"},
        {"level": "黄色预警", "production": "熔化工序限产30%", "transport": "减少国四及以下重型载货车辆运输"},
    ]
    return {
        "review-sheet": review_sheet_data(
            foundry_extraction(), foundry_findings(), review_type="材料审核", review_date=date(2020, 9, 10),
            experts=[{"name": "王某某", "employer": "某市环境科学研究院", "specialty": "铸造"}]),
        "rectification-notice": rectification_notice_data(
            foundry_extraction(), findings, as_of=date(2020, 8, 20), verdicts=verdicts, issuer="示例市生态环境局",
            issuer_mark="示例市生态环境局文件", doc_number="示环整改〔2020〕7号", reviewer="市级专家组",
            review_type="材料审核和现场审核", old_grade="C级", reapply_to="示例县生态环境分局",
            contact={"name": "王某", "phone": "0311-12345678"}, copy_to="示例县生态环境分局",
            printer="示例市生态环境局办公室", print_date=date(2020, 8, 20)),
        "reduction-list": reduction_list_data(foundry_extraction(), measures=measures,
                                              contact={"name": "刘某", "phone": "13900000009"},
                                              date_=date(2020, 9, 18)),
        "result-notice": result_notice_data(
            province_enterprises(), level="province", region="示例省", year=2020, issuer="示例省生态环境厅",
            issuer_mark="示例省生态环境厅文件", doc_number="示环函〔2020〕210号", date_=date(2020, 9, 21),
            period_start=date(2020, 9, 21),
            contact={"unit": "示例省生态环境厅大气环境处", "name": "李某", "phone": "0311-87654321",
                     "fax": "0311-87654322", "email": "dqc@example.gov.cn"}),
        "weekly-report": weekly_report_data(week_cases(), city="示例市", week_start=date(2020, 8, 17), number=6),
    }
