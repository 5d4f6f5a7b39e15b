"""Document classification from content: which kind of evidence a file is, with a confidence.

A document is known first by what it calls itself (its title, often wrapped over two
lines: 关于…环境影响报告表 / 的批复), then by what it says: an EIA approval mentions
the acceptance to come, so a body mention weighs less than a title.
"""

from __future__ import annotations

import re

# kind → [(pattern, weight in the title, weight in the body)]
_SIGNALS: dict[str, list[tuple[str, float, float]]] = {
    "application_form": [(r"绩效分级.{0,12}(申报|申请)", 4, 4), (r"绩效(分级|评级).{0,14}表$", 4, 3),
                         (r"申报(表|材料)", 2, 2),
                         (r"申报等级|申请级别|申报级别|申请等级", 2, 2), (r"差异化指标", 1, 1), (r"(企业)?基本情况表", 3, 2),
                         (r"填(报|表)日期|(企业|单位)[（(]?盖章", 1.5, 1.5), (r"法定代表人[（(]?签(字|章)", 1, 1)],
    "business_license": [(r"营\s*业\s*执\s*照", 5, 5), (r"登记机关", 1.5, 1.5), (r"成立日期", 1, 1),
                         (r"经营范围", 1, 1), (r"注册资本", 1, 1), (r"营业期限", 1, 1)],
    "discharge_permit": [(r"排\s*污\s*许\s*可\s*证(?!编号|号)", 4, 4), (r"排污登记回执|固定污染源排污登记", 4, 4),
                         (r"许可证编号|证书编号|登记编号", 1.5, 1.5), (r"发证机关", 1, 1), (r"行业类别", 0.5, 0.5),
                         (r"有效期限", 0.5, 0.5)],
    "eia_approval": [(r"环境影响(报告|评价|登记).{0,20}(批复|审批意见|审查意见|批准)", 5, 5),
                     (r"关于.{0,60}环境影响.{0,30}(批复|审批意见|审查意见)", 4, 4), (r"环评批复|审批意见", 3, 1.5),
                     (r"经研究.{0,6}批复如下|审批意见如下", 1, 2),
                     # an approval issued by an administrative approval bureau as a licensing decision
                     (r"行政许可决定书|(准予|作出).{0,12}行政许可", 1.5, 1.5), (r"环境影响(报告|评价|登记)(书|表)", 1, 1.5)],
    "acceptance": [(r"(竣工)?环境保护验收(意见|监测报告|调查报告|报告|组意见)|验收(意见|监测报告|结论)", 5, 2),
                   (r"竣工环境保护验收|自主验收", 3, 1), (r"验收工作组|验收组", 1, 1.5)],
    "monitoring_report": [(r"(监|检)\s*测(数据)?\s*报\s*告", 4, 3), (r"采样日期|监测日期|检测日期", 1.5, 1.5),
                          (r"监测结果|检测结果", 1, 1), (r"报告编号", 1, 1), (r"委托单位|受检单位|检测类别", 1, 1)],
    "cems_data": [(r"(在线|自动|连续)(监测|监控)(数据|日报|月报|报表|统计)|CEMS", 5, 3), (r"小时均值|日均值|小时数据", 2, 2),
                  (r"折算浓度", 1, 1)],
    "transport_ledger": [(r"运输车辆.{0,12}(台账|清单|信息|一览表|明细|名单|统计表)|(?:车辆|运输)(台账|清单)|电子台账", 5, 4),
                         (r"车辆识别代号|车架号|VIN", 2, 2), (r"排放阶段", 1, 1), (r"注册(登记)?日期|行驶证", 1, 1)],
    "gate_records": [(r"门禁", 5, 2), (r"进出(厂|场)(车辆)?.{0,6}(记录|明细|数据)", 4, 3),
                     (r"(进|入|出)(厂|场)时间|通行时间|抓拍时间", 2, 3), (r"进出(厂|场)", 3, 1)],
    "pledge": [(r"承\s*诺\s*(书|函)", 5, 5), (r"郑重(承诺|声明)|(本|我)(单位|企业|公司)(郑重)?(承诺|声明)", 2, 2),
               # a declaration as its own title (声明, 真实性声明) over the enterprise's words (本单位…), not a
               # report's notes under it (声明：1.本报告 …); a line 声明 alone starts no document (title_kind)
               (r"^(真实性|诚信)?声\s*明(书|函)?(?=本|我)", 5, 0)],
}

# What a title ends with is what the document is (a Chinese noun phrase's last word is its head): 绩效分级申报
# 真实性承诺 is a pledge about the application, whatever it names before its last word; weighed as a title
# signal of its kind, on a line of the first four alone
# (what it is about before it: a line 声明 alone heads a report's notes, 企业承诺 a form's last section)
_TITLE_ENDS = {"pledge": (r"[\u4e00-\u9fff]{3}(?:承\s*诺|声\s*明)(?:书|函)?", 5)}
_TITLE_LINE = 40  # characters at most in a line read as a title

