"""Every rule of forms/checks on hand-built extractions, boundary cases included."""

from datetime import date

import pytest

from forms.checks import run_checks
from forms.checks.currency import add_months
from forms.facts import DocumentResult, Extraction, Fact, Source
from forms.grading import propose_grade
from forms.rules import lookup

CODE = "91130200699229617X"
FORM = "申报表.docx"


def doc(file, kind, fields=None, tables=None):
    facts = [Fact(k, v, str(v), 0.99, Source(file, 1 if file.endswith(".pdf") else None, f"table 1, row {i + 1}, column 2"), kind)
             for i, (k, v) in enumerate((fields or {}).items())]
    rows = {}
    for key, table_rows in (tables or {}).items():
        rows[key] = [dict(r, source_ref={"file": file, "page": 1, "cell": f"table 2, row {i + 2}", "bbox": None})
                     for i, r in enumerate(table_rows)]
    return DocumentResult(file=file, sha256="0" * 64, kind=kind, method="docx", facts=facts, tables=rows)


def form(**overrides):
    fields = {"enterprise_name": "邢台市华北精密铸造有限公司", "credit_code": CODE, "legal_representative": "张三",
              "address": "河北省邢台市某路1号", "county": "沙河市", "industry": "铸造", "applied_grade": "C",
              "contact_person": "李四", "contact_phone": "13812345678", "application_date": "2020-08-01"}
    fields.update({k: v for k, v in overrides.items() if k != "tables"})
    fields = {k: v for k, v in fields.items() if v is not None}
    return doc(FORM, "application_form", fields, overrides.get("tables"))


def rules(*docs, as_of=None):
    found = {f.rule: f for f in run_checks(Extraction(list(docs)), as_of=as_of)}
    unregistered = [rule for rule in found if lookup(rule)[0] is None]
    assert not unregistered, f"rules missing from forms/rules.py: {unregistered}"
    return found


def test_clean_c_bundle_raises_nothing_blocking():
    found = rules(form(), doc("营业执照.pdf", "business_license", {"enterprise_name": "邢台市华北精密铸造有限公司"}),
                  doc("排污许可证.pdf", "discharge_permit", {"permit_valid_until": "2023-12-31"}))
    assert [r for r, f in found.items() if f.severity == "blocking"] == []


def test_missing_fields_and_invalid_values():
    found = rules(form(legal_representative=None, credit_code="91350100M000100Y4Z", contact_phone="1234"))
    assert found["missing_field:legal_representative"].severity == "blocking"
    assert "“3”" in found["invalid:credit_code"].message
    assert found["invalid:credit_code"].evidence[0].cell == "table 1, row 2, column 2"
    assert "invalid:contact_phone" in found


def test_permit_number_must_carry_the_enterprise_code():
    found = rules(form(permit_number="91350100M000100Y43001P"))
    assert "不一致" in found["invalid:permit_number"].message
    assert "invalid:permit_number" not in rules(form(permit_number=CODE + "001P"))


def test_unknown_industry_is_invalid():
    assert "invalid:industry" in rules(form(industry="造纸"))


@pytest.mark.parametrize("grade, kinds", [
    ("A", {"business_license", "discharge_permit", "eia_approval", "acceptance", "monitoring_report",
           "transport_ledger", "gate_records"}),
    ("C", {"business_license", "discharge_permit"}),
    ("D", {"business_license"}),
])
def test_missing_documents_follow_the_grade(grade, kinds):
    found = rules(form(applied_grade=grade))
    assert {r.split(":", 1)[1] for r in found if r.startswith("missing_document:")} == kinds


def test_cems_needed_for_key_management_and_no_permit_for_registration():
    assert "missing_document:cems_data" in rules(form(applied_grade="B", permit_class="重点管理"))
    assert "missing_document:cems_data" not in rules(form(applied_grade="B", permit_class="简化管理"))
    assert "missing_document:discharge_permit" not in rules(form(applied_grade="C", permit_class="登记管理"))


def test_names_compare_after_bracket_width_and_spaces_only():
    same = rules(form(enterprise_name="邢台市华北（精密）铸造有限公司"),
                 doc("营业执照.pdf", "business_license", {"enterprise_name": "邢台市华北(精密) 铸造有限公司"}))
    assert "mismatch:enterprise_name" not in same
    differ = rules(form(), doc("营业执照.pdf", "business_license", {"enterprise_name": "邢台市华北精密铸造股份有限公司"}))
    finding = differ["mismatch:enterprise_name"]
    assert finding.severity == "blocking"
    assert "邢台市华北精密铸造有限公司" in finding.message and "股份" in finding.message
    assert [e.file for e in finding.evidence] == [FORM, "营业执照.pdf"]


