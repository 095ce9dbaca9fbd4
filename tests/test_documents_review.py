"""What a county reviewer sent back on the demo's PDFs (issue 18), read back from real runs of the
sample county: pdftotext over whole files and page by page (`-f N -l N`)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from helpers import poppler

from fenji.api import DEMO_ADDRESS, DEMO_PHONE, RunOptions, run

SAMPLES = Path(__file__).resolve().parent.parent / "sample_workbooks"
DAY = dt.date(2027, 4, 10)


def flat(pdf: Path) -> str:
    return re.sub(r"\s+", "", poppler("pdftotext", "-raw", str(pdf), "-"))


def page(pdf: Path, n: int) -> str:
    """Page n's text alone, without white space."""
    return re.sub(r"\s+", "", poppler("pdftotext", "-f", str(n), "-l", str(n), "-raw", str(pdf), "-"))


def pages(pdf: Path) -> int:
    return int(re.search(r"^Pages:\s+(\d+)", poppler("pdfinfo", str(pdf)), re.M).group(1))


def _run(tmp_path_factory, profile: str, **options):
    out = tmp_path_factory.mktemp(profile) / "out"
    result = run(RunOptions(SAMPLES / profile, profile, 2027, out, notice_date=DAY, workers=1, **options))
    return result, out / "documents"


@pytest.fixture(scope="module")
def dingji(tmp_path_factory):
    """The sample towns, run as a clerk would who gave no contact and no county."""
    return _run(tmp_path_factory, "dingji")


@pytest.fixture(scope="module")
def dashui(tmp_path_factory):
    return _run(tmp_path_factory, "xingji-dashui", notice_phone=DEMO_PHONE, notice_address=DEMO_ADDRESS)


@pytest.fixture(scope="module")
def shengji(tmp_path_factory):
    return _run(tmp_path_factory, "shengji", notice_phone=DEMO_PHONE, notice_address=DEMO_ADDRESS, county="某某县")


@pytest.fixture(scope="module")
def youxiu(tmp_path_factory):
    """The sample 党总支 after last year's run in the ledger, as a clerk would run it who gave no contact."""
    tmp = tmp_path_factory.mktemp("youxiu")
    db = tmp / "fenji.db"
    run(RunOptions(SAMPLES / "youxiu-2026", "youxiu", 2026, tmp / "2026", db=db, workers=1, documents=False))
    result = run(RunOptions(SAMPLES / "youxiu", "youxiu", 2027, tmp / "out", notice_date=DAY, workers=1, db=db))
    return result, tmp / "out" / "documents"


@pytest.fixture(scope="module")
def gongxin(tmp_path_factory):
    """The sample town after last year's survey in the ledger."""
    tmp = tmp_path_factory.mktemp("gongxin")
    db = tmp / "fenji.db"
    run(RunOptions(SAMPLES / "gongxin-2026", "gongxin", 2026, tmp / "2026", db=db, workers=1, documents=False))
    result = run(RunOptions(SAMPLES / "gongxin", "gongxin", 2027, tmp / "out", notice_date=DAY, workers=1, db=db))
    return result, tmp / "out" / "documents"


@pytest.fixture(scope="module")
def wuhao(tmp_path_factory):
    """年初 then 年底 into one ledger, as the demo runs them."""
    tmp = tmp_path_factory.mktemp("wuhao")
    contact = dict(
        notice_date=DAY, workers=1, db=tmp / "fenji.db", notice_phone=DEMO_PHONE, notice_address=DEMO_ADDRESS
    )
    run(RunOptions(SAMPLES / "wuhao-年初", "wuhao", 2027, tmp / "first", period="年初", **contact))
    result = run(RunOptions(SAMPLES / "wuhao", "wuhao", 2027, tmp / "out", **contact))
    return result, tmp / "out" / "documents"


# --- item 1: where to object ---------------------------------------------------------------


def test_notice_without_contact_is_a_missing_contact_warning(dingji):
    result, _ = dingji
    found = [p for p in result.problems.items if p.code == "missing-contact"]
    assert len(found) == 1 and found[0].level == "警告"
    assert "--phone" in found[0].message and "--address" in found[0].message