NAME_HINTS = {
    "application_form": r"申报|申请表", "business_license": r"营业执照", "discharge_permit": r"排污许可|排污登记",
    "eia_approval": r"环评|批复", "acceptance": r"验收", "monitoring_report": r"监测|检测",
    "cems_data": r"在线|CEMS", "transport_ledger": r"台账|车辆", "gate_records": r"门禁|进出",
    "pledge": r"承诺", "photo": r"照片|现场",
}


def _flat(text: str) -> str:
    return re.sub(r"[ \t\u3000]+", "", text)


# a fleet's register states each vehicle's identity, stage and registration; gate records state passages
_FLEET = re.compile(r"(?=.*(?:车辆识别代?[号码]|VIN|车架号))(?=.*排放(?:阶段|标准|等级))(?=.*(?:注册|登记|上牌)(?:登记)?日期)", re.S)
_PASSAGE = re.compile(r"时间")  # 进厂时间, 出场时间, 通行时间, 抓拍时间: any time of day is a passage's
_SENTENCE = re.compile(r"[，。；：:,;]")  # a line saying something, not naming it


def _title(text: str) -> str:
    """What the document calls itself: the first of its first lines that is a title by itself, not a
    sentence (承诺书 over one naming the application it vouches for, 关于…的批复 under the bureau's name and
    number); else those lines run together, so that a title wrapped over two lines reads as one."""
    lines = [line for line in _flat(text).splitlines() if line.strip()]
    own = next((line for line in lines[:4] if not _SENTENCE.search(line) and title_kind(line) is not None), None)
    return own if own is not None else "".join(lines[:4])[:120]


# a label's note naming another document (申报日期（与营业执照一致）, 产品（按排污许可证填写）): a reference to
# that document, not its text
_REFERENCE = re.compile(r"[（(][^（）()]{0,20}(?:一致|相同|为准|填写|填报|相符)[^（）()]{0,4}[）)]")


def classify(text: str, file_name: str = "", *, label_hits: int = 0, is_image: bool = False) -> tuple[str, float]:
    """The document kind and a confidence in 0..1; `label_hits` counts the form-only labels found."""
    head = _REFERENCE.sub("", _flat(text[:6000]).replace("\n", ""))
    title = _REFERENCE.sub("", _title(text))
    lines = [line for line in (_flat(x) for x in text[:2000].splitlines()) if line][:4]
    ends = {kind: line for kind, (pattern, _) in _TITLE_ENDS.items() for line in reversed(lines)
            if len(line) <= _TITLE_LINE and re.search(f"(?:{pattern})$", line)}
    scores: dict[str, float] = {}
    for kind, signals in _SIGNALS.items():
        # a title ending in another kind's word names this kind only as what that document is about
        own_title = title
        for other, line in ends.items():
            own_title = own_title.replace(line, "") if other != kind else own_title
        score = 2 * _TITLE_ENDS[kind][1] if kind in ends else 0.0
        for pattern, title_weight, body_weight in signals:
            if re.search(pattern, own_title):
                score += 2 * title_weight  # what a document calls itself counts most
            elif re.search(pattern, head):
                score += body_weight
        scores[kind] = score
    # an application form is recognisable by how many of the labels only a form has it carries
    scores["application_form"] += min(label_hits, 12) * 1.0
    for kind in _named_kinds(file_name):
        scores[kind] = scores.get(kind, 0.0) + 1.0
    if is_image and len(re.sub(r"\s", "", head)) < 30:
        scores["photo"] = scores.get("photo", 0.0) + 3.0
    kind, best = max(scores.items(), key=lambda kv: kv[1])
    if kind == "gate_records" and _FLEET.search(head) and not _PASSAGE.search(head):
        # a register of vehicles that records no passage is the fleet's, whatever its title says of the gate
        # (车辆进出厂登记台账 over VINs, stages and registration dates)
        kind, best = "transport_ledger", max(best, scores["transport_ledger"])
    if best < 2.5:
        return "unknown", round(min(best / 5, 0.5), 3)
    runner_up = max((v for k, v in scores.items() if k != kind), default=0.0)
    confidence = min(0.99, 0.5 + 0.5 * (best - runner_up) / best + min(best, 10) / 40)
    return kind, round(confidence, 3)


# 申报表-2.jpg, 申报表_2.jpg, 申报表（2）.jpg, 申报表第2页.jpg: a page number set apart; 新建文件9.jpg is a
# scanner's running number, not a page. A stem without Chinese (a phone's IMG_20201130_1-2.jpg) has its page
# number set apart by a hyphen, brackets or 第…页: IMG_12.jpg is a camera's running number.
_NUMBERED = re.compile(r"^(?:(?P<stem>.*?[\u4e00-\u9fff].*?)\s*(?:[-_—]\s*(?P<a>\d{1,2})|[（(]\s*(?P<b>\d{1,2})\s*[)）]"
                       r"|第\s*(?P<c>\d{1,2})\s*页)"
                       r"|(?P<ascii>[\x21-\x7e]*?[A-Za-z0-9])\s*(?:-\s*(?P<d>\d{1,2})|[（(]\s*(?P<e>\d{1,2})\s*[)）]"
                       r"|第\s*(?P<f>\d{1,2})\s*页))\.[A-Za-z]+$")