def test_credit_code_and_legal_representative_mismatch():
    found = rules(form(), doc("排污许可证.pdf", "discharge_permit",
                              {"credit_code": "91350100M000100Y43", "legal_representative": "王五"}))
    assert found["mismatch:credit_code"].severity == "blocking"
    assert found["mismatch:legal_representative"].severity == "warning"


def test_registered_address_difference_is_only_a_note():
    found = rules(form(), doc("营业执照.pdf", "business_license", {"address": "河北省邢台市另一路2号"}))
    assert found["mismatch:address"].severity == "note"


def test_outlets_of_form_and_report():
    row = {"source": "熔化", "pollutant": "颗粒物", "concentration_mg_m3": 5, "limit_mg_m3": 10}
    found = rules(form(tables={"emissions": [dict(row, outlet_id="DA001"), dict(row, outlet_id="DA002")]}),
                  doc("监测报告.pdf", "monitoring_report", {"sampling_date": "2020-05-01"},
                      {"emissions": [dict(row, outlet_id="DA001")]}))
    assert "DA002" in found["mismatch:outlets"].message


@pytest.mark.parametrize("valid_until, expired", [("2020-08-01", False), ("2020-07-31", True), ("2021-01-01", False)])
def test_permit_expiring_on_the_as_of_date_is_still_valid(valid_until, expired):
    found = rules(form(), doc("排污许可证.pdf", "discharge_permit", {"permit_valid_until": valid_until}))
    assert ("expired:discharge_permit" in found) is expired
    if expired:
        assert "2020年7月31日" in found["expired:discharge_permit"].message


def test_as_of_overrides_the_application_date():
    found = rules(form(), doc("排污许可证.pdf", "discharge_permit", {"permit_valid_until": "2020-08-15"}),
                  as_of=date(2020, 9, 1))
    assert "expired:discharge_permit" in found


@pytest.mark.parametrize("sampled, stale", [("2019-08-01", False), ("2019-07-31", True), ("2020-07-01", False)])
def test_report_exactly_twelve_months_old_is_not_stale(sampled, stale):
    found = rules(form(), doc("监测报告.pdf", "monitoring_report", {"sampling_date": sampled}))
    assert ("stale:monitoring_report" in found) is stale


def test_report_after_the_application_is_flagged_not_decided():
    found = rules(form(), doc("监测报告.pdf", "monitoring_report", {"sampling_date": "2020-08-20"}))
    assert found["after_application:monitoring_report"].severity == "warning"


def test_undated_report_is_a_note():
    assert rules(form(), doc("监测报告.pdf", "monitoring_report"))["undated:monitoring_report"].severity == "note"


def test_add_months_handles_month_ends():
    assert add_months(date(2020, 2, 29), 12) == date(2021, 2, 28)
    assert add_months(date(2019, 8, 31), 12) == date(2020, 8, 31)
    assert add_months(date(2019, 12, 15), 1) == date(2020, 1, 15)


@pytest.mark.parametrize("concentration, over", [(10, False), (10.01, True), (9.9, False)])
def test_concentration_equal_to_the_printed_limit_is_within_it(concentration, over):
    row = {"outlet_id": "DA001", "source": "熔化", "pollutant": "颗粒物", "concentration_mg_m3": concentration,
           "limit_mg_m3": 10}
    found = rules(form(), doc("监测报告.pdf", "monitoring_report", {"sampling_date": "2020-05-01"}, {"emissions": [row]}))
    assert ("over_limit:颗粒物" in found) is over
    if over:
        assert "监测报告所列" in found["over_limit:颗粒物"].basis
        assert found["over_limit:颗粒物"].evidence[0].file == "监测报告.pdf"


def test_catalogue_limit_of_the_grade_comes_before_the_printed_one():
    row = {"outlet_id": "DA001", "source": "烧结机头", "pollutant": "二氧化硫", "concentration_mg_m3": 40,
           "limit_mg_m3": 200}
    found = rules(form(industry="长流程联合钢铁", applied_grade="A"),
                  doc("监测报告.pdf", "monitoring_report", {"sampling_date": "2020-05-01"}, {"emissions": [row]}))
    finding = found["over_limit:二氧化硫"]
    assert "35" in finding.message and "行业目录" in finding.basis
    other = dict(row, source="高炉出铁场")  # general 50 mg/m³ applies
    found = rules(form(industry="长流程联合钢铁", applied_grade="A"),
                  doc("监测报告.pdf", "monitoring_report", {"sampling_date": "2020-05-01"}, {"emissions": [other]}))
    assert "over_limit:二氧化硫" not in found


def _trucks(stages):
    return [{"plate": f"冀A{i:05d}", "vin": f"LFV2A21K8D41{i:05d}", "emission_stage": s, "registration_date": None}
            for i, s in enumerate(stages)]


