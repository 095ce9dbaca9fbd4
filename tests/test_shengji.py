"""shengji (村党组织分类升级): classes by score and by 满意率, the lower one, 临界, and the yearly rates."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pandas as pd
import pytest

from fenji.api import RunOptions, check, run
from fenji.core.profiles import ProfileError
from fenji.forms.samplebooks import Branch, roster_book, summary_book
from fenji.systems import builtin_text, load_profile
from fenji.systems.shengji.rates import year_on_year
from fenji.systems.shengji.samples import Return, _shengji_scores, write_shengji_samples
from fenji.systems.shengji.score import class_of

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_workbooks"
GOLDEN = ROOT / "tests" / "golden" / "shengji.csv"
PROFILE = load_profile("shengji")


def _sample(tmp_path: Path, with_last_year: bool):
    db = tmp_path / "fenji.db"
    if with_last_year:
        run(RunOptions(SAMPLES / "shengji-2026", "shengji", 2026, tmp_path / "2026", db=db, documents=False))
    return run(RunOptions(SAMPLES / "shengji", "shengji", 2027, tmp_path / "2027", db=db, documents=False))


@pytest.mark.parametrize(
    "score, expected",
    [("100", "先进"), ("90", "先进"), ("89.9", "中间"), ("70.1", "中间"), ("70", "后进"), ("0", "后进")],
)
def test_score_classes(score, expected):
    assert class_of(Fraction(Decimal(score)), PROFILE.rules["score_classes"]) == expected


@pytest.mark.parametrize(
    "rate, expected",
    [
        (Fraction(1), "先进"),
        (Fraction(9, 10), "先进"),
        (Fraction(899, 1000), "中间"),
        (Fraction(7, 10), "中间"),
        (Fraction(699, 1000), "后进"),
    ],
)
def test_satisfaction_classes(rate, expected):
    assert class_of(rate * 100, PROFILE.rules["rate_classes"]) == expected


def test_sample_matches_golden(tmp_path: Path):
    result = _sample(tmp_path, with_last_year=False)
    assert result.exit_code == 1  # SB06 has no survey row: 未评定
    produced = pd.read_csv(tmp_path / "2027" / "results.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    golden = pd.read_csv(GOLDEN, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    pd.testing.assert_frame_equal(produced, golden)


def test_sample_is_what_the_generator_writes(tmp_path: Path):
    write_shengji_samples(tmp_path)
    for folder in ("shengji", "shengji-2026"):
        committed = sorted(
            p.relative_to(SAMPLES / folder).as_posix() for p in (SAMPLES / folder).rglob("*") if p.is_file()
        )
        fresh = sorted(
            p.relative_to(tmp_path / folder).as_posix() for p in (tmp_path / folder).rglob("*") if p.is_file()
        )
        assert committed == fresh
    a = check(RunOptions(SAMPLES / "shengji", "shengji", 2027, db=tmp_path / "none.db"))
    b = check(RunOptions(tmp_path / "shengji", "shengji", 2027, db=tmp_path / "none.db"))
    pd.testing.assert_frame_equal(a.results.drop(columns="数据来源"), b.results.drop(columns="数据来源"))


def test_the_lower_class_veto_and_boundaries(tmp_path: Path):
    table = _sample(tmp_path, with_last_year=False).results.set_index("编号")
    assert tuple(table.loc["LQ04", ["分数等次", "满意率等次", "等次"]]) == ("先进", "中间", "中间")
    assert tuple(table.loc["LQ06", ["分数等次", "满意率等次", "等次", "满意率"]]) == ("中间", "先进", "中间", "90.0%")
    assert tuple(table.loc["LQ08", ["初定等次", "等次", "说明"]]) == ("先进", "后进", "一票否决")
    assert table.loc["LQ01", "得分"] == "90.0" and table.loc["LQ01", "说明"] == "临界"  # score on 90
    assert table.loc["LQ06", "说明"] == "临界"  # 满意率 on 90 %
    assert (table.loc["SB05", "满意率"], table.loc["SB05", "满意率等次"], table.loc["SB05", "说明"]) == (
        "70.0%",
        "中间",
        "临界",
    )
    assert (table.loc["SB06", "等次"], table.loc["SB06", "得分"], table.loc["SB06", "说明"]) == (
        "未评定",
        "",
        "缺满意度测评",
    )
    assert table.loc["SB06", "考核得分"] == "84.0"
    assert table.loc["LQ02", "升级目标"].startswith("优化升级") and table.loc["LQ05", "升级目标"].startswith("挖掘潜力")


def test_indicators_summed_or_total_alone(tmp_path: Path):
    result = _sample(tmp_path, with_last_year=False)
    table = result.results.set_index("编号")
    assert table.loc["LQ03", "考核得分"] == "85.0" and table.loc["LQ03", "党组织带头人"] == "15.0"
    assert table.loc["SB02", "考核得分"] == "86.5" and table.loc["SB02", "党组织带头人"] == ""
    warnings = {(p.code, p.cell, p.subject) for p in result.problems}
    assert ("total-mismatch", "K8", "LQ03") in warnings


def test_last_year_from_the_roster_or_the_ledger(tmp_path: Path):
    alone = _sample(tmp_path / "alone", with_last_year=False)
    table = alone.results.set_index("编号")
    assert tuple(table.loc["SB04", ["上年等次", "上年等次来源"]]) == ("中间", "名册")
    assert "history-mismatch" not in {p.code for p in alone.problems}
    both = _sample(tmp_path / "both", with_last_year=True)
    table = both.results.set_index("编号")
    assert tuple(table.loc["SB04", ["上年等次", "上年等次来源"]]) == ("后进", "台账")
    mismatches = [p for p in both.problems if p.code == "history-mismatch"]
    assert [(p.level, p.subject, p.cell) for p in mismatches] == [("警告", "SB04", "A7")]
    assert "黄泥村党支部" in mismatches[0].message and "以台账为准" in mismatches[0].message


def _rates(result) -> dict:
    rates = year_on_year(result.graded.subjects, result.profile, result.history)
    return {
        (r.unit, r.name): ([m.id for m in r.base], [m.id for m in r.hits], [m.id for m in r.gone], r.ok) for r in rates
    }


def test_rates_over_the_right_denominators(tmp_path: Path):
    rates = _rates(_sample(tmp_path, with_last_year=True))
    assert rates["龙泉乡", "提升率"] == (["LQ02", "LQ03", "LQ04", "LQ06"], ["LQ02"], [], True)  # 25 % ≥ 10 %
    assert rates["龙泉乡", "转化率"] == (["LQ05", "LQ07"], ["LQ05", "LQ07"], [], True)  # 100 %
    # SB08 was 中间 in 2026 and merged away: not in the denominator; SB06 (未评定 now) is, and is no hit
    assert rates["石板乡", "提升率"] == (["SB02", "SB03", "SB06", "SB07"], [], ["SB08"], False)
    assert rates["石板乡", "转化率"] == (["SB04", "SB05"], ["SB05"], [], False)  # 50 % < 100 %
    total = rates["合计", "提升率"]
    assert len(total[0]) == 8 and total[1] == ["LQ02"] and total[2] == ["SB08"]


def test_rates_from_the_roster_alone(tmp_path: Path):
    rates = _rates(_sample(tmp_path, with_last_year=False))
    assert rates["石板乡", "提升率"][0] == ["SB02", "SB03", "SB04", "SB06", "SB07"]  # SB04 typed 中间 in the roster
    assert rates["石板乡", "转化率"][:2] == (["SB05"], ["SB05"])


def _town(folder: Path, rows: list[tuple[str, Return]]) -> Path:
    branches = [Branch(ident, f"{ident}村党支部", "甲乡", "行政村", 30, "张三", "") for ident, _ in rows]
    roster_book("甲乡", 2027, branches).save(folder / "名册.xlsx")
    pairs = list(zip(branches, [r for _, r in rows]))
    _shengji_scores("甲乡", 2027, pairs, indicators=False).save(folder / "附件4.xlsx")
    votes = [
        (b, {"满意": r.positive, "基本满意": 0, "不满意": r.valid - r.positive, "不了解": 0}, r.valid, "")
        for b, r in pairs
    ]
    summary_book("甲乡", 2027, votes).save(folder / "汇总表.xlsx")
    return folder


def test_a_total_out_of_range_is_an_error(tmp_path: Path):
    inbox = _town(tmp_path, [("J1", Return(105, 9, 10)), ("J2", Return(70.05, 9, 10))])
    result = check(RunOptions(inbox, "shengji", 2027, db=tmp_path / "none.db"))
    table = result.results.set_index("编号")
    assert table.loc["J1", "等次"] == "未评定"
    assert ("score-out-of-range", "D5") in {(p.code, p.cell) for p in result.problems}
    assert (table.loc["J2", "得分"], table.loc["J2", "等次"]) == ("70.1", "中间")  # rounded half up first, then classed


def _profile_text(**replace: str) -> str:
    text = builtin_text("shengji")
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    return text


@pytest.mark.parametrize(
    "old, new, words",
    [
        ('"中间" = "(70,90)"', '"中间" = "[70,90)"', ["classes.score.", "重叠"]),
        ('"中间" = "[70,90)"', '"中间" = "(70,90)"', ["classes.satisfaction.", "空隙"]),
        ('"后进" = "[0,70)"\n', "", ["classes.satisfaction.后进"]),
        ('promotion_to = "先进"', 'promotion_to = "优秀"', ["year_on_year.promotion_to"]),
    ],
)
def test_profile_mistakes_name_the_key(tmp_path: Path, old, new, words):
    path = tmp_path / "my.toml"
    path.write_text(_profile_text(**{old: new}), encoding="utf-8")
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert all(word in str(caught.value) for word in words), str(caught.value)


# --- documents (one town, rendered once; read back with pdftotext) -----------------------------

import datetime as dt  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402


def flat(pdf: Path) -> str:
    """The PDF's text in drawing order without white space (poppler-utils must be installed)."""
    done = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return re.sub(r"\s+", "", done.stdout)


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    base = tmp_path_factory.mktemp("shengji-documents")
    db = base / "fenji.db"
    run(RunOptions(SAMPLES / "shengji-2026", "shengji", 2026, base / "2026", db=db, documents=False))
    result = run(
        RunOptions(
            SAMPLES / "shengji" / "龙泉乡",
            "shengji",
            2027,
            base / "2027",
            db=db,
            notice_date=dt.date(2027, 4, 10),
            workers=1,
        )
    )
    return result, base / "2027" / "documents"


