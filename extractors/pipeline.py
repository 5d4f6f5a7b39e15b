"""One bundle in, one Extraction out: intake, a backend per file type, classification, labels."""

from __future__ import annotations

import concurrent.futures
import concurrent.futures.process
import logging
import re
import time
from collections.abc import Callable
from pathlib import Path

from extractors import intake
from extractors.attachments import with_attachment_facts
from extractors.backends.image import ocr_pool, page_listener, reset_pool
from extractors.backends.registry import BACKENDS, IMAGE_FORMATS
from extractors.cache import ExtractionCache, cache_key
from extractors.document_parts import opening_kind, page_ranges, part_layout
from extractors.kinds import NAME_HINTS, classify, folder_page, page_number, page_sets
from extractors.labels import facts_from_layout, signature_date, title_name
from extractors.layout import Grid, Layout
from extractors.tables import tables_from_layout
from forms.errors import UnreadableFile
from forms.facts import DocumentResult, Extraction, Fact, Source
from forms.fields import FIELDS, carries, carries_table, form_only_keys
from forms.label_meaning import ACCEPTED_SYNONYMS
from forms.settings import Settings
from forms.synonyms import fingerprint
from forms.vocabulary import APPLICATION_FORM

log = logging.getLogger(__name__)

UNASSIGNED_KINDS = ("application_form", "unknown")
BASE_CONFIDENCE = {"docx": 0.99, "pdf-text": 0.97, "ocr": 1.0, "spreadsheet": 0.99, "ofd": 0.97}


def _layout(item: intake.IntakeFile, settings: Settings) -> Layout:
    backend = BACKENDS.get(item.type)
    if backend is None:
        raise UnreadableFile("不支持的文件类型。", f"{item.name}: no backend for {item.type}")
    return backend(item.name, item.data, settings).layout()


def extract_document(item: intake.IntakeFile, settings: Settings | None = None) -> DocumentResult:
    """Everything one file says; a file that cannot be read gets `error`, never an exception."""
    started = time.perf_counter()
    doc = _extract_document(item, settings or Settings())
    doc.seconds = time.perf_counter() - started
    return doc


def extract_with_synonyms(item: intake.IntakeFile, settings: Settings | None,
                          synonyms: tuple[tuple[str, str], ...]) -> DocumentResult:
    """extract_document with an office's accepted synonyms (label, field key) in force, in this process or
    an OCR process."""
    token = ACCEPTED_SYNONYMS.set(synonyms)
    try:
        return extract_document(item, settings)
    finally:
        ACCEPTED_SYNONYMS.reset(token)


def _extract_document(item: intake.IntakeFile, settings: Settings) -> DocumentResult:
    doc = DocumentResult(file=item.name, sha256=item.sha256, error=item.error,
                         error_code=getattr(item, "code", None) if item.error else None,
                         warnings=[item.warning] if item.warning and not item.error else [])
    if item.error:
        return doc
    try:
        layout = _layout(item, settings)
    except UnreadableFile as exc:
        log.warning("%s (sha256 %s): %s", item.name, item.sha256[:12], exc.log_message)
        doc.error, doc.error_code = exc.user_message, exc.code or "unreadable"
        return doc
    except Exception:
        log.exception("%s (sha256 %s): extraction failed", item.name, item.sha256[:12])
        doc.error, doc.error_code = "读取该文件时发生内部错误，已记录日志；其余文件不受影响。", "internal"
        return doc
    doc.method = layout.method
    doc.pages = layout.pages
    ranges = page_ranges(layout)
    if len(ranges) == 1:
        return _read_document(doc, layout, item)
    log.info("%s: %d documents in one file, pages %s", item.name, len(ranges),
             ", ".join(f"{a}-{b}" for a, b in ranges))
    doc.parts = [_read_document(DocumentResult(file=item.name, sha256=item.sha256, method=layout.method,
                                               pages=b - a + 1, pages_range=(a, b), part_of=item.name,
                                               warnings=list(doc.warnings)),
                                part_layout(layout, a, b), item)
                 for a, b in ranges]
    doc.kind, doc.confidence = doc.parts[0].kind, doc.parts[0].confidence
    return doc


