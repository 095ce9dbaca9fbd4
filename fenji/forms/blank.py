"""Stage `forms`: blank forms for a profile and a roster, pre-filled with the roster's names and 编号.

Which forms, per what (the folder is ready to send out unit by unit, and to drop back into an
INBOX as it returns):

    OUT/<town>/                                  the systems with ballots (one folder per 所属乡镇)
        <town>党组织名册.xlsx                      the roster rows of this town, as fenji reads them
        <town>满意度测评汇总表.xlsx                 one row per branch
        附件4-<town>评分定级表.xlsx                 one row per branch
        <town>党委研究决定调整表.xlsx               blank
        村级表格/<编号>-<branch>/
            附件2-<branch>自评表.xlsx               dingji only (shengji does not read it)
            附件3-<branch>满意度测评表.xlsx         N rows with --ballots N (票号 left to type)
            满意度测评票-<branch>.pdf               --ballots N: N paper ballots
    OUT/<town>/                                  shixing
        <town>党组织名册.xlsx, <town>十星评定表.xlsx (one row per village), <town>党委研究决定调整表.xlsx
    OUT/<village>/                               xingji-* (one folder per village)
        <village>评定对象名册.xlsx
        <village>民主评议计分表.xlsx               one row per person / household
        <village>领导小组评议表.xlsx               one sheet per set of panel items (profile stars.items)
        <village>决定调整表.xlsx                   blank

Existing files are never overwritten: a returned form may already sit where a blank would go.
The sheets are protected without a password (see fenji.forms.writer).
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from fenji.core.discover import InputFile, sha256_file
from fenji.core.problems import ERROR, FatalError
from fenji.core.profiles import Profile
from fenji.core.records import RosterEntry
from fenji.forms import writer as fw
from fenji.forms.read import read_file

REPRESENTATIVES = 9  # 代表 columns of the 民主评议计分表, as the reference form
BRANCH_FOLDER = "村级表格"
KIND_LABELS = {
    "roster": "党组织名册",
    "summary": "满意度测评汇总表",
    "score_sheet": "附件4 上级党组织评分定级表",
    "decisions": "党委研究决定调整表",
    "self_eval": "附件2 自评表",
    "ballots": "附件3 满意度测评表",
    "ballot_pdf": "满意度测评票（PDF）",
    "star_roster": "评定对象名册",
    "public_votes": "民主评议计分表",
    "panel": "领导小组评议表",
    "ten_stars": "十星评定表",
    "cadre_roster": "两委班子成员名册",
    "trust_ballots": "公信度调查表",
    "trust_summary": "公信度调查汇总表",
    "star_score_sheet": "星级考评评分表",
}


@dataclass
class WrittenForm:
    """One file written: where, which form, for which unit and subject, and its input cells."""

    path: Path
    kind: str
    unit: str
    subject: str = ""
    cells: dict = field(default_factory=dict, repr=False)


@dataclass
class FormsResult:
    """What `fenji forms` wrote."""

    profile: Profile
    out: Path
    forms: list[WrittenForm]
    units: list[str]
    subjects: int
    ballots: int = 0
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, kind: str) -> int:
        return sum(1 for f in self.forms if f.kind == kind)

    def counts(self) -> dict[str, int]:
        """Files written per form, labelled in Chinese, in the order written."""
        counts: dict[str, int] = {}
        for form in self.forms:
            label = KIND_LABELS.get(form.kind, form.kind)
            counts[label] = counts.get(label, 0) + 1
        return counts

    def folder(self, unit: str) -> Path:
        return self.out / safe_name(unit)


@dataclass
class Planned:
    path: Path
    kind: str
    unit: str
    subject: str
    build: Callable[[], fw.Form]


@dataclass
class BlankPlan:
    """A system's blank forms for one roster: the files to write, the paper ballots per branch (0 = none)
    and notes for the clerk (e.g. that --ballots was ignored)."""

    planned: list[Planned]
    ballots: int = 0
    notes: list[str] = field(default_factory=list)


class RosterError(FatalError):
    """A roster that cannot be used to write forms; the message names the file and the cell."""


# --- the roster -------------------------------------------------------------------------------


def _roster_form(profile: Profile) -> tuple[str, str]:
    """(kind, label) of the roster the profile's system reads: the 党员名册, the 两委班子成员名册, the 评定对象名册
    or the 党组织名册."""
    if "member_roster" in profile.reads:
        return "member_roster", "党员名册"
    if "cadre_roster" in profile.reads:
        return "cadre_roster", "两委班子成员名册"
    return ("star_roster", "评定对象名册") if "star_roster" in profile.reads else ("roster", "党组织名册")


def read_roster(path: Path, profile: Profile) -> list[RosterEntry]:
    """The roster's entries, read as a run reads them; any error in it stops the stage."""
    path = Path(path)
    if not path.is_file():
        raise RosterError(f"找不到名册文件 {path}。")
    stat = path.stat()
    result = read_file(InputFile(path, path.name, stat.st_size, stat.st_mtime, sha256_file(path)), profile)
    errors = [p for p in result.problems if p.level == ERROR]
    if errors:
        shown = "；".join(f"{p.location()}：{p.message}" for p in errors[:3])
        raise RosterError(f"名册有 {len(errors)} 处错误，请改正后再生成空白表：{shown}")
    kind, wanted = _roster_form(profile)
    entries = result.records.get(kind, [])
    if not entries:
        raise RosterError(f"{path.name} 中没有找到{wanted}（按标题识别，标题应含“{wanted}”）。")
    _check_unique(entries, path)
    return entries


