"""`gradedesk catalogue …` and `--catalogue FILE.xlsx`: the grading catalogue as a workbook on the command line.

`check` and `--catalogue` need no database; `export` and `import` work on the service's database (the
version in force), through web.commands.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def print_json(obj) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


def load_catalogue(path: Path | None):
    """The catalogue of a workbook given with --catalogue, else the packaged one."""
    from forms import catalogue_workbook
    from forms.catalogue import packaged
    from forms.errors import BadInput

    if path is None:
        return packaged()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"无法读取行业目录文件 {path}。", f"[catalogue_unreadable] {path}: {exc}") from exc
    return catalogue_workbook.read(data, version=path.name)


def run_catalogue(args) -> int:
    """`gradedesk catalogue export|check|import`."""
    from forms import catalogue_workbook

    if args.catalogue_command == "check":
        try:
            found = load_catalogue(args.file)
        except catalogue_workbook.CatalogueRefused as exc:
            print_json({"ok": False, "problems": [p.to_dict() for p in exc.problems]})
            print(f"gradedesk: {exc.user_message}", file=sys.stderr)
            return exc.exit_code
        print_json({"ok": True, "rows": {name: len(rows) for name, rows in found.to_dict().items()}})
        return 0
    from web import commands

    if args.catalogue_command == "export":
        return commands.catalogue_export(args.file, packaged=args.packaged)
    return commands.catalogue_import(args.file, username=args.by, note=args.note)
