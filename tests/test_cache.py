"""Re-running a bundle with one changed file re-extracts only that file."""

import shutil

import docx

from extractors import pipeline
from extractors.cache import DirectoryCache
from tests.conftest import SAMPLES, make_form_docx


def test_only_changed_files_are_read_again(tmp_path, monkeypatch):
    bundle = tmp_path / "bundle"
    shutil.copytree(SAMPLES / "brick-mixed", bundle)
    cache = DirectoryCache(tmp_path / "cache")
    first = pipeline.extract_bundle([bundle], cache=cache)

    read = []
    real = pipeline.extract_document
    monkeypatch.setattr(pipeline, "extract_document", lambda item, settings=None: read.append(item.name) or real(item, settings))
    pledge = docx.Document()
    pledge.add_paragraph("承  诺  书")
    pledge.add_paragraph("本企业承诺所报送的申报材料真实、准确、完整。")
    pledge.save(bundle / "承诺书.docx")
    second = pipeline.extract_bundle([bundle], cache=cache)

    assert read == ["承诺书.docx"]
    assert second.to_dict()["fields"]["credit_code"] == first.to_dict()["fields"]["credit_code"]
    tables = second.to_dict()["tables"]
    assert tables["vehicles"] == first.to_dict()["tables"]["vehicles"]


def test_a_renamed_copy_is_served_from_the_cache_under_its_new_name(tmp_path):
    cache = DirectoryCache(tmp_path / "cache")
    original = tmp_path / "a" / "申报表.docx"
    original.parent.mkdir()
    original.write_bytes(make_form_docx())
    pipeline.extract_bundle([original], cache=cache)
    renamed = tmp_path / "b" / "新名字.docx"
    renamed.parent.mkdir()
    renamed.write_bytes(original.read_bytes())
    (doc,) = pipeline.extract_bundle([renamed], cache=cache).documents
    assert doc.file == "新名字.docx"
    assert {f.source.file for f in doc.facts} == {"新名字.docx"}


def test_a_corrupt_cache_entry_is_ignored(tmp_path):
    cache = DirectoryCache(tmp_path / "cache")
    form = tmp_path / "申报表.docx"
    form.write_bytes(make_form_docx())
    pipeline.extract_bundle([form], cache=cache)
    for entry in (tmp_path / "cache").rglob("*.json"):
        entry.write_text("{not json")
    (doc,) = pipeline.extract_bundle([form], cache=cache).documents
    assert doc.error is None and doc.facts