def _check_unique(entries: list[RosterEntry], path: Path) -> None:
    seen: dict[str, RosterEntry] = {}
    for entry in entries:
        if entry.id in seen:
            raise RosterError(
                f"名册 {path.name} 中编号 {entry.id} 重复（{seen[entry.id].source.cell} 与 "
                f"{entry.source.cell}）。请改正后再生成空白表。"
            )
        seen[entry.id] = entry


def by_unit(entries: list[RosterEntry]) -> dict[str, list[RosterEntry]]:
    units: dict[str, list[RosterEntry]] = {}
    for entry in entries:
        units.setdefault(entry.unit, []).append(entry)
    return units


def safe_name(name: str) -> str:
    """A file or folder name that every system accepts."""
    cleaned = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", name).strip(" .")
    return cleaned or "_"


# --- plans ------------------------------------------------------------------------------------


def branch_plan(
    profile: Profile,
    entries: list[RosterEntry],
    out: Path,
    year: int,
    ballots: int,
    campaign: str,
    self_eval: bool,
    score_title: str = "",
) -> list[Planned]:
    """Per town the roster, 汇总表, 附件4 (titled `score_title`, else the reference title) and 决定调整表;
    per branch 附件3 and, with `self_eval`, 附件2. `campaign` opens the titles (分类定级 …)."""
    sat = profile.satisfaction
    computed = [i.name for i in profile.indicators if i.source == "satisfaction"]
    plan = []
    for unit, members in by_unit(entries).items():
        folder = out / safe_name(unit)
        plan += [
            Planned(
                folder / f"{safe_name(unit)}党组织名册.xlsx",
                "roster",
                unit,
                "",
                lambda u=unit, m=members: fw.roster_book(u, year, m, profile.grades),
            ),
            Planned(
                folder / f"{safe_name(unit)}满意度测评汇总表.xlsx",
                "summary",
                unit,
                "",
                lambda u=unit, m=members: fw.summary_book(u, m, sat["options"], sat["weights"], ballots or None),
            ),
            Planned(
                folder / f"附件4-{safe_name(unit)}评分定级表.xlsx",
                "score_sheet",
                unit,
                "",
                lambda u=unit, m=members: fw.score_book(
                    u,
                    m,
                    profile.indicators,
                    profile.grades,
                    computed,
                    profile.veto.get("column", "否决情形"),
                    **({"title": score_title} if score_title else {}),
                ),
            ),
            Planned(
                folder / f"{safe_name(unit)}党委研究决定调整表.xlsx",
                "decisions",
                unit,
                "",
                lambda u=unit: fw.decisions_book(u, profile.grades, campaign=campaign),
            ),
        ]
        for entry in members:
            folder_of = folder / BRANCH_FOLDER / safe_name(f"{entry.id}-{entry.name}")
            plan += _branch_forms(profile, entry, folder_of, ballots, self_eval)
    return plan


def _branch_forms(profile: Profile, entry: RosterEntry, folder: Path, ballots: int, self_eval: bool) -> list[Planned]:
    sat, name = profile.satisfaction, safe_name(entry.name)
    plan = [
        Planned(
            folder / f"附件3-{name}满意度测评表.xlsx",
            "ballots",
            entry.unit,
            entry.id,
            lambda: fw.ballots_book(
                entry.name,
                entry.id,
                sat["options"],
                ballots or fw.DEFAULT_ROWS,
                printed=ballots > 0,
                column=sat["column"],
            ),
        )
    ]
    if profile.indicators and self_eval:
        plan.insert(
            0,
            Planned(
                folder / f"附件2-{name}自评表.xlsx",
                "self_eval",
                entry.unit,
                entry.id,
                lambda: fw.self_eval_book(entry.name, entry.id, profile.indicators, profile.grades),
            ),
        )
    return plan


