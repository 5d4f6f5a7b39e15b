"""Hostile and broken input: each file answered with a clear message, the rest still read."""

import io
import os
import stat
import zipfile
import zlib
from pathlib import Path

import pytest

from extractors import intake
from extractors.pipeline import extract_bundle
from forms.errors import BadInput
from tests.conftest import make_form_docx, make_jpeg


def _zip(members: dict[str, bytes], *, symlinks=(), compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = compression
            if name in symlinks:
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, data)
    return buf.getvalue()


def _by_file(extraction):
    return {d.file: d for d in extraction.documents}


def test_type_is_detected_from_content_not_name(tmp_path, form_docx):
    assert intake.sniff(form_docx) == "docx"
    assert intake.sniff(make_jpeg()) == "jpeg"
    assert intake.sniff(b"%PDF-1.7\n") == "pdf"
    assert intake.sniff(_zip({"a.txt": b"x"})) == "zip"
    assert intake.sniff(b"") == "empty"


def test_bad_files_get_clear_messages_and_the_rest_is_read(tmp_path, form_docx):
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "申报表.docx").write_bytes(form_docx)
    (bundle / "损坏.docx").write_bytes(form_docx[: len(form_docx) // 2])
    (bundle / "许可证.pdf").write_bytes(make_jpeg())
    (bundle / "空白.pdf").write_bytes(b"")
    (bundle / "旧版.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    docs = _by_file(extract_bundle([bundle]))

    assert docs["申报表.docx"].error is None
    assert docs["申报表.docx"].kind == "application_form"
    names = {f.key: f.value for f in docs["申报表.docx"].facts}
    assert names["enterprise_name"] == "石家庄市正定县恒通铸造有限公司"
    assert names["credit_code"] == "91130200699229617X"

    assert "损坏" in docs["损坏.docx"].error or "无法" in docs["损坏.docx"].error
    # an image named .pdf is read as the image it is, and the clerk is told (issue 16: types by content)
    assert docs["许可证.pdf"].error is None and docs["许可证.pdf"].method == "ocr"
    assert any("JPEG" in w and "PDF" in w for w in docs["许可证.pdf"].warnings)
    assert "空" in docs["空白.pdf"].error
    assert ".docx" in docs["旧版.doc"].error  # an OLE file with neither a Word nor an Excel stream


def test_corrupt_docx_with_valid_zip_but_broken_xml(tmp_path, form_docx):
    broken = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(form_docx)) as src, zipfile.ZipFile(broken, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "word/document.xml":
                data = data[:200]
            dst.writestr(info, data)
    path = tmp_path / "坏文档.docx"
    path.write_bytes(broken.getvalue())
    good = tmp_path / "申报表.docx"
    good.write_bytes(form_docx)
    docs = _by_file(extract_bundle([path, good]))
    assert docs["坏文档.docx"].error and "Word" in docs["坏文档.docx"].error
    assert docs["申报表.docx"].error is None and docs["申报表.docx"].facts


@pytest.mark.parametrize("member", ["../../etc/cron.d/evil", "/etc/passwd", "a/../../b.docx", "C:/x.docx"])
def test_path_traversal_refuses_the_archive(tmp_path, form_docx, member):
    zpath = tmp_path / "材料.zip"
    zpath.write_bytes(_zip({"申报表.docx": form_docx, member: b"evil"}))
    good = tmp_path / "另附.docx"
    good.write_bytes(form_docx)
    docs = _by_file(extract_bundle([zpath, good]))
    assert "不安全" in docs["材料.zip"].error
    assert docs["另附.docx"].error is None
    assert not (tmp_path.parent / "etc").exists()


def test_symlink_member_refuses_the_archive(tmp_path, form_docx):
    zpath = tmp_path / "b.zip"
    zpath.write_bytes(_zip({"申报表.docx": form_docx, "link": b"/etc/passwd"}, symlinks={"link"}))
    (doc,) = extract_bundle([zpath]).documents
    assert "符号链接" in doc.error


def test_zip_bomb_is_refused_without_inflating_it(tmp_path, form_docx):
    bomb = _zip({"zeros.pdf": b"\0" * (50 * 1024 * 1024)})
    assert len(bomb) < 200 * 1024
    zpath = tmp_path / "bomb.zip"
    zpath.write_bytes(bomb)
    good = tmp_path / "申报表.docx"
    good.write_bytes(form_docx)
    docs = _by_file(extract_bundle([zpath, good]))
    assert "压缩炸弹" in docs["bomb.zip"].error
    assert docs["申报表.docx"].facts


def test_member_that_inflates_past_its_declared_size_is_caught(tmp_path):
    data = bytearray(_zip({"a.pdf": b"%PDF-" + b"\0" * 100_000}))
    # lie about the uncompressed size in both headers: declare 1000 bytes
    local = data.find(b"PK\x03\x04")
    data[local + 22:local + 26] = (1000).to_bytes(4, "little")
    central = data.find(b"PK\x01\x02")
    data[central + 24:central + 28] = (1000).to_bytes(4, "little")
    items = intake.unpack_zip("lie.zip", bytes(data))
    # zipfile stops at the declared size and the CRC then fails: refused, nothing beyond 1000 bytes read
    assert len(items) == 1 and items[0].error and "损坏" in items[0].error


def test_too_many_members(tmp_path):
    items = intake.unpack_zip("many.zip", _zip({f"{i}.pdf": b"%PDF-" for i in range(501)}))
    assert len(items) == 1 and "501" in items[0].error


def test_one_level_of_nesting_is_read_two_are_refused(form_docx):
    inner = _zip({"申报表.docx": form_docx})
    items = intake.unpack_zip("outer.zip", _zip({"inner.zip": inner}))
    assert [i.error for i in items] == [None] and items[0].type == "docx"
    deeper = _zip({"middle.zip": _zip({"inner.zip": inner})})
    items = intake.unpack_zip("outer.zip", deeper)
    assert len(items) == 1 and "嵌套" in items[0].error


def test_gbk_member_names_are_decoded():
    gbk = "申报表.docx".encode("gbk")
    placeholder = b"X" * (len(gbk) - 5) + b".docx"
    data = _zip({placeholder.decode(): make_form_docx()}).replace(placeholder, gbk)
    items = intake.unpack_zip("gbk.zip", data)
    assert items[0].name == "申报表.docx"


def test_corrupt_zip(tmp_path):
    items = intake.unpack_zip("bad.zip", b"PK\x03\x04garbage")
    assert "损坏" in items[0].error


def test_missing_path_is_bad_input(tmp_path):
    with pytest.raises(BadInput):
        intake.collect([tmp_path / "nope.zip"])


def test_symlink_in_folder_is_not_followed(tmp_path, form_docx):
    (tmp_path / "申报表.docx").write_bytes(form_docx)
    os.symlink("/etc/passwd", tmp_path / "passwd.pdf")
    items = {i.name: i for i in intake.collect([tmp_path])}
    assert items["passwd.pdf"].data == b"" and "符号链接" in items["passwd.pdf"].error


# ---------------------------------------------------------------- issue 8: the hostile corpus's findings

from fixtures import hostile  # noqa: E402


def test_sniffing_checks_signatures_before_a_pdf_header_inside(form_docx):
    stored_pdf_first = _zip({"许可证.pdf": b"%PDF-1.4\n%%EOF\n", "申报表.docx": form_docx},
                            compression=zipfile.ZIP_STORED)
    assert intake.sniff(stored_pdf_first) == "zip"
    assert intake.sniff(hostile.PE) == intake.sniff(hostile.ELF) == "executable"
    assert intake.sniff(hostile.HTML) == intake.sniff(b"\xef\xbb\xbf  <svg onload=x>") == "markup"
    assert intake.sniff(hostile._cfb_encrypted_package()) == "office-encrypted"
    assert intake.sniff(b"junk\n%PDF-1.7\n") == "pdf"  # readers allow junk before the header


@pytest.mark.parametrize("data, code", [
    (hostile.PE, "executable"), (hostile.HTML, "markup"), (b"", "empty"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "old_office"),
])
def test_refusals_carry_a_code_and_a_chinese_message(data, code):
    (item,) = intake._intake_bytes("申报表.docx", data, 0)
    assert item.code == code and item.error and any("\u4e00" <= c <= "\u9fff" for c in item.error)


@pytest.mark.parametrize("members, code", [
    ({"申报表.docx": b"a", "申报表.DOCX": b"b"}, "zip_duplicate_name"),
    ({"申报表.docx\x00.exe": b"a"}, "zip_bad_name"),
    ({"报告\n伪造的日志行.pdf": b"a"}, "zip_bad_name"),
    ({"长" * 100 + ".pdf": b"a"}, "zip_bad_name"),
    ({"": b"a"}, "zip_bad_name"),  # zipfile's is_dir() fails on it: intake used to crash
    ({"__MACOSX/._a.pdf": b"a", ".DS_Store": b"b"}, "zip_empty"),
    ({}, "zip_empty"),
])
def test_archives_refused_as_a_whole(form_docx, members, code):
    data = hostile._raw_zip([{"name": name.encode(), "data": data, "flags": 0x800} for name, data in members.items()])
    (item,) = intake.unpack_zip("材料.zip", data)
    assert item.code == code and "材料.zip" in item.error


def test_overlapping_members_are_a_bomb():
    (item,) = intake.unpack_zip("o.zip", hostile.zip_overlap([f"{i}.pdf" for i in range(8)], kernel_size=2**20))
    assert item.code == "zip_overlap" and "炸弹" in item.error


def test_encrypted_and_unknown_members_are_named_before_reading():
    pdf = b"%PDF-1.4\n%%EOF\n"
    encrypted = hostile._raw_zip([{"name": b"p.pdf", "data": hostile._zipcrypto(pdf, b"pw", zlib.crc32(pdf)),
                                   "plain": pdf, "flags": 1}])
    with zipfile.ZipFile(io.BytesIO(encrypted)) as zf:
        assert zf.read("p.pdf", pwd=b"pw") == pdf  # a real ZipCrypto member
    assert intake.unpack_zip("e.zip", encrypted)[0].code == "zip_encrypted"
    ppmd = hostile._raw_zip([{"name": b"p.pdf", "data": pdf, "method": 98}])
    assert intake.unpack_zip("m.zip", ppmd)[0].code == "zip_unsupported_method"


def test_special_files_in_a_folder_are_answered_not_opened(tmp_path, form_docx):
    (tmp_path / "申报表.docx").write_bytes(form_docx)
    os.mkfifo(tmp_path / "管道.pdf")
    os.symlink("/dev/zero", tmp_path / "zero.pdf")
    os.symlink("/", tmp_path / "root")
    (tmp_path / os.fsdecode("营业执照.pdf".encode("gbk"))).write_bytes(hostile.text_pdf(["营业执照"]))
    items = {i.name: i for i in intake.collect([tmp_path])}
    assert items["管道.pdf"].code == "not_regular_file"
    assert items["zero.pdf"].code == items["root"].code == "symlink"
    assert items["营业执照.pdf"].error is None  # a GBK name on disk, shown as text
    assert items["申报表.docx"].error is None and len(items) == 5


def test_docx_with_a_dtd_or_a_bomb_is_refused(form_docx):
    from extractors.backends.docx import DocxBackend
    from forms.errors import UnreadableFile

    xxe = hostile.docx_with_document(form_docx, hostile._document_xml(
        hostile._para("&xxe;"), '<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'))
    with pytest.raises(UnreadableFile) as refused:
        DocxBackend("xxe.docx", xxe).layout()
    assert refused.value.log_message.startswith("[docx_dtd]") and "DTD" in refused.value.user_message
    bomb = hostile.docx_huge_part(form_docx, "word/media/image1.png", 64 * 2**20)
    with pytest.raises(UnreadableFile) as refused:
        DocxBackend("bomb.docx", bomb).layout()
    assert refused.value.log_message.startswith("[docx_bomb]")


@pytest.mark.parametrize("make, code", [
    (lambda: hostile._one_page(mediabox=b"6 0 R", more=[b"7 0 R", b"6 0 R"]), "pdf_reference_loop"),
    (lambda: hostile._pdf([b"2 0 R", b"1 0 R"]), "pdf_reference_loop"),
    (lambda: hostile.content_bomb_pdf(128 * 2**20), "pdf_bomb"),
    (lambda: hostile.flate_image_pdf(30000, 30000), "pdf_image_too_large"),
    (lambda: hostile.page_dag_pdf(), "pdf_too_many_pages"),
    (lambda: hostile.encrypted_pdf(["排污许可证"]), "pdf_encrypted"),
    (lambda: hostile._pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]),
     "pdf_no_pages"),
])
def test_hostile_pdfs_are_refused_with_their_code(make, code):
    from extractors.backends.pdf import PdfBackend
    from forms.errors import UnreadableFile

    with pytest.raises(UnreadableFile) as refused:
        PdfBackend("x.pdf", make()).layout()
    assert refused.value.log_message.startswith(f"[{code}]")


def test_a_pdf_that_keeps_pdfminer_busy_is_stopped_by_the_time_limit():
    import time

    from extractors.backends.pdf import PdfBackend
    from forms.errors import UnreadableFile
    from forms.settings import Settings

    started = time.monotonic()
    with pytest.raises(UnreadableFile) as refused:
        PdfBackend("x.pdf", hostile.form_amplification_pdf(), Settings(pdf_timeout=3)).layout()
    assert refused.value.log_message.startswith("[pdf_timeout]") and "3 秒" in refused.value.user_message
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("sandbox", ["1", "0"])
def test_a_good_pdf_reads_the_same_in_and_out_of_the_child(sandbox):
    from extractors.backends.pdf import PdfBackend
    from forms.settings import Settings

    settings = Settings.from_env({"GRADEDESK_PDF_SANDBOX": sandbox})
    backend = PdfBackend("许可证.pdf", hostile.text_pdf(hostile.PERMIT_TEXT), settings)
    layout = backend.layout()
    assert layout.pages == 1 and not backend.ocr_pages
    assert "证书编号：91130981MA0CXQ1Y4H001P" in {s.text for s in layout.segments}


def test_every_type_intake_accepts_has_one_backend_declaring_it():
    from extractors.backends.base import Backend
    from extractors.backends.registry import BACKENDS

    assert set(BACKENDS) == set(intake.EXTENSIONS) - {"zip"}  # a zip's members are typed and read themselves
    for fmt, backend in BACKENDS.items():
        assert issubclass(backend, Backend) and fmt in backend.formats


def test_the_extractors_take_their_knobs_from_settings_not_the_environment():
    import re

    root = Path(__file__).resolve().parents[1] / "extractors"
    readers = [f"{path.relative_to(root)}: {line.strip()}" for path in root.rglob("*.py")
               for line in path.read_text("utf-8").splitlines() if re.search(r"os\.environ(\.get|\.setdefault|\[)|getenv", line)]
    assert readers == [], "the environment is read by the entry points (Settings.from_env()), not the library"


def test_extract_bundle_passes_its_settings_to_the_backends(tmp_path, monkeypatch):
    from extractors.backends import pdf
    from forms.settings import Settings

    path = tmp_path / "许可证.pdf"
    path.write_bytes(hostile.text_pdf(hostile.PERMIT_TEXT))
    seen = []
    real = pdf.read_guarded
    monkeypatch.setattr(pdf, "read_guarded", lambda name, data, settings: seen.append(settings) or real(
        name, data, settings))
    settings = Settings(pdf_sandbox=False, pdf_timeout=30)
    (doc,) = extract_bundle([path], settings=settings).documents
    assert seen == [settings] and doc.error is None and doc.method == "pdf-text"