def test_document_files_carry_unit_year_and_kind(documents):
    result, folder = documents
    assert "template-error" not in {p.code for p in result.problems}
    names = {p.relative_to(folder).as_posix() for p in result.documents}
    stem = "龙泉乡/龙泉乡2027年度分类升级"
    assert {f"{stem}评分定级表.pdf", f"{stem}测评汇总表.pdf", f"{stem}结果公示.pdf", "汇总报告.pdf"} <= names
    assert "龙泉乡/通知书/LQ08双河村党支部分类升级结果通知书.pdf" in names and len(names) == 4 + 8 + 1  # + 收件进度


def test_notice_shows_names_and_classes_only(documents):
    _, folder = documents
    notice = flat(folder / "龙泉乡" / "龙泉乡2027年度分类升级结果公示.pdf")
    assert "关于龙泉乡2027年度村党组织分类升级结果的公示" in notice and "2027年4月16日" in notice
    assert "后进1个" in notice and "双河村党支部" in notice
    assert "刑事案件" not in notice and "94.0" not in notice and "临界" not in notice


def test_letters_carry_the_class_and_next_years_goal(documents):
    _, folder = documents
    vetoed = flat(folder / "龙泉乡" / "通知书" / "LQ08双河村党支部分类升级结果通知书.pdf")
    assert "分类结果为“后进”（上年为“先进”）" in vetoed and "发生刑事案件" in vetoed and "综合整治“换新貌”" in vetoed
    promoted = flat(folder / "龙泉乡" / "通知书" / "LQ02青杠村党支部分类升级结果通知书.pdf")
    assert "按得分为“先进”" in promoted and "优化升级“上水平”" in promoted


