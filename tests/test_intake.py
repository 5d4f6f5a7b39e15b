"""Hostile and broken input: each file answered with a clear message, the rest still read."""

import io
import os
import stat
import zipfile

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
    assert "JPEG" in docs["许可证.pdf"].error and "PDF" in docs["许可证.pdf"].error
    assert "空" in docs["空白.pdf"].error
    assert ".docx" in docs["旧版.doc"].error


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
