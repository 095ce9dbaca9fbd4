"""gongxin — 村（社区）“两委”班子公信度调查 (rules.md §7): the sample graded end to end, the exact
arithmetic and the flags at their edges, the profile's checks, the forms' tolerances, the internal
documents (no public notice ever), the blank forms through LibreOffice, and year on year."""

from __future__ import annotations

import shutil
import subprocess
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from fenji import api
from fenji.core.arith import half_up
from fenji.core.discover import InputFile
from fenji.core.problems import ERROR, WARNING
from fenji.core.profiles import ProfileError
from fenji.forms.read import read_file
from fenji.forms.trust import TrustSubject, member_header
from fenji.grading.grade import band_of
from fenji.systems import builtin_text, load_profile
from fenji.systems.gongxin import samples
from fenji.systems.gongxin.score import trust_rate

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_workbooks"
ROSTER = SAMPLES / "gongxin" / "温泉镇两委班子成员名册.xlsx"
PROFILE = load_profile("gongxin")


def by_id(result) -> dict[str, dict]:
    return {r["编号"]: r for r in result.results.to_dict("records")}


def serious(problems) -> list[tuple]:
    return [(p.level, p.code, p.file, p.cell, p.message) for p in problems if p.level in (ERROR, WARNING)]


def read(path: Path, profile=PROFILE):
    stat = path.stat()
    return read_file(InputFile(path, path.name, stat.st_size, stat.st_mtime, ""), profile)


def subject(counts: dict[str, tuple[int, int, int, int]]) -> TrustSubject:
    s = TrustSubject("张三", "", "", "C3")
    s.counts = {c: dict(zip(PROFILE.rules["options"], n)) for c, n in counts.items()}
    return s


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """2026 into the ledger, then 2027 with documents: as `fenji demo` grades gongxin."""
    out = tmp_path_factory.mktemp("gongxin")
    db = out / "fenji.db"
    last = api.run(api.RunOptions(SAMPLES / "gongxin-2026", "gongxin", 2026, out / "2026", db=db, documents=False))
    now = api.run(api.RunOptions(SAMPLES / "gongxin", "gongxin", 2027, out / "2027", db=db))
    return last, now, out / "2027"


# --- the sample -------------------------------------------------------------------------------


def test_sample_flags_and_figures(graded):
    _, now, _ = graded
    rows = by_id(now)
    assert now.exit_code == 1  # the sample carries errors and a village without returns
    assert list(rows) == [
        "QX01-班子", "QX01-1", "QX01-2", "QX01-3", "QX01-4", "QX01-5",
        "QX02-班子", "QX02-1", "QX02-2", "QX02-3", "QX02-4",
        "QX03-班子", "QX03-1", "QX03-2", "QX03-3",
    ]  # fmt: skip
    team = rows["QX01-班子"]
    assert (team["名称"], team["单位"], team["类别"]) == ("班子整体", "清溪村", "班子")
    assert (rows["QX01-5"]["得分"], rows["QX01-5"]["等次"]) == ("54.4%", "甄别")  # a person under 60 %
    assert (rows["QX01-3"]["得分"], rows["QX01-3"]["等次"]) == ("71.9%", "提醒谈话")
    assert (rows["QX02-班子"]["得分"], rows["QX02-班子"]["等次"]) == ("74.6%", "提醒谈话")
    few = rows["QX02-4"]  # too few valid ballots: not flagged, 得分 empty
    assert (few["得分"], few["等次"], few["有效票"]) == ("", "样本不足", "6")
    assert "少于10张" in few["说明"]
    assert {rows[i]["等次"] for i in ("QX03-班子", "QX03-1")} == {"未评定"}
    assert rows["QX03-1"]["说明"] == "缺公信度调查"
    # namesakes by 编号: two 王建华, two villages, two results
    assert (rows["QX01-1"]["名称"], rows["QX02-1"]["名称"]) == ("王建华", "王建华")
    assert (rows["QX01-1"]["得分"], rows["QX02-1"]["得分"]) == ("93.1%", "89.7%")


def test_run_json_counts_the_flags_per_town(graded):
    import json

    info = json.loads((graded[2] / "run.json").read_text(encoding="utf-8"))["公信度"]["温泉镇"]
    assert info["班子"] == {"正常": 1, "提醒谈话": 1, "未评定": 1} and info["班子被标记"] == ["石桥村"]
    assert info["成员"] == {"正常": 5, "提醒谈话": 2, "甄别": 1, "样本不足": 1, "未评定": 3}


