"""OFD (GB/T 33190), the format of electronic business licences and official e-documents, read through
ofdkit: each page's text runs (positions in millimetres from the top left) become segments in points,
split where a wide gap separates a label's value from the next label, as the PDF backend does.

An OFD holding only page images (a scanned OFD) has no text runs: it is read as empty and
classified by name; OCR of OFD images is not done.
"""

from __future__ import annotations

import logging

from extractors.backends.base import Backend
from extractors.layout import Layout, Segment
from forms.errors import UnreadableFile
from forms.facts import Source

log = logging.getLogger(__name__)

POINTS_PER_MM = 72 / 25.4
MAX_PAGES = 300
LINE_TOLERANCE = 0.4  # of the font size: runs whose baselines differ less are one line
GAP = 2.5  # font sizes of empty space that separate two segments of a line


class OfdBackend(Backend):
    formats = frozenset({"ofd"})
    method = "ofd"

    def layout(self) -> Layout:
        import ofdkit

        try:
            document = ofdkit.open(self.data)
            pages = document.pages[:MAX_PAGES]
            layout = Layout(file=self.name, method=self.method, pages=len(document.pages))
            for number, page in enumerate(pages, start=1):
                layout.page_sizes[number] = (page.width * POINTS_PER_MM, page.height * POINTS_PER_MM)
                layout.segments.extend(self._segments(page.runs, number))
        except ofdkit.OFDLimitError as exc:
            raise UnreadableFile("OFD 文件过大或结构异常，已拒绝读取，请转为 PDF 后上传。",
                                 f"[ofd_too_large] {self.name}: {exc}") from exc
        except (ofdkit.OFDError, ValueError, KeyError, OSError) as exc:
            raise UnreadableFile("OFD 文件已损坏，无法读取，请重新导出或转为 PDF 后上传。",
                                 f"[ofd_broken] {self.name}: {type(exc).__name__}: {exc}") from exc
        for warning in getattr(document, "warnings", [])[:5]:
            log.info("%s: %s", self.name, warning)
        if len(document.pages) > MAX_PAGES:
            log.warning("%s: only the first %d of %d pages read", self.name, MAX_PAGES, len(document.pages))
        return layout

    def _segments(self, runs, page: int) -> list[Segment]:
        lines: list[list] = []
        for run in sorted((r for r in runs if r.text.strip()), key=lambda r: (r.y, r.x)):
            if lines and abs(lines[-1][0].y - run.y) <= LINE_TOLERANCE * max(run.size, 1.0):
                lines[-1].append(run)
            else:
                lines.append([run])
        segments = []
        for i, line in enumerate(lines):
            line.sort(key=lambda r: r.x)
            current = [line[0]]
            for run in line[1:]:
                previous = current[-1]
                if run.x - (previous.x + previous.width) > GAP * max(previous.size, 1.0):
                    segments.append(self._segment(current, page, i))
                    current = [run]
                else:
                    current.append(run)
            segments.append(self._segment(current, page, i))
        return segments

    def _segment(self, runs, page: int, line: int) -> Segment:
        text = "".join(r.text for r in runs)
        x0 = min(r.x for r in runs)
        x1 = max(r.x + r.width for r in runs)
        top = min(r.y - r.size for r in runs)
        bottom = max(r.y for r in runs)
        bbox = tuple(v * POINTS_PER_MM for v in (x0, top, x1, bottom))
        return Segment(text=text, source=Source(self.name, page, None, bbox), line=page * 10000 + line)
