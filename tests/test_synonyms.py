"""Synonyms an office accepted (forms/synonyms.py) are data the label engine takes like fields.toml's: which
labels may be proposed, the exported file read back, the next extraction reading the label, and the
extraction cache keeping results apart by the synonyms in force."""

from __future__ import annotations

import json
import tomllib

import pytest

from extractors import pipeline
from extractors.cache import DirectoryCache
from forms.errors import BadInput
from forms.fields import FIELDS, match_label
from forms.synonyms import Synonym, SynonymSet, parse, refusal
from tests.web.relabel import NEW_LABEL, relabelled_form


def _form(tmp_path, label: str = NEW_LABEL):
    path = tmp_path / "申报表.docx"
    path.write_bytes(relabelled_form(label))
    return path


def test_the_wording_is_no_synonym_of_the_registry():
    """The test's label is new to the label engine: neither a registry synonym nor close to one by meaning."""
    assert match_label(NEW_LABEL) is None
    assert all(NEW_LABEL not in spec.labels for spec in FIELDS.values())


@pytest.mark.parametrize(("label", "key", "why"), [
    ("", "credit_code", "标签为空"),
    ("  ：", "credit_code", "标签为空"),
    ("统一社会信用代码", "credit_code", "已被识别"),
    ("信用代码：", "credit_code", "已被识别"),
    ("法定代表人（负责人）", "legal_representative", "已被识别"),
    ("2020年9月1日", "application_date", "是一个值"),
    ("9113098196314252XW", "credit_code", "是一个值"),
    ("12345", "permit_number", "是一个值"),
    ("这一栏请按营业执照上登记的内容如实填写本企业的统一社会信用代码谢谢", "credit_code", "超过30个字"),
    (NEW_LABEL, "no_such_field", "没有名为"),
])
def test_labels_that_are_never_proposed(label, key, why):
    assert why in (refusal(label, key) or ""), refusal(label, key)


@pytest.mark.parametrize(("label", "key"), [(NEW_LABEL, "credit_code"), ("职工人数", "enterprise_name"),
                                            ("机构证照号码（盖章）：", "credit_code")])
def test_labels_that_may_be_proposed(label, key):
    assert refusal(label, key) is None


def test_the_exported_file_reads_back_as_it_was_in_toml_and_json():
    synonyms = SynonymSet(3, (Synonym("credit_code", NEW_LABEL, "office", "2020-08-20T08:00:00Z"),
                              Synonym("address", "厂区坐落", None, None)))
    for text in (synonyms.to_toml(), synonyms.to_json()):
        back = parse(text.encode("utf-8"))
        assert back == synonyms
        assert back.pairs == (("厂区坐落", "address"), (NEW_LABEL, "credit_code"))
    data = tomllib.loads(synonyms.to_toml())
    assert data["schema"] == "gradedesk.synonyms/1" and data["synonym"][0]["field_label"] == "统一社会信用代码"


def test_a_file_with_a_wrong_entry_is_refused_whole():
    text = ('schema = "gradedesk.synonyms/1"\nversion = 1\n[[synonym]]\nfield = "credit_code"\nlabel = "机构证照号码"\n'
            '[[synonym]]\nfield = "nonsense"\nlabel = "某某"\n[[synonym]]\nfield = "application_date"\n'
            'label = "2020年9月1日"\n')
    with pytest.raises(BadInput) as refused:
        parse(text.encode("utf-8"), "同义词.toml")
    assert "第2条" in refused.value.user_message and "第3条" in refused.value.user_message
    assert "第1条" not in refused.value.user_message
    with pytest.raises(BadInput):
        parse(b"\xff\xfe not utf-8")
    with pytest.raises(BadInput):
        parse(b'{"schema": "something/else", "synonyms": []}')


def test_an_accepted_synonym_is_read_by_the_next_extraction(tmp_path):
    form = _form(tmp_path)
    without = pipeline.extract_bundle([form]).to_dict()
    assert "credit_code" not in without["fields"]
    assert [(u["label"], u["value"]) for u in without["unassigned"]] == [(NEW_LABEL, "9113098196314252XW")]

    with_synonym = pipeline.extract_bundle([form], synonyms=((NEW_LABEL, "credit_code"),)).to_dict()
    fact = with_synonym["fields"]["credit_code"]
    assert fact["value"] == "9113098196314252XW"
    assert fact["source"]["file"] == "申报表.docx" and fact["source"]["cell"] == "table 1, row 3, column 4"
    assert with_synonym["unassigned"] == []
    # the other fields read as before; nothing leaks into the next extraction without synonyms
    assert {k: v for k, v in with_synonym["fields"].items() if k != "credit_code"} == without["fields"]
    assert "credit_code" not in pipeline.extract_bundle([form]).to_dict()["fields"]