def test_sample_figures_are_exact(graded):
    """陈志明: 14 信任 + 17 基本信任 of 57 valid (信任 + 基本信任 + 不信任 26) = 54.385… → 54.4%."""
    row = by_id(graded[1])["QX01-5"]
    assert (row["信任"], row["基本信任"], row["不信任"], row["有效票"]) == ("14", "17", "26", "57")
    assert half_up(Fraction(31, 57) * 100, 1) == Decimal("54.4")
    assert row["不信任率"] == "45.6%" and row["基层群众公信度"] == "53.3%"


def test_sample_problems_name_the_cell(graded):
    found = {(p.code, p.file, p.cell) for p in graded[1].problems}
    assert ("trust-member-not-in-roster", "清溪村公信度调查表.xlsx", "I3") in found  # 李明 left the 班子
    assert ("trust-option-unknown", "清溪村公信度调查表.xlsx", "E11") in found  # 很信任
    assert ("trust-category-unknown", "清溪村公信度调查表.xlsx", "B15") in found  # 群众
    assert ("trust-summary-ignored", "清溪村公信度调查汇总表.xlsx", "A2") in found  # ballots win
    codes = {p.code for p in graded[1].problems}
    assert "count-not-integer" not in codes  # `12票` typed as text is read as 12


def test_year_on_year(graded):
    rows = by_id(graded[1])
    again = rows["QX01-5"]
    assert (again["上年得分"], again["上年等次"]) == ("73.7%", "提醒谈话")
    assert again["连续标记"] == "连续两年被标记（上年提醒谈话）"  # a cadre flagged again
    assert rows["QX01-3"]["连续标记"] == ""  # 正常 last year
    assert rows["QX01-班子"]["公信度变化"] == "下降1.9个百分点"  # 88.1% → 86.2%
    assert rows["QX02-班子"]["公信度变化"] == "下降11.8个百分点"
    assert rows["QX02-4"]["上年得分"] == ""  # new this year


def test_the_ledger_keeps_each_year_for_a_cadre_and_a_team(graded):
    """`fenji history`: a cadre flagged two years running, a 班子's 公信度 year by year."""
    db = graded[2].parent / "fenji.db"
    cadre = [(r.year, r.score, r.grade) for r in api.history("QX01-5", db, "gongxin")]
    assert cadre == [(2026, "73.7%", "提醒谈话"), (2027, "54.4%", "甄别")]
    team = api.history("QX02-班子", db, "gongxin")
    assert [(r.year, r.score) for r in team] == [(2026, "86.4%"), (2027, "74.6%")]
    assert team[-1].details["公信度变化"] == "下降11.8个百分点" and team[-1].details["基层群众公信度"] == "74.2%"


# --- arithmetic and flags -----------------------------------------------------------------------


def test_half_up_once_on_the_exact_rate():
    """13 of 16 valid = 81.25 %: half up gives 81.3 (half-even would say 81.2)."""
    rate, valid = trust_rate(subject({"基层群众": (10, 3, 3, 5)}), PROFILE.rules)
    assert (rate, valid) == (Fraction(13, 16), 16)
    assert half_up(rate * 100, PROFILE.decimals) == Decimal("81.3")


@pytest.mark.parametrize(
    "trusted, distrusted, flag",
    [
        (80, 20, "正常"),  # exactly 80 %: 80 % and above
        (1599, 401, "正常"),  # 79.95 % rounds to 80.0: flags are decided on the rounded value
        (1599, 402, "提醒谈话"),  # 79.91… → 79.9
        (60, 40, "提醒谈话"),  # exactly 60 %
        (1199, 801, "提醒谈话"),  # 59.95 → 60.0
        (1198, 802, "甄别"),  # 59.9
    ],
)
def test_flag_edges(trusted, distrusted, flag):
    rate, _ = trust_rate(subject({"基层干部": (trusted, 0, distrusted, 0)}), PROFILE.rules)
    assert band_of(half_up(rate * 100, PROFILE.decimals), PROFILE) == flag