def test_notice_with_contact_prints_phone_and_address_and_no_warning(shengji):
    result, folder = shengji
    assert not [p for p in result.problems.items if p.code == "missing-contact"]
    first = page(folder / "石板乡" / "石板乡2027年度分类升级结果公示.pdf", 1)
    assert "联系电话：0000-0000000（示例）" in first and "地址：石板乡党群服务中心（示例）" in first


# --- item 2: the count sentences ------------------------------------------------------------


def test_count_sentence_agrees_with_the_list_and_no_pending_where_none(dingji):
    result, folder = dingji
    frame = result.results
    bh = frame[frame["单位"] == "白河镇"]
    graded = bh[bh["等次"].isin(["好", "较好", "一般", "较差"])]
    notice = flat(folder / "白河镇" / "白河镇2027年度分类定级结果公示.pdf")
    assert f"白河镇{len(graded)}个党组织2027年度定级结果已经确定" in notice
    ungraded = bh[bh["等次"] == "未评定"]
    assert len(ungraded) and f"另有{len(ungraded)}个党组织的定级结果尚未确定（未评定{len(ungraded)}个）" in notice
    assert "待定" not in notice
    for name in ungraded["名称"]:
        assert name not in notice
    annex = notice[notice.index("序号") :]
    assert sum(1 for name in graded["名称"] if name in annex) == len(graded)


def test_grouped_notice_counts_only_the_listed(shengji):
    result, folder = shengji
    frame = result.results
    sb = frame[frame["单位"] == "石板乡"]
    listed = sb[sb["等次"].isin(["先进", "中间", "后进"])]
    notice = flat(folder / "石板乡" / "石板乡2027年度分类升级结果公示.pdf")
    assert f"石板乡{len(listed)}个党组织2027年度分类结果已经确定" in notice
    assert "待定" not in notice


# --- item 5: the star notice ----------------------------------------------------------------


def test_star_notice_has_no_ids_no_adjustment_notes_and_names_every_category(dashui):
    result, folder = dashui
    frame = result.results
    for village in ("大水村", "石门村"):
        notice = flat(folder / village / f"{village}2027年度星级评定结果公示.pdf")
        assert not re.search(r"（[A-Z]{2}\d+）", notice), village
        for subject_id in frame["编号"]:
            assert f"（{subject_id}）" not in notice
        assert "研究调整" not in notice and "党委" not in notice
    shimen = flat(folder / "石门村" / "石门村2027年度星级评定结果公示.pdf")
    assert "共评出星级党员干部、群众、一般党员、服务行业" in shimen


# --- item 6: who issues the report, its cover -----------------------------------------------


def test_multi_unit_report_issued_by_a_placeholder_and_a_plain_cover(dingji):
    _, folder = dingji
    report = folder / "汇总报告.pdf"
    cover = page(report, 1)
    assert "清溪镇、白河镇党委" not in flat(report)
    assert "（发文机关）" in cover
    assert "fenji" not in cover and "生成工具" not in cover and "（dingji）" not in cover and "问题清单" not in cover
    assert "数据截至：2027年4月10日" in cover and cover.endswith("2027年4月10日")
    second = page(report, 2)
    assert "一、总体情况" in second and "—1—" in second  # no blank page 2; the report is numbered from 1
    assert "—2—" in page(report, 3)


def test_report_with_county_issued_by_its_organisation_department(shengji):
    _, folder = shengji
    report = folder / "汇总报告.pdf"
    assert "中共某某县委员会组织部" in page(report, 1)
    body = "".join(page(report, n) for n in range(2, pages(report) + 1))
    assert "中共某某县委员会组织部2027年4月10日" in body  # the signature after the report's last section


# --- item 9: cards --------------------------------------------------------------------------


