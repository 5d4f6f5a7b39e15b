"""PDF from the generated .docx files, with LibreOffice kept warm.

A `Converter` is one long-lived headless `soffice` process with its own profile
directory (two conversions sharing a profile lose files), driven over a UNO pipe by
generators/uno_worker.py running in Debian's Python (importing `uno` here would
replace this interpreter's import machinery): the document is loaded hidden,
exported with `writer_pdf_Export` and closed. A
`ConverterPool` holds one converter per core and hands each conversion to an idle
one; `convert()` uses a process-wide pool started on first use.

Fonts: the converters run with FONTCONFIG_FILE=generators/fonts/fonts.conf, which
maps the names official documents use (仿宋_GB2312, 楷体_GB2312, 黑体, 宋体,
方正小标宋简体) to the Fandol faces. `fonts_used()` reads back which faces a PDF
embeds, so a silent fallback shows.

`convert_cold()` is the plain `soffice --convert-to pdf` route, one process per
document, kept for comparison (benchmarks/generation.py) and as the fallback when
the UNO bridge cannot be imported.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from forms.errors import GradedeskError
from forms.settings import Settings

log = logging.getLogger(__name__)

FONTS_CONF = Path(__file__).resolve().parent / "fonts" / "fonts.conf"
FANDOL_DIR = Path("/usr/share/texlive/texmf-dist/fonts/opentype/public/fandol")
START_TIMEOUT = 60.0  # seconds for a fresh soffice to accept the connection
CONVERT_TIMEOUT = 120.0  # seconds for one document before the converter is killed and restarted

# The faces the font mapping should give; anything else in a PDF is a fallback.
EXPECTED_FACES = {"FandolFang", "FandolKai", "FandolHei", "FandolSong"}


class ConversionFailed(GradedeskError):
    """LibreOffice could not turn a document into PDF."""

    default_user_message = "生成 PDF 失败，请稍后重试或下载 Word 版本。"


def soffice_path() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        raise ConversionFailed("服务器未安装 LibreOffice，无法生成 PDF。", "soffice not found on PATH")
    return found


def converter_env() -> dict[str, str]:
    """The environment a converter runs in: our font mapping, no display."""
    env = dict(os.environ)
    env["FONTCONFIG_FILE"] = str(FONTS_CONF)
    env.pop("DISPLAY", None)
    env.setdefault("SAL_USE_VCLPLUGIN", "svp")
    return env


_fonts_ready = threading.Lock()
_fonts_done = False


def prepare_fonts() -> None:
    """Scan the Fandol folder into our own font cache once, with the weight fix of fonts.conf
    (a cache written under another configuration would call both FandolSong faces regular)."""
    global _fonts_done
    with _fonts_ready:
        if _fonts_done:
            return
        _fonts_done = True
        fc_cache = shutil.which("fc-cache")
        if fc_cache and FANDOL_DIR.is_dir():
            subprocess.run([fc_cache, "-f", str(FANDOL_DIR)], env=converter_env(),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120, check=False)
        elif not FANDOL_DIR.is_dir():
            log.warning("Fandol faces not found in %s: official PDFs will use fallback faces "
                        "(install texlive-lang-chinese)", FANDOL_DIR)


UNO_WORKER = Path(__file__).resolve().parent / "uno_worker.py"
_uno_pythons: dict[str | None, str | None] = {}  # the settings' uno_python → what was found
_uno_lock = threading.Lock()


def uno_python(settings: Settings | None = None) -> str | None:
    """A Python that can `import uno` (Debian's python3-uno), found once; the settings' `uno_python` first."""
    wanted = (settings or Settings()).uno_python
    with _uno_lock:
        if wanted not in _uno_pythons:
            _uno_pythons[wanted] = None
            for candidate in (wanted, "/usr/bin/python3", shutil.which("python3")):
                if not candidate or not Path(candidate).exists():
                    continue
                probe = subprocess.run([candidate, "-c", "import uno"], capture_output=True, timeout=60,
                                       check=False)
                if probe.returncode == 0:
                    _uno_pythons[wanted] = candidate
                    break
        return _uno_pythons[wanted]


def uno_available(settings: Settings | None = None) -> bool:
    return uno_python(settings) is not None


class Converter:
    """One warm `soffice` with its own profile, driven by generators/uno_worker.py in its own process
    (the `uno` module must never be imported here). Not thread-safe: the pool gives each converter
    to one thread at a time."""

    def __init__(self, workdir: str | os.PathLike, name: str | None = None, settings: Settings | None = None):
        self.name = name or f"gradedesk-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.settings = settings or Settings()
        self.profile = Path(workdir) / f"profile-{self.name}"
        self.process: subprocess.Popen | None = None
        self.conversions = 0

    # -- life cycle ------------------------------------------------------------
    def start(self) -> None:
        python = uno_python(self.settings)
        if python is None:
            raise ConversionFailed(log_message="no Python with the UNO bridge (python3-uno) was found")
        prepare_fonts()
        self.profile.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [python, str(UNO_WORKER), "--soffice", soffice_path(), "--profile", self.profile.as_uri(),
             "--start-timeout", str(START_TIMEOUT)],
            env=converter_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True, encoding="utf-8", start_new_session=True)
        ready = self._read(START_TIMEOUT + 5)
        if not ready or not ready.get("ready"):
            self._kill()
            raise ConversionFailed(log_message=f"LibreOffice converter {self.name} did not start")

    def _read(self, timeout: float) -> dict | None:
        """One reply line, or None when the worker died or stayed silent for `timeout` seconds."""
        import json
        import select

        assert self.process is not None and self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        if not ready:
            return None
        line = self.process.stdout.readline()
        return json.loads(line) if line else None

    def stop(self) -> None:
        if self.process is not None:
            with contextlib.suppress(OSError, ValueError):
                self.process.stdin.write('{"quit": true}\n')
                self.process.stdin.flush()
                self.process.stdin.close()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._kill()
            self.process = None

    def _kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, 9)
            self.process.wait(timeout=10)
        self.process = None

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    # -- work ----------------------------------------------------------------------
    def convert(self, source: str | os.PathLike, target: str | os.PathLike) -> None:
        """`source` .docx → `target` .pdf. Restarts the converter once if it has died or hung."""
        if not self.alive:
            self.stop()
            self.start()
        try:
            self._convert(Path(source), Path(target))
        except _Broken as exc:
            log.warning("converter %s broke (%s); restarting", self.name, exc)
            self._kill()
            self.start()
            self._convert(Path(source), Path(target))

    def _convert(self, source: str | os.PathLike, target: str | os.PathLike) -> None:
        import json

        source, target = Path(source).resolve(), Path(target).resolve()
        try:
            self.process.stdin.write(json.dumps({"source": str(source), "target": str(target)}) + "\n")
            self.process.stdin.flush()
        except (OSError, ValueError) as exc:
            raise _Broken(f"write failed: {exc}") from exc
        answer = self._read(CONVERT_TIMEOUT)
        if answer is None:
            raise _Broken("no answer within the time limit")
        if "error" in answer:
            raise ConversionFailed(log_message=f"LibreOffice failed on {source}: {answer['error']}")
        self.conversions += 1
        if not target.is_file() or target.stat().st_size == 0:
            raise ConversionFailed(log_message=f"LibreOffice wrote no PDF for {source}")


class _Broken(Exception):
    """The converter process died or hung."""


class ConverterPool:
    """Warm converters, one per core by default, started on first use."""

    def __init__(self, size: int | None = None, workdir: str | os.PathLike | None = None,
                 settings: Settings | None = None):
        self.settings = settings or Settings()
        self.size = max(1, size or self.settings.pdf_converters or os.cpu_count() or 1)
        self._own_workdir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="gradedesk-soffice-"))
        self._idle: queue.Queue[Converter] = queue.Queue()
        self._all: list[Converter] = []
        self._lock = threading.Lock()
        self._closed = False

    def _acquire(self) -> Converter:
        with self._lock:
            if self._closed:
                raise ConversionFailed(log_message="converter pool is closed")
            if self._idle.empty() and len(self._all) < self.size:
                converter = Converter(self.workdir, name=f"gradedesk-{os.getpid()}-{len(self._all)}",
                                      settings=self.settings)
                self._all.append(converter)
                return converter
        return self._idle.get()

    def start(self) -> None:
        """Start every converter now, in parallel (otherwise they start on first use)."""
        converters = [self._acquire() for _ in range(self.size - len(self._all) + self._idle.qsize())]
        threads = [threading.Thread(target=c.start) for c in converters if not c.alive]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for c in converters:
            self._idle.put(c)

    def convert(self, source: str | os.PathLike, target: str | os.PathLike) -> None:
        converter = self._acquire()
        try:
            converter.convert(source, target)
        finally:
            self._idle.put(converter)

    def convert_many(self, pairs: Iterable[tuple[str | os.PathLike, str | os.PathLike]]) -> None:
        """Convert (source, target) pairs using every converter of the pool at once."""
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(self.size) as pool:
            for future in [pool.submit(self.convert, s, t) for s, t in pairs]:
                future.result()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            converters = list(self._all)
        for converter in converters:
            converter.stop()
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> ConverterPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


_default: ConverterPool | None = None
_default_lock = threading.Lock()


def default_pool(settings: Settings | None = None) -> ConverterPool:
    """The process-wide pool, started with the first caller's settings (`pdf_converters`
    converters, else one per core)."""
    global _default
    with _default_lock:
        if _default is None or _default._closed:
            _default = ConverterPool(settings=settings)
            atexit.register(_default.close)
        return _default


def convert(source: str | os.PathLike, target: str | os.PathLike, *, pool: ConverterPool | None = None,
            settings: Settings | None = None) -> None:
    """Turn a .docx into a PDF with a warm converter (cold `soffice --convert-to` without UNO)."""
    if pool is None and not uno_available(settings):
        convert_cold(source, target)
        return
    (pool or default_pool(settings)).convert(source, target)


def docx_to_pdf(render, out: str | os.PathLike | IO[bytes], *, pool: ConverterPool | None = None,
                settings: Settings | None = None) -> None:
    """Call `render(path)` to write a .docx, then convert it to `out` (a path or a binary file)."""
    with tempfile.TemporaryDirectory(prefix="gradedesk-pdf-") as tmp:
        docx = Path(tmp) / "document.docx"
        pdf = Path(tmp) / "document.pdf"
        render(docx)
        convert(docx, pdf, pool=pool, settings=settings)
        if hasattr(out, "write"):
            out.write(pdf.read_bytes())
        else:
            shutil.move(str(pdf), str(out))


def convert_cold(source: str | os.PathLike, target: str | os.PathLike) -> None:
    """One `soffice --convert-to pdf` process for one document, with a fresh profile."""
    source, target = Path(source), Path(target)
    prepare_fonts()
    with tempfile.TemporaryDirectory(prefix="gradedesk-soffice-cold-") as tmp:
        outdir = Path(tmp) / "out"
        result = subprocess.run(
            [soffice_path(), "--headless", "--norestore", "--nolockcheck",
             f"-env:UserInstallation={(Path(tmp) / 'profile').as_uri()}",
             "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(outdir), str(source)],
            env=converter_env(), stdin=subprocess.DEVNULL, capture_output=True, timeout=CONVERT_TIMEOUT,
            check=False)
        produced = outdir / (source.stem + ".pdf")
        if not produced.is_file():
            raise ConversionFailed(log_message=f"soffice --convert-to failed ({result.returncode}): "
                                               f"{result.stderr.decode(errors='replace')[-500:]}")
        shutil.move(str(produced), str(target))


# ---- what a PDF embeds -------------------------------------------------------------

@dataclass(frozen=True)
class FontUse:
    name: str  # the PostScript name, subset prefix removed: FandolFang-Regular
    embedded: bool
    subtype: str


def fonts_used(pdf: str | os.PathLike | bytes) -> list[FontUse]:
    """Every font a PDF's pages use, with whether it is embedded, sorted by name."""
    import io

    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import resolve1

    data = pdf if isinstance(pdf, bytes) else Path(pdf).read_bytes()
    document = PDFDocument(PDFParser(io.BytesIO(data)))
    found: dict[str, FontUse] = {}
    for page in PDFPage.create_pages(document):
        fonts = resolve1((resolve1(page.resources) or {}).get("Font")) or {}
        for ref in fonts.values():
            font = resolve1(ref)
            base = _name(font.get("BaseFont"))
            subtype = _name(font.get("Subtype"))
            descriptor = resolve1(font.get("FontDescriptor"))
            if subtype == "Type0":
                descendant = resolve1(resolve1(font.get("DescendantFonts"))[0])
                descriptor = resolve1(descendant.get("FontDescriptor"))
            embedded = bool(descriptor) and any(k in descriptor for k in ("FontFile", "FontFile2", "FontFile3"))
            name = base.split("+", 1)[1] if "+" in base[:7] else base
            found[name] = FontUse(name, embedded or subtype == "Type3", subtype)
    return sorted(found.values(), key=lambda f: f.name)


def _name(value) -> str:
    from pdfminer.psparser import PSLiteral

    if isinstance(value, PSLiteral):
        value = value.name
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    return str(value or "")


def face_report(pdf: str | os.PathLike | bytes) -> dict[str, object]:
    """{"faces": [...], "all_embedded": bool, "fallbacks": [...]} for the PDF's fonts: a fallback
    is a face outside the Fandol families (Latin faces for digits and letters are listed too)."""
    fonts = fonts_used(pdf)
    families = {f.name: f.name.split("-")[0] for f in fonts}
    return {
        "faces": [f.name for f in fonts],
        "all_embedded": all(f.embedded for f in fonts),
        "fallbacks": [name for name, family in families.items() if family not in EXPECTED_FACES],
    }
