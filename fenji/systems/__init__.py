"""The grading systems, one folder each, and the registry that names them.

A system is what a profile's `system` key selects: the forms it reads, its own profile tables,
how it scores subjects, what it adds after grading, its results columns, its documents, its blank
forms and its sample data. Everything else (reading, validation, grading, the ledger, rendering,
outputs) is shared and lives in fenji.core, fenji.forms and fenji.grading; `fenji.api` asks this
registry and never names a system.

Adding a system is one new folder `fenji/systems/<name>/` whose `__init__.py` defines `SYSTEM`, and
one line in `SYSTEMS` below (docs/architecture.md). There is no plugin discovery: a county
customises through TOML profiles and `--templates`, not code.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import tomllib

from fenji.core.profiles import Profile, ProfileError, build_profile, check_required
from fenji.systems import dingji, gongxin, shengji, shixing, wuhao, xingji, youxiu

if TYPE_CHECKING:
    from fenji.core.documents import Plan
    from fenji.core.history import History
    from fenji.core.problems import Problems
    from fenji.core.records import FileResult, RosterEntry
    from fenji.core.returns import Need
    from fenji.forms.blank import BlankPlan
    from fenji.grading.grade import Graded
    from fenji.grading.subject import Scored


class System(Protocol):
    """What one grading system provides (each `fenji/systems/<name>/__init__.py` has a `SYSTEM`)."""

    name: str  # the profiles' `system` key
    campaign: str  # the word of titles and file names: 分类定级, 分类升级 …
    package: str  # its package: built-in profiles (<profile>.toml) and templates/ beside it
    profiles: tuple[str, ...]  # its built-in profile names, in the order `fenji profiles` lists them
    forms: tuple[str, ...]  # the kinds of fenji.forms it reads; other recognised forms: form-not-used
    profile_schema: dict  # its own profile tables, in fenji.core.profiles' schema notation
    tie_breaker_columns: frozenset[str]  # subject columns besides the indicators that `tie_breakers` may name
    star_levels: bool  # its grades are star levels: a decision typed `5星` means 五星
    needs_history: bool  # its rules read last year's results: an unreadable ledger stops the run

    def check_profile(self, checked: dict, grades: list[str], quotas: list, where: str) -> dict:
        """Its tables of a loaded profile, parsed and checked (→ `Profile.rules`); ProfileError names the key."""

    def score(self, results: list[FileResult], profile: Profile, problems: Problems, history: History) -> Scored:
        """The subjects to grade, from every file's records (and last year's results)."""

    def after_grading(self, graded: Graded, profile: Profile) -> Graded:
        """Markers that need the final grade (shengji's 重点整顿 …); most systems return `graded` as is."""

    def result_columns(self, profile: Profile) -> list[str]:
        """results.csv's columns after the common seven."""

    def result_values(self, row: dict, profile: Profile, common: dict) -> dict:
        """One subject's values of `result_columns`; `common` are the values every system shares."""

    def needed_returns(self, profile: Profile, roster: list[RosterEntry], results: list[FileResult]) -> list[Need]:
        """收件进度: one `Need` per roster subject and form it needs, with the records that brought it;
        usually one line: `roster_needs(roster, results, [forms of fenji.forms.returns])`."""

    def run_info(self, outcome) -> dict:
        """Extra keys of run.json (shengji: 提升率 and 转化率); most systems return {}."""

    def plan_documents(self, outcome, options, env, root: Path) -> Plan:
        """Every document of a run: templates rendered to HTML, and the PDF file(s) each becomes."""

    def plan_blank_forms(
        self, profile: Profile, entries: list[RosterEntry], out: Path, year: int, ballots: int
    ) -> BlankPlan:
        """`fenji forms`: the blank forms for a roster (and whether paper ballots are printed)."""

    def write_samples(self, root: Path) -> None:
        """Its seeded sample folders under `root` (sample_workbooks/<profile>[-<year>]/)."""


SYSTEMS: tuple[System, ...] = (
    dingji.SYSTEM,
    shengji.SYSTEM,
    xingji.SYSTEM,
    shixing.SYSTEM,
    youxiu.SYSTEM,
    gongxin.SYSTEM,
    wuhao.SYSTEM,
)
BY_NAME = {system.name: system for system in SYSTEMS}


def system_of(profile: Profile) -> System:
    """The system that grades with `profile` (its `system` key was checked on load)."""
    return BY_NAME[profile.system]


def builtin_names() -> list[str]:
    """Built-in profiles shipped with this version (those whose TOML exists), in registry order."""
    return [name for system in SYSTEMS for name in system.profiles if _builtin_path(system, name).is_file()]


def _builtin_path(system: System, name: str):
    return resources.files(system.package).joinpath(f"{name}.toml")


def builtin_text(name: str) -> str:
    system = next((s for s in SYSTEMS if name in s.profiles), None)
    path = _builtin_path(system, name) if system is not None else None
    if path is None or not path.is_file():
        raise ProfileError(f"没有名为 {name!r} 的内置规则配置；可用的有：{', '.join(builtin_names())}。")
    return path.read_text(encoding="utf-8")


def load_profile(spec: str | Path) -> Profile:
    """A built-in name (`dingji`) or a path to a TOML file → validated Profile."""
    spec_text = str(spec)
    builtin = {name for system in SYSTEMS for name in system.profiles}
    if spec_text in builtin or not (spec_text.endswith(".toml") or Path(spec_text).exists()):
        text, where = builtin_text(spec_text), f"{spec_text}（内置）"
    else:
        path = Path(spec_text)
        if not path.is_file():
            raise ProfileError(f"找不到规则配置文件 {path}。")
        text, where = path.read_text(encoding="utf-8-sig"), str(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"规则配置 {where} 不是有效的 TOML：{exc}。") from None
    return build_profile(data, where, text, _system_for(data, where))


def _system_for(data: dict, where: str) -> System:
    check_required(data, where)
    name = data["system"]
    if name not in BY_NAME:
        raise ProfileError(f"规则配置 {where} 的 `system` 为 {name!r}，可用的有：{', '.join(BY_NAME)}。")
    return BY_NAME[name]


def templates_of(system: System) -> Path:
    """A system's own templates/ folder; they extend the shared bases of fenji/core/templates."""
    return Path(str(resources.files(system.package).joinpath("templates")))
