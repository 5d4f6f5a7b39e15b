"""How fast documents are generated: review sheets as .docx, PDF pages with LibreOffice warm
and cold, peak memory.

    .venv/bin/python benchmarks/generation.py [--cases 500] [--pdf-docs 24] [--cold-docs 4]

Targets on the project's 2-core machine (issue 5): ≥ 50 .docx review sheets a second;
≥ 5 PDF pages a second with the warm converters.
"""

from __future__ import annotations

import argparse
import copy
import io
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generators import kinds  # noqa: E402
from generators.review_sheet import REVIEW_SHEET  # noqa: E402


def review_sheet_cases(n: int) -> list[dict]:
    """`n` distinct sheets: the example with its names, findings and rows varied."""
    base = REVIEW_SHEET.example()
    cases = []
    for i in range(n):
        data = copy.deepcopy(base)
        data["enterprise_name"] = f"示例铸造有限公司第{i + 1}分厂"
        data["credit_code"] = f"9113020069922{i:04d}X"[:18]
        data["findings"] = data["findings"] * (1 + i % 3)
        for row in data["indicators"]:
            row["actual"] = f"{row['actual']}（第{i + 1}份）"
        cases.append(data)
    return cases


def bench_docx(n: int) -> float:
    cases = review_sheet_cases(n)
    REVIEW_SHEET.render_docx(cases[0], io.BytesIO())  # warm the template cache and imports
    start = time.perf_counter()
    for data in cases:
        REVIEW_SHEET.render_docx(data, io.BytesIO())
    return n / (time.perf_counter() - start)


def pdf_pages(path: Path) -> int:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(path))
    try:
        return len(pdf)
    finally:
        pdf.close()


def documents(tmp: Path, n: int) -> list[Path]:
    """`n` .docx files cycling through the review sheet and the official documents."""
    names = ["review-sheet", "notice", "result-notice", "rectification-notice", "letter"]
    out = []
    for i in range(n):
        name = names[i % len(names)]
        path = tmp / f"{i:03d}-{name}.docx"
        kind = kinds.get(name)
        kind.render(kind.example(), path)
        out.append(path)
    return out


def bench_pdf_warm(docs: list[Path], tmp: Path) -> tuple[float, int, float, list[int]]:
    from generators.pdf import ConverterPool

    pool = ConverterPool()
    start = time.perf_counter()
    pool.start()
    started = time.perf_counter() - start
    pairs = [(d, tmp / f"warm-{d.stem}.pdf") for d in docs]
    pool.convert(*pairs[0])  # first conversion of each process loads the Writer filters
    start = time.perf_counter()
    pool.convert_many(pairs)
    elapsed = time.perf_counter() - start
    pages = sum(pdf_pages(t) for _, t in pairs)
    peaks = [_peak_rss_kb(c.process.pid) for c in pool._all if c.process]
    pool.close()
    return pages / elapsed, pages, started, peaks


def bench_pdf_cold(docs: list[Path], tmp: Path) -> tuple[float, int]:
    from generators.pdf import convert_cold

    start = time.perf_counter()
    pages = 0
    for d in docs:
        target = tmp / f"cold-{d.stem}.pdf"
        convert_cold(d, target)
        pages += pdf_pages(target)
    return pages / (time.perf_counter() - start), pages


def _peak_rss_kb(pid: int) -> int:
    """Peak resident memory of a process and its descendants (soffice is a script that starts
    soffice.bin), from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo += children.get(current, [])
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=500, help="review sheets rendered as .docx")
    parser.add_argument("--pdf-docs", type=int, default=24, help="documents converted by the warm converters")
    parser.add_argument("--cold-docs", type=int, default=4, help="documents converted one process each")
    args = parser.parse_args(argv)

    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    rate = bench_docx(args.cases)
    print(f"review sheets as .docx: {args.cases} cases, {rate:.1f} sheets/s (target ≥ 50)")
    python_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    with tempfile.TemporaryDirectory(prefix="gradedesk-bench-") as tmp:
        tmp = Path(tmp)
        docs = documents(tmp, max(args.pdf_docs, args.cold_docs))
        warm, warm_pages, started, peaks = bench_pdf_warm(docs[:args.pdf_docs], tmp)
        print(f"PDF, warm converters ({os.cpu_count()} soffice, started in {started:.1f} s): "
              f"{warm_pages} pages of {args.pdf_docs} documents, {warm:.1f} pages/s (target ≥ 5)")
        cold, cold_pages = bench_pdf_cold(docs[:args.cold_docs], tmp)
        print(f"PDF, one soffice process per document: {cold_pages} pages of {args.cold_docs} documents, "
              f"{cold:.2f} pages/s ({warm / cold:.1f}× slower than warm)")
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(f"peak memory: Python {python_peak / 1024:.0f} MB; each warm soffice "
          f"{', '.join(f'{p / 1024:.0f} MB' for p in peaks)}; largest finished child {children / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