def test_lifetime_cards_say_lifetime_and_a_business_card_names_the_business(dashui):
    result, folder = dashui
    cards = flat(folder / "大水村" / "大水村2027年度五星卡.pdf")
    frame = result.results
    five = frame[(frame["单位"] == "大水村") & (frame["等次"] == "五星")]
    lifetime = cards.count("（终身五星）")
    assert lifetime >= 1
    assert cards.count("有效期：终身") == lifetime and cards.count("有效期至：") == len(five) - lifetime
    shimen = poppler("pdftotext", "-raw", str(folder / "石门村" / "石门村2027年度五星卡.pdf"), "-")
    business = next(part for part in shimen.split("“五带头”五星卡") if "服务行业" in part)
    assert "便民超市" in business and "名 称" in re.sub(r"\s+", " ", business.replace("　", " "))
    assert "姓" not in business and "体检" not in business and "子女" not in business and "持卡人" not in business


# --- item 10: letters -----------------------------------------------------------------------


def test_top_class_letter_has_no_transformation_and_marks_come_from_one_font(shengji):
    result, folder = shengji
    frame = result.results
    top = frame[frame["等次"] == "先进"].iloc[0]
    letter = next((folder / str(top["单位"]) / "通知书").glob(f"{top['编号']}*.pdf"))
    assert "转化措施" not in flat(letter) and "巩固提升措施" in flat(letter)
    report = flat(folder / "汇总报告.pdf")
    assert "√达到" in report and "✓" not in report and "✗" not in report


# --- item 3: no page holds only the 落款, only notes or only a total row -----------------------


def _lonely(page_text: str) -> str:
    """Why a page holds nothing a reader needs on its own: the 落款 alone, notes alone, a 合计 row alone."""
    lines = [line.strip() for line in page_text.splitlines() if line.strip()]
    lines = [line for line in lines if not re.fullmatch(r"—\s*\d+\s*—", line) and line != "沿虚线剪下"]
    if not lines:
        return "blank"
    joined = re.sub(r"\s+", "", "".join(lines))
    if len(lines) <= 3 and re.fullmatch(r".{2,30}\d{4}年\d{1,2}月\d{1,2}日", joined):
        return "落款 only"
    if re.match(r"\d+\.", lines[0]):
        return "notes only"  # a page whose first line is a numbered note: the table ended on the page before
    if lines[0].startswith("合计") and len(lines) <= 2:
        return "total only"
    return ""


@pytest.mark.parametrize("run_name", ["dingji", "shengji", "dashui", "youxiu", "gongxin", "wuhao"])
def test_no_page_holds_only_a_signature_notes_or_a_total(run_name, request):
    _, folder = request.getfixturevalue(run_name)
    found = []
    for pdf in sorted(folder.rglob("*.pdf")):
        for n in range(1, pages(pdf) + 1):
            text = poppler("pdftotext", "-f", str(n), "-l", str(n), "-raw", str(pdf), "-")
            why = _lonely(text)
            if why and not (why == "blank" and n == 1):
                found.append((pdf.relative_to(folder).as_posix(), n, why))
    assert not found


def test_no_report_says_run_results_and_figures_sit_close_to_their_words(dingji, shengji, dashui):
    """Item 6: "运行结果" is how a programmer sees the ledger; a report says what the results are. A 公文
    writes figures without spaces (`好2个，占15.4%`), as the report's own opening sentence does."""
    for _, folder in (dingji, shengji, dashui):
        body = poppler("pdftotext", "-raw", str(folder / "汇总报告.pdf"), "-")
        assert "运行结果" not in body, folder
        assert not re.search(r"[好差般星] \d+ [个名]|占 \d", body), folder


# --- item 4: word-aware line breaks ---------------------------------------------------------


@pytest.mark.parametrize(
    "title, lines",
    [
        ("关于石板乡2027年度村党组织分类升级结果的公示", ["关于石板乡2027年度", "村党组织分类升级结果的公示"]),
        (
            "关于三台乡2027年度村级组织“十星”创建评定结果的公示",
            ["关于三台乡2027年度村级组织", "“十星”创建评定结果的公示"],
        ),
        (
            "关于大安村2027年度党员干部群众“五带头”星级评定结果的公示",
            ["关于大安村2027年度党员干部群众", "“五带头”星级评定结果的公示"],
        ),
        (
            "清溪镇、白河镇2027年度村（社区）党支部分类定级汇总报告",
            ["清溪镇、白河镇2027年度", "村（社区）党支部分类定级汇总报告"],
        ),
    ],
)
def test_titles_break_between_words(title, lines):
    from fenji.core.render import balance_lines

    assert balance_lines(title) == lines