def test_category_weights(tmp_path):
    """weights = {基层群众 = 0.5}: (0.5·8 + 9) / (0.5·16 + 10) = 13/18; unweighted 17/26."""
    text = builtin_text("gongxin").replace("weights = {}", 'weights = { "基层群众" = 0.5 }')
    path = tmp_path / "weighted.toml"
    path.write_text(text, encoding="utf-8")
    weighted = load_profile(path)
    both = subject({"基层群众": (5, 3, 8, 0), "基层干部": (6, 3, 1, 2)})
    assert trust_rate(both, weighted.rules) == (Fraction(13, 18), 26)
    assert trust_rate(both, PROFILE.rules) == (Fraction(17, 26), 26)


@pytest.mark.parametrize(
    "old, new, key",
    [
        ("weights = {}", 'weights = { "群众" = 0.5 }', "gongxin.weights"),
        ("weights = {}", 'weights = { "基层群众" = -1 }', "gongxin.weights.基层群众"),
        ('trusted = ["信任", "基本信任"]', 'trusted = ["很信任"]', "gongxin.trusted"),
        ("min_valid = 10", "min_valid = -1", "gongxin.min_valid"),
        ("min_valid = 10", 'min_valid = "十"', "gongxin.min_valid"),
        ('insufficient = "样本不足"', 'insufficient = "甄别"', "gongxin.insufficient"),
    ],
)
def test_profile_mistakes_name_the_key(tmp_path, old, new, key):
    text = builtin_text("gongxin")
    assert old in text
    path = tmp_path / "bad.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(ProfileError, match=key.replace(".", r"\.")):
        load_profile(path)


def test_min_valid_is_a_setting(tmp_path):
    path = tmp_path / "five.toml"
    path.write_text(builtin_text("gongxin").replace("min_valid = 10", "min_valid = 5"), encoding="utf-8")
    result = api.run(api.RunOptions(SAMPLES / "gongxin", str(path), 2027, documents=False))
    assert (by_id(result)["QX02-4"]["等次"], by_id(result)["QX02-4"]["得分"]) == ("正常", "83.3%")  # 5 of 6


# --- the forms' tolerances ----------------------------------------------------------------------


def test_member_header_forms():
    assert member_header("张三（书记）") == ("张三", "", "书记")
    assert member_header("张伟(QX01-3)") == ("张伟", "QX01-3", "")
    assert member_header(" 李 四 ") == ("李四", "", "")


def _village_folder(tmp_path: Path, heads: list[str], rows: list[list], members: dict) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    samples.cadre_roster_book("温泉镇", 2027, members).save(folder / "名册.xlsx")
    samples.ballots_book("清溪村", 2027, heads, rows).save(folder / "调查表.xlsx")
    return folder


def test_namesakes_in_one_village_by_id_in_the_header(tmp_path):
    members = {"清溪村": [("QX01-1", "张伟", "书记"), ("QX01-2", "张伟", "委员")]}
    rows = [["基层群众", "信任", "信任", "不信任"] for _ in range(12)]
    folder = _village_folder(tmp_path, ["班子整体", "张伟（QX01-2）", "张伟（QX01-1）"], rows, members)
    result = api.run(api.RunOptions(folder, "gongxin", 2027, documents=False))
    rows_by = by_id(result)
    assert (rows_by["QX01-2"]["得分"], rows_by["QX01-1"]["得分"]) == ("100.0%", "0.0%")
    assert rows_by["QX01-1"]["等次"] == "甄别"


def test_namesakes_without_id_are_an_error_at_the_header(tmp_path):
    members = {"清溪村": [("QX01-1", "张伟", "委员"), ("QX01-2", "张伟", "委员")]}
    rows = [["基层群众", "信任", "信任"] for _ in range(12)]
    folder = _village_folder(tmp_path, ["班子整体", "张伟"], rows, members)
    result = api.run(api.RunOptions(folder, "gongxin", 2027, documents=False))
    found = [p for p in result.problems if p.code == "trust-member-ambiguous"]
    assert len(found) == 1 and found[0].cell == "D3" and "QX01-1" in found[0].message


def test_moved_and_reordered_columns(tmp_path):
    """Rows inserted above the table and the members' columns in another order: found by header."""
    members = {"清溪村": [("QX01-1", "王一", "书记"), ("QX01-2", "李二", "主任")]}
    rows = [["党代表", "不信任", "信任", "不信任"] for _ in range(10)]
    folder = _village_folder(tmp_path, ["李二（主任）", "班子整体", "王一"], rows, members)
    book = load_workbook(folder / "调查表.xlsx")
    book.active.insert_rows(2, 3)
    book.save(folder / "调查表.xlsx")
    result = api.run(api.RunOptions(folder, "gongxin", 2027, documents=False))
    got = by_id(result)
    assert (got["QX01-2"]["得分"], got["QX01-班子"]["得分"], got["QX01-1"]["得分"]) == ("0.0%", "100.0%", "0.0%")
    assert serious(result.problems) == []


