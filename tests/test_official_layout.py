"""GB/T 9704-2012 conformance of the official documents, measured on their PDFs with pdfplumber
(docs/official-document-format.md "How conformance is checked"): A4 (595 × 842 pt); the first body
character's left edge at 28 mm (79.4 pt) ± 1 mm; the text block's top at 37 mm (104.9 pt) ± 1 mm;
a full body page holds 22 lines of at most 28 characters; title 22 pt, body 16 pt; page
numbers `— N —` on alternating sides. One warm LibreOffice converter serves the module.
"""

from __future__ import annotations

import io
import re
import shutil
from collections import defaultdict

import pdfplumber
import pytest

from generators import kinds
from generators.official import text_width

MM = 72 / 25.4
TOL = 1 * MM
LEFT, TOP, RIGHT = 28 * MM, 37 * MM, (210 - 26) * MM
BODY_BOTTOM = (297 - 35) * MM

pytestmark = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")

LONG_BODY = [
    "为贯彻落实《重污染天气重点行业应急减排措施制定技术指南（2020年修订版）》（环办大气函〔2020〕340号），"
    "指导各地精准开展绩效评级工作，细化应急减排清单，夯实应急减排措施，现将有关要求通知如下：",
    "一、要高度重视绩效评级工作",
    "在重污染天气预警期间，环保绩效水平先进的企业，可以减少或免除应急响应，从而鼓励先进、鞭策后进，"
    "引导大气污染物排放重点企业开展深度治理、实现全流程超低排放，推进行业转型升级和高质量发展。" * 3,
    "（一）加强源头控制。要求企业在提交申报材料时做到真实、完整和规范，及时告知企业在提交申报材料中存在弄虚作假问题的，"
    "经查实后直接降为最低等级，且纳入企业诚信档案。",
    "（二）严格审核程序。各地要按照材料审核和现场审核相结合的原则，对照绩效评级指标，逐项开展审核。" * 4,
    "1.全面开展评级。对去年评为A、B级的企业，也要按最新要求和程序重新开展绩效评级工作。" * 3,
    "二、要按时完成应急减排清单编制工作",
    "各地要对照绩效分级标准，如相关企业暂时达不到相关要求，且承诺9月15日前能够完成整改的，应予以全力支持，"
    "按照企业申请的级别进行前期准备工作，确保9月20日前同步完成所辖工业企业绩效评级和应急减排清单修订工作。" * 4,
]


@pytest.fixture(scope="session")
def converter_pool():
    from generators.pdf import ConverterPool, uno_available

    if not uno_available():
        pytest.fail("no Python with the UNO bridge: install python3-uno (the README's commands do)")
    pool = ConverterPool(1)
    yield pool
    pool.close()


@pytest.fixture(scope="session")
def pdfs(converter_pool):
    """Each official kind rendered to PDF once: {kind: bytes}."""
    out = {}
    for kind in ("notice", "letter", "result-notice", "rectification-notice"):
        data = kinds.get(kind).example()
        if kind in ("notice", "letter"):
            data["body"] = LONG_BODY
        buffer = io.BytesIO()
        kinds.get(kind).render(data, buffer, fmt=".pdf", pool=converter_pool)
        out[kind] = buffer.getvalue()
    return out


def lines_of(page, size: float | None = None) -> list[dict]:
    """Text lines of a page: {top, x0, x1, size, font, text}, top to bottom."""
    rows = defaultdict(list)
    for ch in page.chars:
        if size is None or abs(ch["size"] - size) < 0.3:
            rows[round(ch["top"])].append(ch)
    out = []
    for top in sorted(rows):
        chars = sorted(rows[top], key=lambda c: c["x0"])
        out.append({"top": chars[0]["top"], "x0": chars[0]["x0"], "x1": chars[-1]["x1"], "size": chars[0]["size"],
                    "font": chars[0]["fontname"].split("+")[-1], "text": "".join(c["text"] for c in chars)})
    return out


def rules_of(page) -> list[dict]:
    """The page's ruled lines, top to bottom (LibreOffice draws some twice)."""
    seen = {}
    for e in page.lines:
        seen.setdefault((round(e["top"], 1), round(e["x0"]), round(e["x1"]), e.get("linewidth")), e)
    return sorted(seen.values(), key=lambda e: e["top"])