def test_body_lines_keep_quoted_terms_12380_and_the_annex_name_whole(dingji, shengji):
    for folder in (dingji[1], shengji[1]):
        for pdf in sorted(folder.glob("*/*结果公示.pdf")) + sorted(folder.glob("*/通知书/*.pdf")):
            for line in poppler("pdftotext", "-layout", str(pdf), "-").splitlines():
                assert line.count("“") == line.count("”"), (pdf.name, line)  # “一般” never “一/般”
                assert not line.rstrip().endswith("组织部"), (pdf.name, line)  # 组织部门“12380” kept
                assert line.strip() not in ("单", "名单"), (pdf.name, line)


def test_newer_systems_body_lines_keep_quotes_and_the_annex_name_whole(youxiu, wuhao):
    documents = sorted(youxiu[1].glob("*/*.pdf")) + sorted(wuhao[1].glob("*/*结果公示.pdf"))
    documents += sorted(wuhao[1].glob("*/通知书/*.pdf")) + [wuhao[1] / "汇总报告.pdf"]
    assert len(documents) > 10
    for pdf in documents:
        for line in poppler("pdftotext", "-layout", str(pdf), "-").splitlines():
            assert line.count("“") == line.count("”"), (pdf.name, line)  # “五好”, “优秀共产党员” never split
            assert line.strip() not in ("单", "名单"), (pdf.name, line)
            assert not line.rstrip().endswith("基层"), (pdf.name, line)  # 基层党组织 kept whole in a title


# --- the newer systems: youxiu, gongxin, wuhao -------------------------------------------------


def test_youxiu_notice_without_contact_is_a_missing_contact_warning(youxiu):
    result, folder = youxiu
    assert [p.level for p in result.problems.items if p.code == "missing-contact"] == ["警告"]
    notice = flat(next(folder.glob("青山村党总支/*结果公示.pdf")))
    assert "联系电话" not in notice and "（QS" not in notice and "不符合条件" not in notice


def test_youxiu_decision_and_certificates_dated_after_the_notice_period(youxiu):
    _, folder = youxiu
    notice = flat(next(folder.glob("青山村党总支/*结果公示.pdf")))
    assert "公示期为2027年4月10日至2027年4月16日" in notice
    decision = flat(next(folder.glob("青山村党总支/*表彰决定.pdf")))
    assert "并经公示无异议" in decision and decision.endswith("2027年4月17日—1—")  # not before the 公示 ends
    assert "党建示范村作出" in decision and "（社区）" not in decision  # a village 总支 builds a 示范村
    certificates = flat(next(folder.glob("青山村党总支/*荣誉证书.pdf")))
    assert certificates.count("2027年4月17日") == 5 and "2027年4月10日" not in certificates


def test_youxiu_report_counts_candidates_per_branch_against_the_cap_and_says_who_was_left_out(youxiu):
    result, folder = youxiu
    frame = result.results
    report = folder / "汇总报告.pdf"
    assert "内部资料" in page(report, 1) and "fenji" not in page(report, 1)
    body = flat(report)
    members = int(frame.drop_duplicates("单位")["党员总数"].astype(int).sum())
    allowed = int(frame.drop_duplicates("单位")["名额"].astype(int).sum())
    elected = int((frame["等次"] == "优秀党员").sum())
    assert f"共有党员{members}名" in body and f"最多可评选优秀党员{allowed}名" in body
    assert f"各党支部共推荐候选人{len(frame)}名，当选优秀党员{elected}名" in body
    assert "二、各党支部推荐和当选情况" in body and "第三党支部" in body
    for _, row in frame[frame["等次"].isin(["未当选", "不符合条件"])].iterrows():
        assert str(row["名称"]) in body and str(row["编号"]) in body
    assert "预备党员不能推荐" in body and "审核不同意" in body  # reasons: an internal report
    assert "参评对象" not in body and "个对象" not in body and "运行结果" not in body  # people are 名
    assert "上年数据取自台账中2026年的评选结果" in body


