"""`gradedesk extract` and `gradedesk check` as docs/cli.md describes them, on the sample bundles."""

import json
import subprocess
import sys
import zipfile

import pytest

from tests.conftest import SAMPLES, make_form_docx, sample_names, truth

TABLE_KEYS = {"emissions": ["outlet_id", "source", "pollutant", "concentration_mg_m3", "limit_mg_m3"],
              "vehicles": ["plate", "vin", "emission_stage", "registration_date"]}


def gradedesk(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli.main", *map(str, args)], capture_output=True,
                          text=True, timeout=300)


def test_there_are_samples_in_several_layouts():
    names = sample_names()
    assert len(names) >= 3, names
    forms = [k for n in names for f, k in truth(n)["documents"].items() if k == "application_form"]
    assert len(forms) >= 3


@pytest.mark.parametrize("name", sample_names())
def test_extract_matches_ground_truth(name):
    run = gradedesk("extract", SAMPLES / name, "--json")
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    expected = truth(name)
    assert out["schema"] == "gradedesk.extraction/1"

    kinds = {d["file"]: d["kind"] for d in out["documents"]}
    assert kinds == expected["documents"]
    assert all(d["error"] is None and len(d["sha256"]) == 64 for d in out["documents"])

    fields = out["fields"]
    wrong = {k: (fields.get(k, {}).get("value"), v) for k, v in expected["fields"].items()
             if fields.get(k, {}).get("value") != v}
    assert not wrong, f"extracted vs truth: {wrong}"
    assert len(expected["fields"]) >= 12
    for key in expected["fields"]:
        source = fields[key]["source"]
        assert source["file"] in kinds
        assert source["cell"] or source["bbox"], f"{key} has no place in its file"
        assert 0 < fields[key]["confidence"] <= 1

    for table, columns in TABLE_KEYS.items():
        want = expected.get("tables", {}).get(table, [])
        got = [{c: row.get(c) for c in columns} for row in out["tables"][table]]
        assert got == [{c: row.get(c) for c in columns} for row in want], table
        assert all(row["source_ref"]["file"] in kinds for row in out["tables"][table])


@pytest.mark.parametrize("name", sample_names())
def test_zip_of_a_sample_extracts_the_same_fields(name, tmp_path):
    archive = SAMPLES / f"{name}.zip"
    run = gradedesk("extract", archive, "--json")
    assert run.returncode == 0, run.stderr
    fields = {k: v["value"] for k, v in json.loads(run.stdout)["fields"].items()}
    assert {k: fields.get(k) for k in truth(name)["fields"]} == truth(name)["fields"]


def test_check_raises_missing_and_invalid_fields(tmp_path):
    form = tmp_path / "申报表.docx"
    form.write_bytes(make_form_docx(code="91350100M000100Y4Z"))
    run = gradedesk("check", form, "--json", "--as-of", "2020-09-01")
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    rules = {f["rule"]: f for f in out["findings"]}
    assert "invalid:credit_code" in rules
    assert "“3”" in rules["invalid:credit_code"]["message"]
    assert rules["invalid:credit_code"]["evidence"][0]["file"] == "申报表.docx"
    assert rules["invalid:credit_code"]["evidence"][0]["cell"] == "table 1, row 2, column 2"
    assert "missing_field:legal_representative" in rules
    assert rules["missing_field:legal_representative"]["severity"] == "blocking"
    assert "invalid:enterprise_name" not in rules


@pytest.mark.parametrize("name", sample_names())
def test_clean_samples_raise_no_missing_or_invalid_fields(name):
    run = gradedesk("check", SAMPLES / name, "--json")
    assert run.returncode == 0, run.stderr
    rules = [f["rule"] for f in json.loads(run.stdout)["findings"]]
    assert not [r for r in rules if r.startswith(("missing_field:", "invalid:"))], rules


def test_exit_status_2_for_bad_arguments_and_missing_paths(tmp_path):
    run = gradedesk("extract", tmp_path / "nope.zip", "--json")
    assert run.returncode == 2 and "路径不存在" in run.stderr
    run = gradedesk("check", tmp_path, "--as-of", "2020-13-45")
    assert run.returncode == 2
    assert gradedesk("frobnicate").returncode == 2


def test_nothing_to_read_exits_2_and_errors_are_printed_once(tmp_path):
    empty = tmp_path / "空文件夹"
    empty.mkdir()  # (a folder of unreadable files is reported file by file with status 0, docs/cli.md)
    for command in ("extract", "check"):
        run = gradedesk(command, empty, "--json")
        assert run.returncode == 2 and run.stdout == ""
        assert run.stderr.count("没有可读取的申报材料文件") == 1, run.stderr
    run = gradedesk("extract", tmp_path / "nope.zip", "--json")
    assert run.stderr.count("路径不存在") == 1, run.stderr


def test_unreadable_file_is_a_document_error_not_a_failure(tmp_path):
    archive = tmp_path / "b.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("申报表.docx", make_form_docx())
        zf.writestr("监测报告.pdf", b"\xff\xd8\xff\xe0 not really a pdf")
    run = gradedesk("extract", archive, "--json")
    assert run.returncode == 0, run.stderr
    docs = {d["file"]: d for d in json.loads(run.stdout)["documents"]}
    assert docs["监测报告.pdf"]["error"]
    assert docs["申报表.docx"]["error"] is None


def _cement_nox_workbook(exported, target, mg_m3) -> None:
    from openpyxl import load_workbook

    book = load_workbook(exported)
    ws = book["排放限值"]
    col = {c.value: i for i, c in enumerate(ws[1])}
    row = next(r for r in ws.iter_rows(min_row=2) if r[col["行业"]].value == "水泥")
    for header, value in (("申报等级", "B"), ("工序/排放口（关键词以“、”分隔，*代表若干字；全部）", "窑尾"),
                          ("污染物", "氮氧化物"), ("限值（mg/m³）", mg_m3), ("状态", "已核实")):
        row[col[header]].value = value
    book.save(target)


def test_catalogue_export_check_and_check_against_a_workbook(tmp_path):
    exported = tmp_path / "目录.xlsx"
    run = gradedesk("catalogue", "export", exported, "--packaged")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["version"] == "内置目录"
    run = gradedesk("catalogue", "check", exported)
    assert run.returncode == 0 and json.loads(run.stdout)["ok"] is True

    bad = tmp_path / "坏目录.xlsx"
    _cement_nox_workbook(exported, bad, "不限")
    run = gradedesk("catalogue", "check", bad)
    assert run.returncode == 2
    [problem] = json.loads(run.stdout)["problems"]
    assert problem["sheet"] == "排放限值" and problem["row"] >= 2 and "“不限”不是数值" in problem["reason"]
    assert "目录未作任何修改" in run.stderr

    changed = tmp_path / "新目录.xlsx"
    _cement_nox_workbook(exported, changed, 50)
    plain = json.loads(gradedesk("check", SAMPLES / "cement-b-docx", "--json").stdout)
    assert plain["catalogue"] == {"version": "内置目录"}
    assert "over_limit:氮氧化物" not in {f["rule"] for f in plain["findings"]}
    run = gradedesk("check", SAMPLES / "cement-b-docx", "--json", "--catalogue", changed)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["catalogue"] == {"version": "新目录.xlsx"}
    [over] = [f for f in out["findings"] if f["rule"] == "over_limit:氮氧化物"]
    assert over["severity"] == "blocking" and "新目录.xlsx" in over["basis"]
    assert gradedesk("check", SAMPLES / "cement-b-docx", "--catalogue", bad).returncode == 2