def body_lines(page) -> list[dict]:
    """The 16 pt lines inside the text block (page numbers and the end block excluded)."""
    return [line for line in lines_of(page, 16) if line["top"] < BODY_BOTTOM]


@pytest.mark.parametrize("kind", ["notice", "letter", "result-notice", "rectification-notice"])
def test_page_fonts_and_numbers(pdfs, kind):
    with pdfplumber.open(io.BytesIO(pdfs[kind])) as pdf:
        assert len(pdf.pages) >= 2
        for n, page in enumerate(pdf.pages, start=1):
            assert (round(page.width), round(page.height)) == (595, 842)
            numbers = [line for line in lines_of(page) if re.fullmatch(r"— \d+ —", line["text"])]
            if kind == "letter" and n == 1:
                assert not numbers, "the letter's first page has no page number"
                continue
            assert [line["text"] for line in numbers] == [f"— {n} —"]
            number = numbers[0]
            assert number["size"] == pytest.approx(14, abs=0.3)  # 4号
            assert number["font"].startswith("FandolSong")  # 宋体
            # the dashes (drawn 0.68 em under the glyphs' top in FandolSong) 7 mm under the text block
            assert number["top"] + 0.68 * 14 == pytest.approx(BODY_BOTTOM + 7 * MM, abs=TOL)
            if n % 2:  # odd pages: right, one character in; even pages: left, one character in
                assert number["x1"] == pytest.approx(RIGHT - 14, abs=TOL)
            else:
                assert number["x0"] == pytest.approx(LEFT + 14, abs=TOL)
        first = pdf.pages[0]
        sizes = {round(line["size"]) for line in lines_of(first)}
        assert 22 in sizes and 16 in sizes
        title = [line for line in lines_of(first, 22)]
        assert title and all(line["font"] == "FandolSong-Bold" for line in title)  # 小标宋 → FandolSong Bold
        body = body_lines(first)
        assert body and all(line["font"].startswith(("FandolFang", "FandolHei", "FandolKai")) for line in body)
        # the first body character's left edge (a line that is not indented) at 28 mm
        flush = min(line["x0"] for line in body)
        assert flush == pytest.approx(LEFT, abs=TOL)
        for page in pdf.pages:
            for line in body_lines(page):
                assert line["x1"] <= RIGHT + 1, line  # nothing hangs past the text block


@pytest.mark.parametrize("kind", ["notice", "letter"])
def test_full_body_page_holds_22_lines_of_28_characters(pdfs, kind):
    with pdfplumber.open(io.BytesIO(pdfs[kind])) as pdf:
        page = pdf.pages[1]  # page 2 is all body text
        lines = body_lines(page)
        assert len(lines) == 22
        assert lines[0]["top"] == pytest.approx(TOP, abs=TOL)  # the text block's top at 37 mm
        assert lines[-1]["top"] + 16 <= BODY_BOTTOM + TOL
        pitches = {round(b["top"] - a["top"], 1) for a, b in zip(lines, lines[1:], strict=False)}
        assert all(abs(p - 28.95) < 0.2 for p in pitches), pitches
        widths = [text_width(line["text"]) for line in lines]
        assert max(widths) <= 28
        assert sum(1 for w in widths if w >= 27.5) >= 10  # and full lines are full: 28 characters
        for line in lines:
            assert line["x0"] == pytest.approx(LEFT, abs=TOL) or line["x0"] == pytest.approx(LEFT + 32, abs=TOL)


def test_file_format_head(pdfs):
    with pdfplumber.open(io.BytesIO(pdfs["notice"])) as pdf:
        page = pdf.pages[0]
        mark = lines_of(page)[0]
        assert mark["text"] == "示例市大气污染防治工作领导小组办公室文件"
        assert mark["font"] == "FandolSong-Bold"
        assert mark["top"] == pytest.approx(TOP + 35 * MM, abs=TOL)  # 35 mm under the text block's top
        red = [c for c in page.chars if c["text"] == "示" and c["top"] < 250]
        assert red and red[0]["non_stroking_color"] in ((1, 0, 0), [1, 0, 0], (1.0, 0.0, 0.0))
        number = next(line for line in lines_of(page, 16) if "〔2020〕" in line["text"])
        assert number["text"] == "示气领办〔2020〕12号"
        assert (number["x0"] + number["x1"]) / 2 == pytest.approx((LEFT + RIGHT) / 2, abs=TOL)  # centred
        rules = [e for e in page.lines + page.rects if e["top"] > number["top"] and e["top"] < number["top"] + 40]
        assert rules, "a red rule under the document number"
        rule = rules[0]
        assert rule["x0"] == pytest.approx(LEFT, abs=TOL) and rule["x1"] == pytest.approx(RIGHT, abs=TOL)
        assert rule["top"] - (number["top"] + 16) == pytest.approx(4 * MM, abs=TOL)