def test_a_synonym_for_another_field_does_not_take_a_value_of_the_wrong_type(tmp_path):
    """The value's type still decides: the code under the label is no date, so a synonym saying 申报日期 gives nothing."""
    form = _form(tmp_path)
    extraction = pipeline.extract_bundle([form], synonyms=((NEW_LABEL, "application_date"),)).to_dict()
    assert extraction["fields"].get("application_date", {}).get("source", {}).get("cell") != "table 1, row 3, column 4"
    assert "credit_code" not in extraction["fields"]


def test_the_cache_keeps_results_apart_by_the_synonyms_in_force(tmp_path, monkeypatch):
    form = _form(tmp_path)
    cache = DirectoryCache(tmp_path / "cache")
    read = []
    real = pipeline.extract_document
    monkeypatch.setattr(pipeline, "extract_document",
                        lambda item, settings=None: read.append(item.name) or real(item, settings))
    synonyms = ((NEW_LABEL, "credit_code"),)

    assert "credit_code" not in pipeline.extract_bundle([form], cache=cache).to_dict()["fields"]
    assert "credit_code" in pipeline.extract_bundle([form], cache=cache, synonyms=synonyms).to_dict()["fields"]
    assert len(read) == 2  # the result without synonyms was not reused
    assert "credit_code" in pipeline.extract_bundle([form], cache=cache, synonyms=synonyms).to_dict()["fields"]
    assert "credit_code" not in pipeline.extract_bundle([form], cache=cache).to_dict()["fields"]
    assert len(read) == 2  # each served from its own entry


def test_gradedesk_extract_reads_an_exported_synonyms_file(tmp_path):
    from tests.test_cli import gradedesk

    form = _form(tmp_path)
    exported = tmp_path / "同义词.toml"
    exported.write_text(SynonymSet(1, (Synonym("credit_code", NEW_LABEL),)).to_toml(), "utf-8")
    plain = json.loads(gradedesk("extract", form, "--json").stdout)
    run = gradedesk("extract", form, "--json", "--synonyms", exported)
    assert run.returncode == 0, run.stderr
    read = json.loads(run.stdout)
    assert read["fields"]["credit_code"]["value"] == "9113098196314252XW" and "credit_code" not in plain["fields"]
    assert set(read) == set(plain)  # the --json contract: the same object, one more field found
    checked = json.loads(gradedesk("check", form, "--json", "--synonyms", exported).stdout)
    assert "missing_field:credit_code" not in {f["rule"] for f in checked["findings"]}

    wrong = tmp_path / "坏.toml"
    wrong.write_text('[[synonym]]\nfield = "nonsense"\nlabel = "某某"\n', "utf-8")
    refused = gradedesk("extract", form, "--synonyms", wrong)
    assert refused.returncode == 2 and "同义词文件未导入" in refused.stderr and not refused.stdout
    assert gradedesk("extract", form, "--synonyms", tmp_path / "无此文件.toml").returncode == 2


def test_running_text_reads_an_accepted_label_too():
    """A text PDF's or a scan's line `标签：值` goes through the same engine as a Word cell."""
    from extractors.labels import pairs_in_text
    from forms.label_meaning import ACCEPTED_SYNONYMS

    line = "企业名称：某某铸造有限公司  机构证照号码：9113098196314252XW"

    def read():
        left: list = []
        return {spec.key: value for spec, value, _, _ in pairs_in_text(line, unassigned=left)}, [x[0] for x in left]

    assert read() == ({"enterprise_name": "某某铸造有限公司"}, [NEW_LABEL])
    token = ACCEPTED_SYNONYMS.set(((NEW_LABEL, "credit_code"),))
    try:
        assert read() == ({"enterprise_name": "某某铸造有限公司", "credit_code": "9113098196314252XW"}, [])
    finally:
        ACCEPTED_SYNONYMS.reset(token)
    assert read()[1] == [NEW_LABEL]