@pytest.mark.parametrize("stages, grade, short", [
    (["国五"] * 4 + ["国四"], "B", False),  # exactly 80%
    (["国五"] * 3 + ["国四"] * 2, "B", True),
    (["国六"] * 4 + ["国四"], "A", True),
    (["新能源", "燃气", "国六", "国五"], "A", False),
])
def test_clean_transport_share_against_the_grade(stages, grade, short):
    found = rules(form(industry="水泥", applied_grade=grade, tables={"vehicles": _trucks(stages)}))
    assert (found.get("transport:clean_share") is not None and found["transport:clean_share"].severity == "blocking") is short


@pytest.mark.parametrize("stages", [["国四"], ["国五", "国六", "新能源"]])
def test_clean_share_without_a_catalogue_figure_is_information_not_a_defect(stages):
    """No requirement stated for the grade: the share is told under info:clean_share, never under the
    defect's id — a fleet that is 100% clean included."""
    found = rules(form(industry="铸造", applied_grade="B", tables={"vehicles": _trucks(stages)}))
    assert "transport:clean_share" not in found
    assert found["info:clean_share"].severity == "note"


def test_a_vin_in_the_form_and_the_ledger_with_one_plate_unread_is_one_vehicle():
    """Class: the same truck listed in the form (its plate column not read) and in the ledger."""
    truck = _trucks(["国五"])[0]
    found = rules(form(tables={"vehicles": [dict(truck, plate=None)]}),
                  doc("车辆台账.docx", "transport_ledger", tables={"vehicles": [truck]}))
    assert "duplicate:vin" not in found
    other_plate = dict(truck, plate="冀A99999")
    found = rules(form(tables={"vehicles": [other_plate]}),
                  doc("车辆台账.docx", "transport_ledger", tables={"vehicles": [truck]}))
    assert "duplicate:vin" in found  # two plates on one VIN still is the defect


def test_a_vin_under_a_plate_no_plate_can_be_is_one_vehicle():
    """Class: the form's scan read the truck's plate with its province misread (普AZ8267 for 晋AZ8267), the
    ledger has it right: no plate begins with 普, so it is no second vehicle (seed 53's d23 scan)."""
    truck = dict(_trucks(["国五"])[0], plate="晋AZ8267")
    found = rules(form(tables={"vehicles": [dict(truck, plate="普AZ8267")]}),
                  doc("车辆台账.docx", "transport_ledger", tables={"vehicles": [truck]}))
    assert "duplicate:vin" not in found


def test_a_vin_under_a_plate_ocr_read_one_character_off_is_one_vehicle():
    """Class: the form's scan read the truck's plate one character off (冀EB4419 for the ledger's 冀FB4419): OCR
    noise explains it, no second vehicle (seed 61's c16 scan); the same plates both typed are two."""
    from dataclasses import replace

    truck = dict(_trucks(["国五"])[0], plate="冀FB4419")
    scanned = replace(form(tables={"vehicles": [dict(truck, plate="冀EB4419")]}), method="ocr")
    ledger = doc("车辆台账.docx", "transport_ledger", tables={"vehicles": [truck]})
    assert "duplicate:vin" not in rules(scanned, ledger)
    assert "duplicate:vin" in rules(form(tables={"vehicles": [dict(truck, plate="冀EB4419")]}), ledger)


def test_one_truck_in_the_form_and_the_ledger_of_one_merged_file():
    """Class: a 申报材料汇编 — the form and the ledger are two parts of one PDF, each listing the truck."""
    from dataclasses import replace

    truck = _trucks(["国五"])[0]
    form_part = replace(form(tables={"vehicles": [truck]}), file="申报材料汇编.pdf", pages_range=(1, 2),
                        part_of="申报材料汇编.pdf")
    ledger_part = replace(doc("申报材料汇编.pdf", "transport_ledger", tables={"vehicles": [truck]}), pages_range=(3, 3),
                          part_of="申报材料汇编.pdf")
    assert "duplicate:vin" not in rules(form_part, ledger_part)
    listed = ledger_part.tables["vehicles"]
    twice = replace(ledger_part, tables={"vehicles": listed + [dict(listed[0])]})
    assert "duplicate:vin" in rules(form_part, twice)  # twice in one part still is the defect


def test_duplicate_vin():
    trucks = _trucks(["国五", "国六", "国五"])
    trucks[2]["vin"] = trucks[0]["vin"]
    found = rules(form(tables={"vehicles": trucks}))
    assert trucks[0]["vin"] in found["duplicate:vin"].message
    assert len(found["duplicate:vin"].evidence) == 2
    assert "duplicate:vin" not in rules(form(tables={"vehicles": _trucks(["国五", "国六"])}))