def star_plan(profile: Profile, entries: list[RosterEntry], out: Path, year: int, campaign: str) -> list[Planned]:
    """Star profiles: per village the roster, 民主评议计分表, 领导小组评议表 and 决定调整表."""
    stars = profile.rules
    plan = []
    for village, members in by_unit(entries).items():
        folder, name = out / safe_name(village), safe_name(village)
        plan += [
            Planned(
                folder / f"{name}评定对象名册.xlsx",
                "star_roster",
                village,
                "",
                lambda v=village, m=members: fw.star_roster_book(v, year, m, stars["categories"]),
            ),
            Planned(
                folder / f"{name}民主评议计分表.xlsx",
                "public_votes",
                village,
                "",
                lambda v=village, m=members: fw.public_votes_book(v, m, REPRESENTATIVES, stars["score_max"]),
            ),
        ]
        groups = panel_groups(profile, members)
        if groups:
            plan.append(
                Planned(
                    folder / f"{name}领导小组评议表.xlsx",
                    "panel",
                    village,
                    "",
                    lambda v=village, g=groups: fw.panel_book(v, g, ("同意", *stars["reject_words"])),
                )
            )
        plan.append(
            Planned(
                folder / f"{name}决定调整表.xlsx",
                "decisions",
                village,
                "",
                lambda v=village: fw.decisions_book(
                    v, profile.grades, label="村党组织（盖章）", issuer=v, campaign=campaign
                ),
            )
        )
    return plan


def ten_stars_plan(profile: Profile, entries: list[RosterEntry], out: Path, year: int, campaign: str) -> list[Planned]:
    """Per town the roster, the 十星评定表 (profile [ten_stars]) and the 决定调整表."""
    rules = profile.rules
    marks = (rules["met"][0], rules["not_met"][0])
    plan = []
    for unit, members in by_unit(entries).items():
        folder, name = out / safe_name(unit), safe_name(unit)
        plan += [
            Planned(
                folder / f"{name}党组织名册.xlsx",
                "roster",
                unit,
                "",
                lambda u=unit, m=members: fw.roster_book(u, year, m, profile.grades),
            ),
            Planned(
                folder / f"{name}十星评定表.xlsx",
                "ten_stars",
                unit,
                "",
                lambda u=unit, m=members: fw.ten_stars_book(u, m, rules["stars"], marks),
            ),
            Planned(
                folder / f"{name}党委研究决定调整表.xlsx",
                "decisions",
                unit,
                "",
                lambda u=unit: fw.decisions_book(u, profile.grades, campaign=campaign),
            ),
        ]
    return plan


def panel_groups(profile: Profile, members: list[RosterEntry]) -> list[tuple[str, list, list]]:
    """(label, subjects, items) per set of categories sharing the same panel items (stars.items with
    `categories`); categories without items get a sheet only when the panel reviews (审定意见)."""
    stars = profile.rules
    by_items: dict[tuple, list[str]] = {}
    for category in stars["categories"]:
        items = tuple(i["name"] for i in stars["items"] if not i["categories"] or category in i["categories"])
        if items or stars["review"]:
            by_items.setdefault(items, []).append(category)
    groups = []
    for names, categories in by_items.items():
        subjects = [m for m in members if m.category in categories]
        items = [next(i for i in stars["items"] if i["name"] == n) for n in names]
        if subjects:
            groups.append(("、".join(categories), subjects, items))
    if len(groups) == 1:
        groups[0] = ("", *groups[0][1:])
    return groups


# --- writing ----------------------------------------------------------------------------------


def write_forms(
    profile: Profile, plan_forms: PlanForms, roster: Path, out: Path, year: int, ballots: int = 0
) -> FormsResult:
    """Read the roster, write every blank form the system plans (`plan_forms`, a System's
    plan_blank_forms) under `out` and, with `ballots` > 0 where the system prints them, the paper
    ballots. Raises FatalError (RosterError) for an unusable roster or when a file exists."""
    started = time.monotonic()
    if ballots < 0:
        raise FatalError(f"选票张数应为 0 或正整数，实际为 {ballots}。")
    entries = read_roster(Path(roster), profile)
    out = Path(out)
    blank = plan_forms(profile, entries, out, year, ballots)
    pdfs = [_ballot_path(out, e.unit, e) for e in entries] if blank.ballots else []
    _refuse_existing([p.path for p in blank.planned] + pdfs)
    forms = [_save(p) for p in blank.planned]
    if blank.ballots:
        forms += write_ballot_pdfs(profile, entries, out, year, blank.ballots)
    return FormsResult(
        profile,
        out,
        forms,
        list(dict.fromkeys(p.unit for p in blank.planned)) or list(by_unit(entries)),  # the folders written
        len(entries),
        blank.ballots,
        blank.notes,
        time.monotonic() - started,
    )


PlanForms = Callable[[Profile, list[RosterEntry], Path, int, int], BlankPlan]