def _read_document(doc: DocumentResult, layout: Layout, item: intake.IntakeFile) -> DocumentResult:
    """The facts and tables of one document's layout, its kind decided by what it says."""
    base = BASE_CONFIDENCE.get(layout.method, 0.9)
    unassigned: list = []
    facts = facts_from_layout(layout, "unknown", base, unassigned)
    kind, confidence = classify(layout.text(), "" if doc.part_of else item.name,
                                label_hits=len({f.key for f in facts} & form_only_keys()),
                                is_image=item.type in IMAGE_FORMATS)
    if kind != "unknown" and any(carries(kind, key) for key in FIELDS):
        # read again as what it is: on the enterprise's own form every label is the enterprise's (单位地址,
        # 厂区地址); an evidence document's labels mean the fields it states (签发日期 on a permit, 日期 on an
        # approval). Unknown files were read so already; a photo states no field
        unassigned = []
        facts = facts_from_layout(layout, kind, base, unassigned)
    for fact in facts:
        fact.kind = kind
    facts = with_attachment_facts(kind, layout, base, facts)
    facts += signature_date(layout, kind, base, facts)
    facts += title_name(layout, kind, base, facts)
    mark_sealed(facts, layout.seals)
    doc.kind, doc.confidence = kind, confidence
    doc.facts = facts
    if kind in UNASSIGNED_KINDS:
        # labels the form's filler wrote that mean no field: the clerk sees them (the attachments' own labels
        # 注册资本, 经营范围 … are no question of the form)
        doc.unassigned = [u.to_dict() for u in unassigned]
    doc.tables = tables_from_layout(layout)
    if not doc.part_of and (page_number(item.name) or folder_page(item.name)):
        doc.grids = layout.grids
        doc.untitled = opening_kind(layout) is None
    return doc


def mark_sealed(facts: list[Fact], seals: list[Source], share: float = 0.15) -> None:
    """Mark the facts whose box lies at least `share` under a seal on the same page."""
    for fact in facts:
        box = fact.source.bbox
        if not box or box[2] <= box[0] or box[3] <= box[1]:
            continue
        area = (box[2] - box[0]) * (box[3] - box[1])
        for seal in seals:
            if seal.page != fact.source.page or not seal.bbox:
                continue
            width = min(box[2], seal.bbox[2]) - max(box[0], seal.bbox[0])
            height = min(box[3], seal.bbox[3]) - max(box[1], seal.bbox[1])
            if width > 0 and height > 0 and width * height >= share * area:
                fact.sealed = True
                break


def extract_bundle(paths: list[Path], cache: ExtractionCache | None = None,
                   settings: Settings | None = None, progress: Progress | None = None,
                   synonyms: tuple[tuple[str, str], ...] = ()) -> Extraction:
    """All PATHs together are one application bundle (docs/cli.md).

    `synonyms`: (label, field key) pairs an office accepted (forms/synonyms.py), taken like the
    registry's synonyms.

    With a cache, a file whose content was read before is not read again. `progress(event, index,
    item, doc)` hears `start`, `page` (each page OCR'd in this process) and `done` of each file of
    `intake.collect(paths)` (files read by the OCR processes are `done` as each finishes, from another
    thread).
    """
    settings = settings or Settings()
    items = intake.collect([Path(p) for p in paths])
    tell = _teller(progress, items)
    synonyms = tuple(sorted(synonyms))
    keys = [cache_key(item.sha256, settings.ocr_engine, fingerprint(synonyms)) if cache is not None and not item.error else None for item in items]
    documents: list[DocumentResult | None] = [cache.get(key, item.name) if key else None
                                              for key, item in zip(keys, items, strict=True)]
    # image files are read by the OCR processes, each file in one, while this process reads the rest: a
    # bundle of single-page scans would otherwise use one core
    images = [i for i, item in enumerate(items)
              if documents[i] is None and not item.error and item.type in IMAGE_FORMATS]
    for i, doc in enumerate(documents):
        if doc is not None:
            tell("done", i, doc)
    pending = submit_documents([items[i] for i in images], settings, synonyms) if len(images) > 1 else None
    if pending:
        for i in images:
            tell("start", i, None)
        pending.when_done(lambda j, doc: tell("done", images[j], doc))
    index_of = {item.name: i for i, item in enumerate(items)}
    listening = page_listener.set(lambda name: tell("page", index_of[name], None) if name in index_of else None)
    try:
        for i, item in enumerate(items):
            if documents[i] is None and not (pending and i in images):
                tell("start", i, None)
                documents[i] = extract_with_synonyms(item, settings, synonyms)
                tell("done", i, documents[i])
    finally:
        page_listener.reset(listening)
    if pending:
        for i, doc in zip(images, pending.results(), strict=True):
            documents[i] = doc
    for key, doc in zip(keys, documents, strict=True):
        if key and doc.seconds is not None and doc.error is None:
            cache.put(key, doc)
    documents = [doc for doc in documents if doc is not None]
    settle_page_sets(documents)
    tables_across_page_sets(documents)
    return Extraction(documents=[_own_fields(part) for doc in documents for part in (doc.parts or [doc])])


Progress = Callable[[str, int, intake.IntakeFile | None, DocumentResult | None], None]


def _teller(progress: Progress | None, items: list[intake.IntakeFile]):
    """`progress` made safe to call: its failures are logged, never stop the extraction."""
    def tell(event: str, index: int, doc: DocumentResult | None) -> None:
        if progress is None:
            return
        try:
            progress(event, index, items[index], doc)
        except Exception:
            log.warning("progress report %s of file %s failed", event, index, exc_info=True)

    return tell