def test_summary_two_level_header_reads_every_category(tmp_path):
    book = read(SAMPLES / "gongxin" / "石桥村公信度调查汇总表.xlsx")
    (tally,) = book.records["trust"]
    assert not tally.from_ballots and tally.village == "石桥村"
    team = next(s for s in tally.subjects if s.is_team)
    assert sorted(team.counts) == sorted(PROFILE.rules["categories"])
    assert sum(sum(c.values()) for c in team.counts.values()) == 60


# --- documents: all internal ---------------------------------------------------------------------


def test_no_public_document_and_every_pdf_internal(graded):
    out = graded[2] / "documents"
    pdfs = sorted(out.rglob("*.pdf"))
    names = sorted(p.relative_to(out).as_posix() for p in pdfs)
    assert names == [
        "汇总报告.pdf",
        "温泉镇/收件进度.pdf",  # (the shared 收件进度: 新光社区's survey is still owed)
        "温泉镇/新光社区2027年度公信度调查结果汇总表.pdf",
        "温泉镇/清溪村2027年度公信度调查结果汇总表.pdf",
        "温泉镇/温泉镇2027年度公信度调查甄别名单.pdf",
        "温泉镇/石桥村2027年度公信度调查结果汇总表.pdf",
    ]
    assert not [p for p in out.rglob("*") if "公示" in p.name or "通知书" in p.name]
    for pdf in pdfs:
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
        assert "内部资料" in text, pdf.name
        assert "公示期" not in text and "结果公示" not in text, pdf.name


def test_screening_list_to_the_town_committee_only(graded):
    pdf = graded[2] / "documents" / "温泉镇" / "温泉镇2027年度公信度调查甄别名单.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "报镇党委" in text and "陈志明" in text and "54.4%" in text and "张国强" in text
    assert "李秀英" not in text and "周海燕" not in text  # 正常 and 样本不足 are not on it
    assert text.index("陈志明") < text.index("张国强")  # 甄别 first, lowest 公信度 first


def test_report_names_flagged_teams_and_year_on_year(graded):
    pdf = graded[2] / "documents" / "汇总报告.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "班子整体被标记的村（社区）：石桥村" in text
    assert "连续两年被标记" in text and "陈志明" in text


# --- blank forms -------------------------------------------------------------------------------


def _fill(result) -> dict:
    """Type 12 ballots into every 调查表 (each member 信任 but the last 不信任) and the dates."""
    typed = {}
    for form in result.forms:
        if form.kind != "trust_ballots":
            continue
        book = load_workbook(form.path)
        heads = [key[1] for key in form.cells if key[0] == 1 and key[1] not in ("票号", "调查对象类别", "备注")]
        for n in range(1, 13):
            for key, value in [((n, "票号"), n), ((n, "调查对象类别"), "基层干部" if n % 2 else "基层群众")] + [
                ((n, h), "不信任" if i == len(heads) - 1 else "信任") for i, h in enumerate(heads)
            ]:
                sheet, ref = form.cells[key]
                book[sheet][ref] = value
        sheet, ref = form.cells[("", "调查日期")]
        book[sheet][ref] = "调查日期：2027年12月5日"
        book.save(form.path)
        typed[form.subject] = heads
    return typed