def _hinted(text: str) -> list[str]:
    return [kind for kind, pattern in NAME_HINTS.items() if re.search(pattern, text, re.I)]


def _named_kinds(file_name: str) -> list[str]:
    """The kinds a file's name hints at; a name that hints at none (IMG_20231201_093101.jpg, 1.jpg) in a folder
    named after a document (营业执照/) has the folder's."""
    folder, _, name = file_name.rpartition("/")
    return _hinted(name) or (_hinted(folder.rsplit("/", 1)[-1]) if folder else [])


_IMAGE = re.compile(r"\.(?:jpe?g|png|tiff?|bmp|webp|heic|heif)$", re.I)


def _in_name_order(name: str) -> list:
    """A name's runs of figures as numbers (IMG_2.jpg before IMG_10.jpg), as a phone or a scanner counts."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def folder_page(name: str) -> bool:
    """A photo or scan in a folder named after a document whose own name says nothing of one
    (申报表/IMG_20231201_093101.jpg): a page of the document the folder holds."""
    folder, _, file = name.rpartition("/")
    return bool(folder) and _IMAGE.search(file) is not None and not _hinted(file) \
        and bool(_hinted(folder.rsplit("/", 1)[-1]))


def page_sets(names: list[str]) -> dict[str, list[str]]:
    """Files that are numbered pages of one document (申报表-1.jpg, 申报表-2.jpg), by their shared stem; and the
    pages of a folder named after a document (申报表/IMG_…1.jpg, 申报表/IMG_…2.jpg), in their names' order."""
    groups: dict[str, list[str]] = {}
    folders: dict[str, list[str]] = {}
    for name in names:
        m = _NUMBERED.match(name.rsplit("/", 1)[-1])
        if m:
            groups.setdefault((m.group("stem") or m.group("ascii")).rstrip(" -_—（(第"), []).append(name)
        elif folder_page(name):
            folders.setdefault(name.rpartition("/")[0], []).append(name)
    sets = {stem: sorted(members, key=page_number) for stem, members in groups.items() if len(members) > 1}
    sets.update({f"{folder}/": sorted(members, key=_in_name_order) for folder, members in folders.items()
                 if len(members) > 1})
    return sets


def page_number(name: str) -> int:
    """The page a file's name numbers it (申报表-2.jpg: 2), 0 when it numbers none."""
    m = _NUMBERED.match(name.rsplit("/", 1)[-1])
    return int(next((g for g in m.group("a", "b", "c", "d", "e", "f") if g), 0)) if m else 0


# the nouns a document's title ends with (…决定书, …审查意见, …台账, …回执, …（副本）after them): a short line
# ending so, saying nothing, is some document's title though no kind's words name it
_DOCUMENT_NOUN = re.compile(r"(?:书|证|函|批复|意见|报告|回执|台账|清单|一览表|记录|明细|执照|决定|证明)"
                            r"(?:[（(][^（）()]{1,6}[)）])?$")


def document_title(line: str) -> bool:
    """Whether a line reads as a document's title: short, saying nothing, ending with a document's noun."""
    flat = _flat(line)
    return 2 < len(flat) <= _TITLE_LINE and not _SENTENCE.search(flat) and not _SECTION_NUMBER.match(flat) \
        and _DOCUMENT_NOUN.search(flat) is not None


TITLE_WEIGHT = 4  # a title signal this strong names a document by itself (营业执照, 排污许可证, 承诺书 …)
_SECTION_NUMBER = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d+(?:\.\d+)*[、.．\s])")


def title_kind(line: str) -> str | None:
    """The kind a line names when it is a document's own title (`营业执照`, `关于…的批复`, `承诺书`), None
    for a numbered section heading inside a document (`五、运输车辆台账`) or any other line."""
    flat = _flat(line)
    if not flat or len(flat) > 60 or _SECTION_NUMBER.match(flat):
        return None
    best, best_weight = None, 0.0
    for kind, signals in _SIGNALS.items():
        for pattern, title_weight, _ in signals:
            if title_weight >= TITLE_WEIGHT and title_weight > best_weight and re.search(pattern, flat):
                best, best_weight = kind, title_weight
    for kind, (pattern, weight) in _TITLE_ENDS.items():
        if weight >= best_weight and len(flat) <= _TITLE_LINE and re.search(f"(?:{pattern})$", flat):
            best, best_weight = kind, weight
    return best