def test_gate_system_for_a_b_and_leading():
    assert "requirement:gate_system" in rules(form(applied_grade="B", gate_system=False))
    assert "requirement:gate_system" not in rules(form(applied_grade="C", gate_system=False))


def test_findings_are_ordered_blocking_first():
    severities = [f.severity for f in run_checks(Extraction([form(applied_grade="A", gate_system=False)]))]
    assert severities == sorted(severities, key=["blocking", "warning", "note"].index)


def test_proposed_grade_takes_the_weakest_indicator():
    extraction = Extraction([form(industry="水泥", applied_grade="A", tables={"vehicles": _trucks(["国五"] * 4 + ["国四"])})])
    proposal = propose_grade(extraction, run_checks(extraction))
    assert proposal.applied == "A" and proposal.grade == "C"
    indicators = {c.indicator: c.grade for c in proposal.held_down_by}
    assert indicators["运输方式"] == "B"
    assert indicators["运输监管"] == "C"


def test_proposed_grade_keeps_a_grade_that_nothing_holds_down():
    extraction = Extraction([form(applied_grade="C")])
    assert propose_grade(extraction, run_checks(extraction)).grade == "C"


def test_an_address_a_scan_read_only_up_to_a_line_break_agrees():
    """Class: the licence's 住所 wraps beside the next label (the licence's two columns); OCR gives its first
    line. Read from a scan and most of the form's address, it is that address, not another one."""
    from dataclasses import replace

    whole = "河北省邯郸市武安市伯延镇振兴路143号"
    licence = replace(doc("营业执照.jpg", "business_license", {"address": "河北省邯郸市武安市伯延镇振兴"}),
                      method="ocr")
    assert "mismatch:address" not in rules(form(address=whole), licence)
    typed = doc("营业执照.pdf", "business_license", {"address": "河北省邯郸市武安市伯延镇振兴"})
    assert "mismatch:address" in rules(form(address=whole), typed)  # typed text is not cut by a scan
    little = replace(doc("营业执照.jpg", "business_license", {"address": "河北省邯郸市"}), method="ocr")
    assert "mismatch:address" in rules(form(address=whole), little)  # too little of it to tell


def test_an_address_written_with_the_units_above_it_agrees():
    """Class: one document writes the province and city before the address, another leaves them out. The same
    place; a different street is not."""
    whole = "河北省沧州市泊头市交河镇工业区88号"
    permit = doc("排污许可证.pdf", "discharge_permit", {"address": whole})
    assert "mismatch:address" not in rules(form(address="泊头市交河镇工业区88号"), permit)
    assert "mismatch:address" not in rules(form(address="沧州市泊头市交河镇工业区88号"), permit)
    assert "mismatch:address" in rules(form(address="泊头市交河镇工业区98号"), permit)
    assert "mismatch:address" in rules(form(address="工业区88号"), permit)  # not only units left out


def test_the_documents_of_one_merged_file_are_compared():
    """Class: a 申报材料汇编.pdf holding the form and the licence: its parts share the file's name, and were
    taken for one document (the form's 法定代表人 never compared with the licence's)."""
    merged = "申报材料汇编.pdf"
    form_part = doc(merged, "application_form", {"enterprise_name": "邢台市华北精密铸造有限公司", "credit_code": CODE,
                                                 "legal_representative": "朱文华"})
    licence_part = doc(merged, "business_license", {"enterprise_name": "邢台市华北精密铸造有限公司", "credit_code": CODE,
                                                    "legal_representative": "梁卫东"})
    assert "mismatch:legal_representative" in rules(form_part, licence_part)
    same = doc(merged, "business_license", {"legal_representative": "朱文华"})
    assert "mismatch:legal_representative" not in rules(form_part, same)


def test_a_vin_read_off_a_scan_that_cannot_be_real_is_a_reading_to_check_not_a_defect():
    """Class: a VIN whose scan OCR misread (a Z taken for a 2 and a character lost under a fold): the paper is
    not known to be wrong, so no `invalid:` id; the same VIN typed in a Word form is the defect."""
    from dataclasses import replace

    truck = dict(_trucks(["国五"])[0], vin="LZZ5CLSB9KW12345")  # 16 characters
    typed = rules(form(tables={"vehicles": [truck]}))
    assert "invalid:vin" in typed and "info:vin_reading" not in typed
    scanned = replace(form(tables={"vehicles": [truck]}), method="ocr")
    found = rules(scanned)
    assert "invalid:vin" not in found
    assert found["info:vin_reading"].severity == "note" and "LZZ5CLSB9KW12345" in found["info:vin_reading"].message
