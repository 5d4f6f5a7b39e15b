"""`gradedesk generate KIND --out FILE [--bundle PATH ... | --data FILE.json] [--as-of DATE] [--example]`.

Failures are raised as forms.errors types; cli.main prints their Chinese message
on stderr and exits with their status (2 for bad arguments or data).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from forms.errors import BadInput, DataDoesNotFit

# Every kind of contract.md, with its Chinese name.
KINDS = {
    "contact-form": "应急减排清单和绩效分级工作联络表",
    "review-sheet": "企业绩效分级专家审核表",
    "rectification-notice": "整改通知书",
    "result-notice": "绩效分级结果公示",
    "notice": "通知",
    "letter": "函",
    "weekly-report": "周报",
    "reduction-list": "应急减排清单",
}
IMPLEMENTED = ("review-sheet",)


def run_generate(args) -> int:
    kind = args.kind
    if kind not in KINDS:
        raise BadInput(f"未知的文书类型“{kind}”。可选：{'、'.join(KINDS)}。")
    if kind not in IMPLEMENTED:
        raise BadInput(f"{KINDS[kind]}（{kind}）的生成尚未实现，目前可生成：{_implemented()}。")

    from generators import review_sheet

    out = _output_path(args.out) if args.out or not args.example else None
    if args.example:
        data = review_sheet.example_data()
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        if out is None:
            return 0
    elif args.data and args.bundle:
        raise BadInput("--data 与 --bundle 只能给出其中一个。")
    elif args.data:
        data = _read_json(Path(args.data))
    elif args.bundle:
        data = _data_from_bundle([Path(p) for p in args.bundle], as_of=args.as_of)
    else:
        raise BadInput("请用 --data 给出文书数据（JSON），或用 --bundle 给出申报材料，或用 --example 查看示例数据。")

    review_sheet.render_review_sheet(data, out)
    print(f"gradedesk: 已生成{KINDS[kind]}：{out}", file=sys.stderr)
    return 0


def _implemented() -> str:
    return "、".join(f"{KINDS[k]}（{k}）" for k in IMPLEMENTED)


def _output_path(out: Path | None) -> Path:
    if not out:
        raise BadInput("请用 --out 指定输出文件，例如 --out 审核表.docx。")
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix == ".pdf":
        raise BadInput("暂不支持输出 PDF，请先生成 .docx 文件（PDF 输出尚未实现）。")
    if suffix != ".docx":
        raise BadInput(f"不支持的输出格式“{out.suffix or '（无扩展名）'}”，请使用 .docx。")
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


def _data_from_bundle(paths: list[Path], *, as_of=None) -> dict[str, Any]:
    from extractors.pipeline import extract_bundle
    from forms.checks import run_checks
    from generators.review_sheet import review_sheet_data

    absent = [str(p) for p in paths if not p.exists()]
    if absent:
        raise BadInput(f"找不到申报材料：{'、'.join(absent)}")
    extraction = extract_bundle(paths)
    findings = run_checks(extraction, as_of=as_of)
    return review_sheet_data(extraction, findings)
