import io
import json
from pathlib import Path

import docx
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "fixtures" / "samples"


def sample_names() -> list[str]:
    return sorted(p.name for p in SAMPLES.iterdir() if p.is_dir()) if SAMPLES.exists() else []


def truth(name: str) -> dict:
    return json.loads((SAMPLES / f"{name}.truth.json").read_text("utf-8"))


def make_form_docx(name="石家庄市正定县恒通铸造有限公司", code="91130200699229617X") -> bytes:
    """A minimal application form: enough labels to be recognised as one."""
    document = docx.Document()
    document.add_paragraph("重污染天气重点行业绩效分级申报表")
    table = document.add_table(rows=4, cols=2)
    for row, (label, value) in zip(table.rows, [("企业名称", name), ("统一社会信用代码", code),
                                                ("申报等级", "B级"), ("所属行业", "铸造")], strict=True):
        row.cells[0].text, row.cells[1].text = label, value
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def make_jpeg(size=(64, 48)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, "white").save(buf, "JPEG")
    return buf.getvalue()


@pytest.fixture
def form_docx() -> bytes:
    return make_form_docx()
