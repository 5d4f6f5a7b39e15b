"""`gradedesk generate KIND --out FILE [--bundle PATH ... | --data FILE.json] [--as-of DATE] [--example]`.

Every kind of docs/cli.md renders from `--data` JSON; `--example` prints a complete
sample of that JSON (and, with `--out`, renders it too); the case documents
(review-sheet, rectification-notice, reduction-list) also render straight from a
bundle with `--bundle`. The format follows the suffix of `--out`: .docx, .pdf, and
.xlsx for the kinds with a sheet form.

Failures are raised as forms.errors types; cli.main prints their Chinese message
on stderr and exits with their status (2 for bad arguments or data).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from forms.errors import BadInput, DataDoesNotFit


def run_generate(args) -> int:
    from forms.settings import Settings
    from generators import kinds

    kind = kinds.get(args.kind)
    settings = Settings.from_env()
    out = _output_path(args.out, kind) if args.out or not args.example else None
    if args.example:
        if args.data or args.bundle:
            raise BadInput("--example 不能与 --data 或 --bundle 同时使用。")
        data = kind.example()
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        if out is None:
            return 0
    elif args.data and args.bundle:
        raise BadInput("--data 与 --bundle 只能给出其中一个。")
    elif args.data:
        data = _read_json(Path(args.data))
    elif args.bundle:
        if kind.name not in kinds.CASE_KINDS:
            raise BadInput(f"{kind.title}不是按申报材料生成的文书，请用 --data 给出数据"
                           f"（--bundle 可用于：{'、'.join(kinds.CASE_KINDS)}）。")
        data = _data_from_bundle(kind, [Path(p) for p in args.bundle], settings, as_of=args.as_of,
                                 catalogue_file=getattr(args, "catalogue", None))
    else:
        raise BadInput("请用 --data 给出文书数据（JSON），或用 --bundle 给出申报材料，或用 --example 查看示例数据。")

    kind.render(data, out, settings=settings)
    print(f"gradedesk: 已生成{kind.title}：{out}", file=sys.stderr)
    return 0


def _output_path(out: Path | None, kind) -> Path:
    if not out:
        raise BadInput("请用 --out 指定输出文件，例如 --out 审核表.docx。")
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in kind.formats:
        raise BadInput(f"不支持的输出格式“{out.suffix or '（无扩展名）'}”：{kind.title}可输出为"
                       f"{'、'.join(kind.formats)}。")
    if not out.parent.is_dir():
        raise BadInput(f"输出目录不存在：{out.parent}")
    return out


def _read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise BadInput(f"无法读取数据文件 {path}。", f"cannot read {path}: {exc}") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataDoesNotFit(f"数据文件 {path.name} 不是有效的 JSON（第{exc.lineno}行第{exc.colno}列）。",
                             f"invalid JSON in {path}: {exc}") from exc


def _data_from_bundle(kind, paths: list[Path], settings, *, as_of=None, catalogue_file=None) -> dict[str, Any]:
    """The case document's data from what a bundle's extraction and checks give (against the catalogue of
    `catalogue_file`, a workbook, else the packaged one)."""
    from cli.catalogue import load_catalogue
    from extractors.pipeline import extract_bundle
    from forms.checks import run_checks

    absent = [str(p) for p in paths if not p.exists()]
    if absent:
        raise BadInput(f"找不到申报材料：{'、'.join(absent)}")
    catalogue = load_catalogue(catalogue_file)
    extraction = extract_bundle(paths, settings=settings)
    findings = run_checks(extraction, as_of=as_of, catalogue=catalogue)
    if kind.uses_catalogue:
        return kind.data_from_case(extraction, findings, as_of=as_of, catalogue=catalogue)
    return kind.data_from_case(extraction, findings, as_of=as_of)
