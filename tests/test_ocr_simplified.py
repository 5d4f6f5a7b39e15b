"""OCR readings come out in simplified characters (extractors/ocr/simplified.py): a name printed, or read,
in traditional forms is the simplified name the form gives."""

from __future__ import annotations

import glob

import pytest
from PIL import Image, ImageDraw, ImageFont

from extractors.ocr import get_engine
from extractors.ocr.simplified import simplified
from forms.settings import Settings

FONTS = sorted(glob.glob("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"))


def test_conversion_keeps_length_and_phrases():
    assert simplified("河北強盛鑄造有限公司排污許可證") == "河北强盛铸造有限公司排污许可证"
    assert simplified("乾坤") == "乾坤"  # a phrase, not a character table
    assert simplified("冀A12345 LFV2A21K8D4100001") == "冀A12345 LFV2A21K8D4100001"


@pytest.mark.skipif(not FONTS, reason="Noto CJK fonts are not installed")
@pytest.mark.parametrize("engine", ["rapidocr", "tesseract"])
def test_a_name_printed_in_traditional_forms_is_read_simplified(engine):
    image = Image.new("RGB", (900, 120), "white")
    ImageDraw.Draw(image).text((30, 30), "河北強盛鑄造有限公司", fill="black", font=ImageFont.truetype(FONTS[0], 48))
    lines = get_engine(Settings(ocr_engine=engine, ocr_threads=1)).recognise(image)
    text = "".join(line.text for line in lines).replace(" ", "")
    assert "强盛铸造有限公司" in text
    assert all(ch not in text for ch in "強鑄")
    assert all(simplified(w.text) == w.text for line in lines for w in line.words)
