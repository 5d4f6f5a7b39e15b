"""The `gradedesk` command line (docs/cli.md): JSON on stdout, messages for people on stderr."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import date
from pathlib import Path

log = logging.getLogger("gradedesk.cli")


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"日期应写作 YYYY-MM-DD：{text}") from exc


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # bad arguments exit 2 with a readable message
        self.print_usage(sys.stderr)
        print(f"gradedesk: 参数错误：{message}", file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="gradedesk", description="重污染天气绩效分级申报材料的解析、审核与文书生成")
    parser.add_argument("-v", "--verbose", action="store_true", help="在标准错误输出详细日志")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("extract", help="解析申报材料，输出 JSON")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--json", action="store_true", help="以 JSON 输出（默认即为 JSON）")
    p.add_argument("--synonyms", type=Path, metavar="FILE", help="同时使用此同义词文件（服务“同义词建议”页导出的 .toml 或 .json）")

    p = sub.add_parser("check", help="解析并审核申报材料，输出 JSON")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--json", action="store_true")
    p.add_argument("--as-of", type=_iso_date, dest="as_of", help="视为“今天”的日期 YYYY-MM-DD")
    p.add_argument("--catalogue", type=Path, help="按此行业目录工作簿（.xlsx）审核，默认用内置目录")
    p.add_argument("--synonyms", type=Path, metavar="FILE", help="同时使用此同义词文件（服务“同义词建议”页导出的 .toml 或 .json）")

    p = sub.add_parser("generate", help="生成文书（.docx）")
    p.add_argument("kind")
    p.add_argument("--out", type=Path)
    p.add_argument("--bundle", nargs="+", type=Path)
    p.add_argument("--data", type=Path)
    p.add_argument("--as-of", type=_iso_date, dest="as_of")
    p.add_argument("--example", action="store_true", help="打印该类文书的示例数据 JSON")
    p.add_argument("--catalogue", type=Path, help="按此行业目录工作簿（.xlsx）审核和填写要求，默认用内置目录")

    p = sub.add_parser("catalogue", help="行业目录：导出、校验、导入 Excel 工作簿")
    catalogue = p.add_subparsers(dest="catalogue_command", required=True, parser_class=_Parser)
    one = catalogue.add_parser("export", help="导出现行行业目录（服务数据库中的最新版本，尚未导入时为内置目录）")
    one.add_argument("file", type=Path, metavar="FILE.xlsx")
    one.add_argument("--packaged", action="store_true", help="导出内置目录，不读数据库")
    one = catalogue.add_parser("check", help="只校验工作簿，输出问题（表、行、原因），不导入")
    one.add_argument("file", type=Path, metavar="FILE.xlsx")
    one = catalogue.add_parser("import", help="校验并导入工作簿，成为服务数据库中的新版本")
    one.add_argument("file", type=Path, metavar="FILE.xlsx")
    one.add_argument("--by", required=True, metavar="USER", help="以哪位省级大气办用户的名义导入")
    one.add_argument("--note", help="本次修改的说明")

    p = sub.add_parser("docs", help="由字段等登记表重新生成 docs/ 中的参考文档")
    p.add_argument("--out", type=Path, default=Path("docs"), help="文档目录（默认为当前目录下的 docs）")
    p.add_argument("--check", action="store_true", help="只检查文档是否过期（过期则退出码为 1）")

    p = sub.add_parser("serve", help="启动网页服务")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)
    p.add_argument("--no-worker", action="store_true", help="不在进程内运行后台任务")

    sub.add_parser("worker", help="在独立进程中处理后台任务")

    p = sub.add_parser("db", help="数据库")
    p.add_argument("action", choices=["upgrade"])

    sub.add_parser("demo", help="载入演示用户和示例材料（可重复执行）")

    p = sub.add_parser("users", help="用户管理")
    users = p.add_subparsers(dest="users_command", required=True, parser_class=_Parser)
    add = users.add_parser("add", help="添加用户，密码从标准输入读取")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=["clerk", "expert", "office"])
    add.add_argument("--county")
    add.add_argument("--city")
    add.add_argument("--industry", action="append", default=[])
    add.add_argument("--serves", action="append", default=[])
    add.add_argument("--pledge", type=_iso_date)
    add.add_argument("--employer")
    return parser


def _print_json(obj) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


def _cmd_extract(args) -> int:
    from extractors.pipeline import extract_bundle
    from forms.settings import Settings

    extraction = _nonempty(extract_bundle([Path(p) for p in args.paths], settings=Settings.from_env(),
                                          synonyms=_synonyms(args.synonyms)), args.paths)
    _print_json(extraction.to_dict())
    return 0


def _synonyms(path: Path | None) -> tuple[tuple[str, str], ...]:
    """The (label, field) pairs of a synonyms file as the service exports it (--synonyms); none without one."""
    from forms.errors import BadInput
    from forms.synonyms import parse

    if path is None:
        return ()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"无法读取同义词文件 {path}。", f"[synonyms_unreadable] {path}: {exc}") from exc
    return parse(data, path.name).pairs


def _nonempty(extraction, paths):
    """The extraction, unless no file was found to read (exit 2: the PATHs hold nothing)."""
    from forms.errors import BadInput

    if not extraction.documents:
        raise BadInput(f"{'、'.join(str(p) for p in paths)} 中没有可读取的申报材料文件"
                       "（.docx、.pdf、.jpg、.png、.tif 或 .zip）。", f"no documents in {paths}")
    return extraction


def _cmd_check(args) -> int:
    from cli.catalogue import load_catalogue
    from extractors.pipeline import extract_bundle
    from forms.checks import run_checks
    from forms.grading import propose_grade
    from forms.settings import Settings

    catalogue = load_catalogue(args.catalogue)
    extraction = _nonempty(extract_bundle([Path(p) for p in args.paths], settings=Settings.from_env(),
                                          synonyms=_synonyms(args.synonyms)), args.paths)
    findings = run_checks(extraction, as_of=args.as_of, catalogue=catalogue)
    result = extraction.to_dict()
    result["findings"] = [f.to_dict() for f in findings]
    result["proposed_grade"] = propose_grade(extraction, findings, catalogue).to_dict()
    result["catalogue"] = {"version": catalogue.version}
    _print_json(result)
    return 0


def _cmd_generate(args) -> int:
    from cli.generate import run_generate

    return run_generate(args)


def main(argv: list[str] | None = None) -> int:
    from forms.errors import GradedeskError

    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        if args.command == "extract":
            return _cmd_extract(args)
        if args.command == "check":
            return _cmd_check(args)
        if args.command == "generate":
            return _cmd_generate(args)
        if args.command == "catalogue":
            from cli.catalogue import run_catalogue

            return run_catalogue(args)
        if args.command == "docs":
            from cli.docs import run_docs

            return run_docs(args)
        from web import commands  # the service commands live with the web app

        if args.command == "serve":
            return commands.serve(host=args.host, port=args.port, worker=not args.no_worker)
        if args.command == "worker":
            return commands.worker()
        if args.command == "db":
            return commands.db_upgrade()
        if args.command == "demo":
            return commands.load_demo()
        if args.command == "users":
            password = sys.stdin.readline().rstrip("\n")
            return commands.add_user(
                args.username, password=password, role=args.role, county=args.county, city=args.city,
                industries=args.industry, serves=args.serves, pledge=args.pledge, employer=args.employer)
    except GradedeskError as exc:
        log.info("%s", exc.log_message)  # shown with --verbose; the sentence below is printed once
        print(f"gradedesk: {exc.user_message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception:
        log.exception("internal fault")
        print("gradedesk: 内部错误，详情见日志。", file=sys.stderr)
        return 1
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