def test_score_table_shows_both_classes(documents):
    _, folder = documents
    table = flat(folder / "龙泉乡" / "龙泉乡2027年度分类升级评分定级表.pdf")
    assert "内部资料" in table and "LQ04桂花村党支部91.0先进89.7%39中间中间" in table


def test_report_shows_the_rates_against_targets_and_who_is_behind_them(documents):
    _, folder = documents
    report = flat(folder / "汇总报告.pdf")
    assert "分类升级提升率和转化率" in report and "取自台账（2026年的定级结果）" in report
    assert "1/4（25.0%）10%以上√达到" in report and "2/2（100.0%）100%√达到" in report
    assert "青杠村党支部（先进）" in report and "柏杨村党支部（中间）" in report
    assert "满意率为90.0%" in report  # 水井村: 临界 by its 满意率, with the reason


def test_rates_in_run_json_as_computed_by_hand(tmp_path: Path):
    import json

    _sample(tmp_path, with_last_year=True)
    info = json.loads((tmp_path / "2027" / "run.json").read_text(encoding="utf-8"))
    rates = {(r["unit"], r["name"]): (r["value"], r["percent"], r["met"]) for r in info["year_on_year"]}
    # by hand from the samples: 2026 中间 → 2027 先进 / 2026 后进 → 2027 not 后进, over those still in the roster
    assert rates == {
        ("石板乡", "提升率"): ("0/4", "0.0%", False),
        ("石板乡", "转化率"): ("1/2", "50.0%", False),
        ("龙泉乡", "提升率"): ("1/4", "25.0%", True),
        ("龙泉乡", "转化率"): ("2/2", "100.0%", True),
        ("合计", "提升率"): ("1/8", "12.5%", True),
        ("合计", "转化率"): ("3/4", "75.0%", False),
    }
    gone = {(r["unit"], r["name"]): r["gone"] for r in info["year_on_year"]}
    assert gone["石板乡", "提升率"] == ["SB08"] and info["year_on_year"][0]["target"] == "10.0%"