class _Pending:
    """Image files being read by the OCR processes; `results` in the order given."""

    def __init__(self, pool: concurrent.futures.ProcessPoolExecutor, items: list[intake.IntakeFile],
                 settings: Settings, synonyms: tuple[tuple[str, str], ...] = ()):
        self.items = items
        self.settings = settings
        self.synonyms = synonyms
        # one worker: a process of the pool reads its file's pages itself
        self.futures = [pool.submit(extract_with_synonyms, item, settings.one_ocr_process(), synonyms)
                        for item in items]

    def when_done(self, callback: Callable[[int, DocumentResult], None]) -> None:
        """`callback(j, doc)` as the j-th file's process finishes it (not when it fails: `results` reads it again)."""
        for j, future in enumerate(self.futures):
            future.add_done_callback(
                lambda f, j=j: callback(j, f.result()) if not f.cancelled() and f.exception() is None else None)

    def results(self) -> list[DocumentResult]:
        out = []
        for item, future in zip(self.items, self.futures, strict=True):
            try:
                out.append(future.result())
            except concurrent.futures.process.BrokenProcessPool:
                log.exception("%s: the OCR process pool broke; reading the file in this process", item.name)
                reset_pool()
                out.append(extract_with_synonyms(item, self.settings, self.synonyms))
        return out


def submit_documents(items: list[intake.IntakeFile], settings: Settings,
                     synonyms: tuple[tuple[str, str], ...] = ()) -> _Pending | None:
    """Start reading these files in the OCR processes; None when there is only this process."""
    pool = ocr_pool(settings)
    return _Pending(pool, items, settings, synonyms) if pool is not None else None


def settle_page_sets(documents: list[DocumentResult]) -> None:
    """Numbered pages of one document (申报表-1.jpg, 申报表-2.jpg) are of the first page's kind when a
    later page reads as nothing in particular or only weakly as something else, or its own name says
    so, or (after a form's first page) it states a field only the form states, or it opens with no title
    of its own: a form's later page is mostly a vehicle table and would otherwise pass for a ledger; a
    document of another kind among the pages (a ledger photographed with the form) names itself."""
    by_name = {doc.file: doc for doc in documents}
    for members in page_sets([doc.file for doc in documents if doc.error is None and not doc.parts]).values():
        first = by_name[members[0]]
        if first.kind in ("unknown", "photo") or first.confidence < 0.6:
            continue
        for name in members[1:]:
            doc = by_name[name]
            hint = NAME_HINTS.get(first.kind)
            # a form's last page holding its vehicle table and its signing date reads as a ledger, but the date
            # (a field only the form states) says whose page it is
            own = first.kind == APPLICATION_FORM and any(f.key in form_only_keys() for f in doc.facts)
            if doc.kind != first.kind and (doc.kind in ("unknown", "photo") or doc.confidence < 0.8
                                           or (hint and re.search(hint, name)) or own or doc.untitled):
                log.info("%s: kind %s taken from %s (%s)", name, first.kind, first.file, doc.kind)
                doc.kind, doc.confidence = first.kind, min(first.confidence, 0.8)
                for fact in doc.facts:
                    fact.kind = first.kind


def tables_across_page_sets(documents: list[DocumentResult]) -> None:
    """The tables of a document whose pages came as files of their own, read from all its pages in order:
    a vehicle table begun on 申报表-1.jpg goes on, without its header, on 申报表-2.jpg. The rows go to the
    first page's result (each row keeps the file it was read from)."""
    by_name = {doc.file: doc for doc in documents}
    for members in page_sets([doc.file for doc in documents if doc.error is None and not doc.parts]).values():
        pages = [by_name[name] for name in members]
        if len({doc.kind for doc in pages}) != 1 or not all(doc.grids for doc in pages):
            continue
        grids = [Grid(index=n * 1000 + grid.index, rows=grid.rows, caption=grid.caption, for_fields=grid.for_fields,
                      ref=grid.ref, position=n + 1)
                 for n, doc in enumerate(pages) for grid in doc.grids]
        tables = tables_from_layout(Layout(file=pages[0].file, method=pages[0].method or "ocr", grids=grids))
        if sum(map(len, tables.values())) > sum(len(rows) for doc in pages for rows in doc.tables.values()):
            log.info("%s: tables read across its %d pages", pages[0].file, len(pages))
            pages[0].tables = tables
            for doc in pages[1:]:
                doc.tables = {}
    for doc in documents:
        doc.grids = []


def _own_fields(doc: DocumentResult) -> DocumentResult:
    """Only the fields and tables a document of its kind states (forms/data/fields.toml [document_fields], [document_tables])."""
    doc.facts = [f for f in doc.facts if carries(doc.kind, f.key)]
    doc.tables = {key: rows for key, rows in doc.tables.items() if carries_table(doc.kind, key)}
    return doc