def test_letter_format_head(pdfs):
    with pdfplumber.open(io.BytesIO(pdfs["letter"])) as pdf:
        page = pdf.pages[0]
        mark = lines_of(page)[0]
        assert mark["text"] == "示例市生态环境局"
        assert mark["top"] == pytest.approx(30 * MM, abs=TOL)  # 30 mm from the page's top edge
        rules = rules_of(page)
        top_rules = [r for r in rules if r["top"] < 200]
        bottom_rules = [r for r in rules if r["top"] > 700]
        for group in (top_rules, bottom_rules):
            assert len(group) == 2  # double rules
            assert group[0]["x1"] - group[0]["x0"] == pytest.approx(170 * MM, abs=TOL)
        assert top_rules[0]["linewidth"] > top_rules[1]["linewidth"]  # thick over thin
        assert bottom_rules[0]["linewidth"] < bottom_rules[1]["linewidth"]  # thin over thick
        assert page.height - bottom_rules[1]["top"] == pytest.approx(20 * MM, abs=TOL)
        number = next(line for line in lines_of(page, 16) if "〔2020〕" in line["text"])
        assert number["x1"] == pytest.approx(RIGHT, abs=TOL)  # flush right under the rule
        assert number["top"] > top_rules[1]["top"]
        # the end block (抄送 alone, no rules) at the bottom of the last page's text block
        last = pdf.pages[-1]
        copy = next(line for line in lines_of(last, 14) if line["text"].startswith("抄送："))
        assert copy["top"] > BODY_BOTTOM - 2 * 28.95 and copy["top"] + 14 <= BODY_BOTTOM + TOL
        assert not any("印发" in line["text"] for line in lines_of(last))


def test_end_block_sits_on_the_last_page_bottom(pdfs):
    with pdfplumber.open(io.BytesIO(pdfs["notice"])) as pdf:
        last = pdf.pages[-1]
        lines = lines_of(last, 14)
        copy = next(line for line in lines if line["text"].startswith("抄送："))
        printed = next(line for line in lines if line["text"].endswith("印发"))
        assert copy["x0"] == pytest.approx(LEFT + 14, abs=TOL)  # one character in
        assert printed["x1"] == pytest.approx(RIGHT - 14, abs=TOL)
        rules = [e for e in rules_of(last) if e["top"] > copy["top"] - 20]
        assert len(rules) == 3
        assert rules[-1]["top"] == pytest.approx(BODY_BOTTOM, abs=TOL)  # the last rule on the bottom edge
        assert all(r["x1"] - r["x0"] == pytest.approx(156 * MM, abs=TOL) for r in rules)


def test_attachments_start_new_pages(pdfs):
    with pdfplumber.open(io.BytesIO(pdfs["result-notice"])) as pdf:
        starts = []
        for n, page in enumerate(pdf.pages, start=1):
            lines = lines_of(page)
            if lines and re.fullmatch(r"附件\d", lines[0]["text"]):
                starts.append(n)
                assert lines[0]["font"].startswith("FandolHei")  # 3号黑体
                assert lines[0]["x0"] == pytest.approx(LEFT, abs=TOL)
                assert lines[0]["top"] == pytest.approx(TOP, abs=TOL)
        assert len(starts) == 4


def test_faces_are_reported_and_embedded(pdfs):
    from generators.pdf import face_report

    for kind in ("notice", "letter", "result-notice"):
        report = face_report(pdfs[kind])
        assert report["all_embedded"]
        assert report["fallbacks"] == []
        assert "FandolFang-Regular" in report["faces"] and "FandolSong-Bold" in report["faces"]
    assert {"FandolHei-Regular", "FandolKai-Regular"} <= set(face_report(pdfs["notice"])["faces"])