def test_gongxin_report_cover_is_one_plain_page(gongxin):
    _, folder = gongxin
    report = folder / "汇总报告.pdf"
    cover = page(report, 1)
    assert "fenji" not in cover and "生成工具" not in cover and "（gongxin）" not in cover and "问题清单" not in cover
    assert "评定工作：" in cover and cover.endswith("2027年4月10日")  # the issuer and date on the cover itself
    assert "一、总体情况" in page(report, 2) and "—1—" in page(report, 2)
    body = flat(report)
    assert "上年数据取自台账中2026年的调查结果" in body and "运行结果" not in body
    screening = flat(next(folder.glob("*/*甄别名单.pdf")))
    assert "人（个）" not in screening and "班子1个、成员2人" in screening


def test_wuhao_marks_titles_report_and_archive(wuhao):
    result, folder = wuhao
    table = flat(next(folder.glob("清溪镇/*星级评定汇总表.pdf")))
    assert "√" in table and "✓" not in table  # the mark of the body font, never a fallback's
    fonts = poppler("pdffonts", str(next(folder.glob("清溪镇/*星级评定汇总表.pdf"))))
    report_fonts = poppler("pdffonts", str(folder / "汇总报告.pdf"))
    assert {line.split("+")[1].split()[0] for line in fonts.splitlines() if "+" in line} <= {
        line.split("+")[1].split()[0] for line in report_fonts.splitlines() if "+" in line
    }  # the table embeds no family the report does not: no font drawn in for one glyph
    annex = poppler("pdftotext", "-f", "2", "-l", "2", "-layout", str(next(folder.glob("白河镇/*结果公示.pdf"))), "-")
    assert "白河镇2027年年底基层党组织" in annex and "“五好”星级考评结果名单" in annex
    report = flat(folder / "汇总报告.pdf")
    assert "上次与本次星级分布" in report and "上年与本年" not in report
    assert "上次数据取自台账中2027年年初的考评结果" in report and "2027年年初" in report
    archive = flat(next(folder.glob("清溪镇/*星级档案*.pdf")))
    vetoed = archive[archive.index("宏达公司党支部星级档案") :]
    assert "整改否决情形列为整改目标" in vetoed.split("星级档案")[1]
    weak = archive[archive.index("镇机关党支部星级档案") :]
    assert "整顿软弱涣散列为整改目标" in weak.split("星级档案")[1]
    assert not [p for p in result.problems.items if p.code == "missing-contact"]


def test_newer_notices_count_only_whom_they_list(youxiu, wuhao):
    result, folder = youxiu
    frame = result.results
    qs = frame[frame["单位"] == "青山村党总支"]
    elected = qs[qs["等次"] == "优秀党员"]
    unsettled = qs[qs["等次"].isin(["待定", "未评定"])]
    notice = flat(next(folder.glob("青山村党总支/*结果公示.pdf")))
    assert f"{len(elected)}名同志拟表彰为优秀党员" in notice
    assert f"另有{len(unsettled)}名候选人的评选结果尚未确定" in notice
    annex = notice[notice.index("序号") :]
    assert all(name in annex for name in elected["名称"])
    assert not [name for name in qs[qs["等次"] != "优秀党员"]["名称"] if name in notice]
    result, folder = wuhao
    frame = result.results
    bh = frame[frame["单位"] == "白河镇"]
    rated = bh[bh["等次"] != "未评定"]
    notice = flat(next(folder.glob("白河镇/*结果公示.pdf")))
    assert f"白河镇{len(rated)}个基层党组织的星级评定结果已经确定" in notice and "待定" not in notice
    assert "另有1个基层党组织的评定结果尚未确定" in notice and "龙潭村" not in notice  # 未评定: counted, not named
    assert not re.search(r"\d+(\.\d+)?分", notice) and "否决" not in notice  # no score, no veto on the board


# --- item 8: the star report (xingji-daan) ----------------------------------------------------


@pytest.fixture(scope="module")
def daan(tmp_path_factory):
    return _run(tmp_path_factory, "xingji-daan", notice_phone=DEMO_PHONE, notice_address=DEMO_ADDRESS)


