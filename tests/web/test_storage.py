"""Content-addressed storage: files live under their sha256, names only in the database."""

from __future__ import annotations

import hashlib
import io

import pytest
from sqlalchemy import select

from web.storage import Storage, safe_filename


def test_saved_under_sha256(tmp_path):
    storage = Storage(tmp_path)
    data = "申报材料".encode() * 1000
    stored = storage.save(io.BytesIO(data))
    sha = hashlib.sha256(data).hexdigest()
    assert stored.sha256 == sha and stored.size == len(data)
    path = tmp_path / "files" / sha[:2] / sha
    assert path.read_bytes() == data
    assert storage.path_for(sha) == path and storage.exists(sha)
    with storage.open(sha) as fh:
        assert fh.read() == data
    assert list((tmp_path / "files" / "tmp").iterdir()) == []  # the temporary name is gone


def test_same_content_is_stored_once(tmp_path):
    storage = Storage(tmp_path)
    a = storage.save_bytes(b"same")
    b = storage.save_bytes(b"same")
    assert a == b
    assert [p.name for p in (tmp_path / "files").rglob("*") if p.is_file()] == [a.sha256]


def test_failed_write_leaves_nothing(tmp_path):
    class Broken(io.BytesIO):
        def read(self, *args):
            raise OSError("disk on fire")

    with pytest.raises(OSError):
        Storage(tmp_path).save(Broken(b"x"))
    assert [p for p in (tmp_path / "files").rglob("*") if p.is_file()] == []


@pytest.mark.parametrize("bad", ["../../etc/passwd", "ABC", "0" * 63, "g" * 64, "/" + "0" * 63])
def test_paths_come_only_from_a_sha256(tmp_path, bad):
    with pytest.raises(ValueError):
        Storage(tmp_path).path_for(bad)


@pytest.mark.parametrize(("name", "safe"), [
    ("排污许可证.pdf", "排污许可证.pdf"),
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\王\\申报表.docx", "申报表.docx"),
    (".hidden", "hidden"),
    ("a\x00b<>.pdf", "a_b__.pdf"),
    ("", "file"),
    ("..", "file"),
    (None, "file"),
])
def test_safe_filename(name, safe):
    assert safe_filename(name) == safe


def test_long_names_keep_their_extension():
    name = safe_filename("长" * 300 + ".docx")
    assert name.endswith(".docx") and len(name.encode()) <= 200


def test_upload_is_stored_by_sha256_with_its_name_in_the_database(app, db, users, api):
    from web.models import CaseFile

    data = b"%PDF-1.4 not really"
    response = api("clerk").post("/api/v1/cases", data={"files": (io.BytesIO(data), "../许可证.pdf")},
                                 content_type="multipart/form-data")
    assert response.status_code == 202
    with db.session() as session:
        [row] = session.scalars(select(CaseFile)).all()
    sha = hashlib.sha256(data).hexdigest()
    assert (row.sha256, row.size, row.original_name) == (sha, len(data), "许可证.pdf")
    data_dir = app.config["GRADEDESK_DATA_DIR"]
    assert Storage(data_dir).path_for(sha).read_bytes() == data
    assert not any("许可证" in str(p) for p in Storage(data_dir).root.rglob("*"))