def test_no_rates_without_last_year(tmp_path: Path):
    import json

    run(
        RunOptions(
            SAMPLES / "shengji-2026", "shengji", 2026, tmp_path / "2026", db=tmp_path / "fenji.db", documents=False
        )
    )
    info = json.loads((tmp_path / "2026" / "run.json").read_text(encoding="utf-8"))
    assert {r["value"] for r in info["year_on_year"]} == {None} and {r["met"] for r in info["year_on_year"]} == {None}


def test_report_shows_last_years_distribution_beside_this_years(documents):
    _, folder = documents
    report = flat(folder / "汇总报告.pdf")
    assert "上年与本年等次分布" in report and "上年数据取自台账中2026年的评定结果，共8个党组织" in report
    # 龙泉乡 2026: 先进 2 (LQ01, LQ08), 中间 4, 后进 2; 2027: 先进 2, 中间 5, 后进 1 (石板乡 is not in this run)
    assert "2026年8225.0%450.0%225.0%" in report and "2027年8225.0%562.5%112.5%" in report


def test_demo_grades_last_year_first(tmp_path: Path):
    from fenji.api import _demo_last_year
    from fenji.core.ledger import Ledger

    _demo_last_year(SAMPLES, "shengji", tmp_path, 1)
    _demo_last_year(SAMPLES, "dingji", tmp_path, 1)  # no dingji-2026 sample: nothing to do
    with Ledger(tmp_path / "fenji.db") as ledger:
        assert [(r["profile"], r["year"]) for r in ledger.runs()] == [("shengji", 2026)]
    assert (tmp_path / "shengji-2026" / "results.csv").is_file()


def test_two_years_through_the_ledger_match_golden(tmp_path: Path):
    """What `fenji demo` shows: 2026 graded into the ledger, then 2027 with last year's classes from it."""
    result = _sample(tmp_path, with_last_year=True)
    assert result.exit_code == 1
    for year, golden in (("2026", "shengji-2026.csv"), ("2027", "shengji-2027-ledger.csv")):
        produced = pd.read_csv(tmp_path / year / "results.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
        expected = pd.read_csv(
            ROOT / "tests" / "golden" / golden, dtype=str, keep_default_na=False, encoding="utf-8-sig"
        )
        pd.testing.assert_frame_equal(produced, expected)