MARGIN_MM = 26  # GB/T 9704: the narrower side margin (26 mm right on odd pages, mirrored on even)
INK_TOLERANCE_MM = 0.5  # a table border drawn on the margin line, and one pixel of rendering


def ink_margins(pdf: Path, folder: Path, dpi: int = 100) -> list[tuple[float, float]]:
    """(left, right) distance in mm from the paper edge to the nearest ink, per page, rendered by pdftoppm."""
    from PIL import Image

    poppler("pdftoppm", "-gray", "-r", str(dpi), str(pdf), str(folder / "p"))
    margins = []
    for png in sorted(folder.glob("p-*.pgm"), key=lambda p: int(p.stem.split("-")[1])):
        with Image.open(png) as image:
            ink = image.point(lambda v: 255 if v < 200 else 0).getbbox()
            margins.append((ink[0] * 25.4 / dpi, (image.width - ink[2]) * 25.4 / dpi))
    return margins


def test_star_report_ink_stays_inside_the_margins(daan, tmp_path):
    _, folder = daan
    margins = ink_margins(folder / "汇总报告.pdf", tmp_path)
    assert len(margins) >= 5
    for n, (left, right) in enumerate(margins, start=1):
        assert min(left, right) >= MARGIN_MM - INK_TOLERANCE_MM, (
            f"page {n}: ink {left:.1f} / {right:.1f} mm from the edge"
        )


def test_star_report_tables_never_set_a_name_one_character_a_line(daan):
    result, folder = daan
    text = poppler("pdftotext", "-raw", str(folder / "汇总报告.pdf"), "-")
    lines = [line.strip() for line in text.splitlines()]
    single = [line for line in lines if re.fullmatch(r"[\u4e00-\u9fff（）]", line)]
    assert not single, single
    for unit in set(result.results["单位"]):
        assert any(line.startswith(unit) for line in lines), unit  # each unit's row starts with its whole name


def test_star_report_compares_with_the_previous_stars_it_limited_by(daan):
    result, folder = daan
    report = flat(folder / "汇总报告.pdf")
    assert "限晋一级" in report  # the one-step rule read 上次星级 …
    assert "没有上年等次数据" not in report and "没有上次星级数据" not in report  # … so the report has it
    compared = re.search(r"有上次星级的(\d+)名中：等次上升(\d+)名，下降(\d+)名，持平(\d+)名", report)
    assert compared, "no comparison with 上次星级"
    frame = result.results
    typed = frame[frame["上次星级"].astype(str).str.len() > 0]
    assert 0 < int(compared.group(1)) <= len(typed)


def test_star_report_counts_people_in_ming(daan):
    _, folder = daan
    report = flat(folder / "汇总报告.pdf")
    assert re.search(r"共\d+名参评对象", report) and re.search(r"五星\d+名，占", report)
    assert not re.search(r"\d+个，占|共\d+个参评|最多\d+个", report)
    assert "各单位等次分布（名）" in report


@pytest.mark.parametrize("run_name", ["daan", "dashui"])
def test_star_quota_table_lists_no_decided_tie_as_pending_and_explains_every_cross(run_name, request):
    result, folder = request.getfixturevalue(run_name)
    text = poppler("pdftotext", "-raw", str(folder / "汇总报告.pdf"), "-")
    section = re.sub(r"\s+", "", text.split("二、等次比例执行情况")[1].split("三、等次调整情况")[0])
    assert "待定" not in section.split("说明")[0]  # the header: no 待定 column
    frame = result.results
    still_pending = set(frame.loc[frame["等次"] == "待定", "名称"])
    assert all(name in section for name in still_pending)  # a tie not yet decided is named in 说明
    crosses = section.count("×不符合")
    explained = section.count("只作对照") + section.count("请说明理由")
    assert crosses == explained, f"{crosses} × rows, {explained} explained"
    if run_name == "daan":
        assert crosses >= 1
        assert "已研究决定：许德贵定为五星、任正义定为四星" in section
        assert "待研究决定" not in section  # the committee decided the tie on the 五星 line