def test_blank_forms_headed_by_the_members(tmp_path):
    result = api.forms("gongxin", ROSTER, tmp_path / "forms", year=2027)
    kinds = sorted(f.kind for f in result.forms)
    assert kinds.count("trust_ballots") == 3 and kinds.count("trust_summary") == 3
    ballots = next(f for f in result.forms if f.kind == "trust_ballots" and f.subject == "清溪村")
    ws = load_workbook(ballots.path).active
    assert [c.value for c in ws[3]] == [
        "票号", "调查对象类别", "班子整体", "王建华（书记）", "李秀英（主任）", "张国强（委员）", "刘红梅（委员）",
        "陈志明（委员）", "备注",
    ]  # fmt: skip
    lists = {dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"}
    assert '"信任,基本信任,不信任,不了解"' in lists and '"基层干部,党代表,人大代表,政协委员,基层群众"' in lists
    assert ws.protection.sheet


def test_blank_forms_round_trip(tmp_path):
    result = api.forms("gongxin", ROSTER, tmp_path / "forms", year=2027)
    _fill(result)
    checked = api.run(api.RunOptions(result.out, "gongxin", 2027, documents=False))
    assert serious(checked.problems) == []  # the 汇总表 left blank beside the ballots: no tallies
    rows = by_id(checked)
    assert rows["QX01-5"]["得分"] == "0.0%" and rows["QX01-1"]["得分"] == "100.0%"
    assert rows["QX01-班子"]["有效票"] == "12"


def test_libreoffice_xls_round_trip(tmp_path):
    """The filled forms saved by LibreOffice as genuine .xls come back with every value and no problem."""
    soffice = shutil.which("soffice")
    assert soffice, (
        "LibreOffice (soffice) 未安装：请用 scripts/test.sh 运行测试，或 apt-get install libreoffice-calc-nogui"
    )
    result = api.forms("gongxin", ROSTER, tmp_path / "forms", year=2027)
    _fill(result)
    xls = tmp_path / "xls"
    sources = [f.path for f in result.forms]
    subprocess.run(
        [soffice, "--headless", "--norestore", f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}",
         "--convert-to", "xls", "--outdir", str(xls), *map(str, sources)],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600,
    )  # fmt: skip
    files = sorted(xls.iterdir())
    # the same base names are in several folders (the village forms): one .xls per distinct name
    assert len(files) == len({p.name for p in sources})
    assert all(f.read_bytes()[:8] == bytes.fromhex("d0cf11e0a1b11ae1") for f in files)  # genuine Excel 97
    checked = api.run(api.RunOptions(xls, "gongxin", 2027, documents=False))
    assert serious(checked.problems) == []
    rows = by_id(checked)
    assert rows["QX01-5"]["得分"] == "0.0%" and rows["QX02-1"]["得分"] == "100.0%"
    assert rows["QX02-班子"]["有效票"] == "12" and rows["QX02-4"]["等次"] == "甄别"


# --- resubmissions and committee decisions -----------------------------------------------------


def test_resubmitted_ballots_the_latest_wins(tmp_path):
    members = {"清溪村": [("QX01-1", "王一", "书记")]}
    folder = _village_folder(tmp_path, ["班子整体", "王一"], [["基层干部", "信任", "不信任"]] * 10, members)
    later = samples.ballots_book("清溪村", 2027, ["班子整体", "王一"], [["基层干部", "信任", "信任"]] * 10)
    ws = later.active
    ws["D2"] = "调查日期：2027年12月20日"  # the first was dated 12月5日
    later.save(folder / "调查表（重报）.xlsx")
    result = api.run(api.RunOptions(folder, "gongxin", 2027, documents=False))
    assert by_id(result)["QX01-1"]["得分"] == "100.0%"
    assert [p.file for p in result.problems if p.code == "superseded"] == ["调查表.xlsx"]


def test_a_committee_decision_sets_the_flag(tmp_path):
    folder = tmp_path / "inbox"
    shutil.copytree(SAMPLES / "gongxin", folder)
    book = Workbook()
    ws = book.active
    ws.append(["温泉镇党委研究决定调整表"])
    ws.append(["编号", "名称", "调整后等次", "理由", "会议及文号"])
    ws.append(["QX01-5", "陈志明", "提醒谈话", "经核实，群众反映的问题已整改", "镇党委2027年第12次会议"])
    book.save(folder / "决定调整表.xlsx")
    result = api.run(api.RunOptions(folder, "gongxin", 2027, documents=False))
    row = by_id(result)["QX01-5"]
    assert (row["得分"], row["等次"]) == ("54.4%", "提醒谈话")
    assert "经党委研究调整" in row["说明"]


def test_a_wrong_profile_names_gongxin_and_back():
    wrong = api.run(api.RunOptions(SAMPLES / "gongxin", "dingji", 2027, documents=False))
    assert wrong.exit_code == 2 and "请改用 --profile gongxin" in wrong.message
    back = api.run(api.RunOptions(SAMPLES / "dingji", "gongxin", 2027, documents=False))
    assert (
        back.exit_code == 2 and "没有找到两委班子成员名册" in back.message and "请改用 --profile dingji" in back.message
    )