def _refuse_existing(paths: list[Path]) -> None:
    existing = [p for p in paths if p.exists()]
    if existing:
        raise FatalError(
            f"输出文件夹中已有同名文件（如 {existing[0]}，共 {len(existing)} 个），为免覆盖已填写的表格，"
            "未写入任何文件。请换一个输出文件夹，或先移走这些文件。"
        )


def _save(planned: Planned) -> WrittenForm:
    """Written under a temporary name (ignored by discover) and renamed into place."""
    form = planned.build()
    planned.path.parent.mkdir(parents=True, exist_ok=True)
    temporary = planned.path.with_name(f".{planned.path.name}.part")
    form.book.save(temporary)
    os.replace(temporary, planned.path)
    return WrittenForm(planned.path, planned.kind, planned.unit, planned.subject, form.cells)


# --- paper ballots ----------------------------------------------------------------------------

BALLOT_TITLE = "基层党组织分类定级党员群众满意度测评票"


@dataclass
class BallotPage:
    """One laid-out page of ballots, repeated `copies` times in the branch's PDF."""

    anchor: str
    ballots: int  # 2, or 1 for the last page of an odd count
    copies: int


@dataclass
class BallotBranch:
    id: str
    name: str
    unit: str
    pages: list[BallotPage]


@dataclass
class BallotDoc:
    """Data of templates/ballot.html: anonymous 满意度测评票, two to an A4 page, per branch."""

    meta: dict  # title, author, created (PDF metadata)
    title: str
    year: int
    unit: str
    items: list[str]  # the five items, then the column the grade is computed from (总体评价)
    options: list[str]
    categories: list[str]
    instructions: list[str]
    branches: list[BallotBranch]


def ballot_pages(anchor: str, count: int) -> list[BallotPage]:
    """`count` ballots as pages of two, the last one single when `count` is odd."""
    pages = [BallotPage(anchor, 2, count // 2)] if count >= 2 else []
    if count % 2:
        pages.append(BallotPage(f"{anchor}-1", 1, 1))
    return pages


def ballot_doc(profile: Profile, unit: str, members: list[RosterEntry], year: int, count: int) -> BallotDoc:
    sat = profile.satisfaction
    column = sat["column"]
    items = [i for i in fw.BALLOT_ITEMS if i != column] + [column]
    instructions = [
        "本票不记名。请在每一项所选意见下的方框内打“√”，每项只选一项。",
        "多选、不选或在方框外另写意见的，该项视为无效。",
        f"“{column}”是计算满意率的依据，请务必填写。",
        "填好后请对折，投入票箱。",
    ]
    branches = [
        BallotBranch(m.id, m.name, m.unit, ballot_pages(f"b{n}", count)) for n, m in enumerate(members, start=1)
    ]
    return BallotDoc(
        {"title": f"{unit}{BALLOT_TITLE}", "author": f"{unit}党委", "created": dt.date.today().isoformat()},
        BALLOT_TITLE,
        year,
        unit,
        items,
        list(sat["options"]),
        list(fw.CATEGORIES),
        instructions,
        branches,
    )


def write_ballot_pdfs(
    profile: Profile, entries: list[RosterEntry], out: Path, year: int, count: int
) -> list[WrittenForm]:
    """One PDF of `count` ballots per branch, in the branch's folder. The ballots are all alike, so each
    town is laid out once (templates/ballot.html, fonts and templates as fenji.core.render has them) with
    one page of each kind per branch, and each branch's PDF repeats its pages: the time does not grow
    with the number of ballots."""
    from weasyprint import HTML

    from fenji.core import render

    env = render.environment()
    written = []
    for unit, members in by_unit(entries).items():
        doc = ballot_doc(profile, unit, members, year, count)
        html = render.render_html(env, "ballot.html", doc)
        document = HTML(string=html, base_url=str(render.builtin_templates()) + "/").render(
            font_config=render.font_config()
        )
        starts = {anchor: page for page in document.pages for anchor in page.anchors}
        for member, branch in zip(members, doc.branches):
            pages = [starts[p.anchor] for p in branch.pages for _ in range(p.copies)]
            piece = document.copy(pages)
            piece.metadata = copy.copy(document.metadata)
            piece.metadata.title = f"{member.name}{BALLOT_TITLE}"
            path = _ballot_path(out, unit, member)
            path.parent.mkdir(parents=True, exist_ok=True)
            piece.write_pdf(path)
            written.append(WrittenForm(path, "ballot_pdf", unit, member.id))
    return written


def _ballot_path(out: Path, unit: str, entry: RosterEntry) -> Path:
    folder = out / safe_name(unit) / BRANCH_FOLDER / safe_name(f"{entry.id}-{entry.name}")
    return folder / f"满意度测评票-{safe_name(entry.name)}.pdf"
