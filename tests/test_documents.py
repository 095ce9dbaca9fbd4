"""The PDFs as an outside reader sees them: poppler's pdftotext, pdffonts and pdfinfo on a real run.

One small town from the reference workbooks (tests/data/reference_forms), plus a branch named
`<b>x</b>` with full marks and a branch with no 附件4 row (未评定), rendered once per module.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import openpyxl
import pytest
from helpers import poppler

from fenji.api import RunOptions, run
from fenji.core import documents, render
from fenji.systems import dingji, templates_of
from fenji.systems.dingji import documents as dingji_documents

FORMS = Path(__file__).resolve().parent / "data" / "reference_forms"
COPIED = [
    "名册_example.xlsx",
    "附件2_自评表_example.xlsx",
    "附件3_满意度测评表_example.xlsx",
    "测评汇总表_example.xlsx",
    "附件4_上级党组织评分定级表_example.xlsx",
    "党委研究决定调整表_example.xlsx",
]
DINGJI_TEMPLATES = templates_of(dingji.SYSTEM)
TOWN = "清溪镇"
ODD = "<b>x</b>"
MISSING = "缺评分村党支部"
VETO = "发生群体性上访事件"
A4 = (595.28, 841.89)


def text(pdf: Path) -> str:
    return poppler("pdftotext", "-layout", str(pdf), "-")


def flat(pdf: Path) -> str:
    """The text in drawing order (`-raw`: a table cell's lines stay together) without white space,
    so that phrases wrapped across lines or inside a cell still match."""
    return re.sub(r"\s+", "", poppler("pdftotext", "-raw", str(pdf), "-"))


def _append(path: Path, values: list) -> None:
    book = openpyxl.load_workbook(path)
    sheet = book.active
    row = sheet.max_row + 1
    for column, value in enumerate(values, start=1):
        sheet.cell(row=row, column=column, value=value)
    book.save(path)


def make_inbox(folder: Path) -> Path:
    folder.mkdir()
    for name in COPIED:
        shutil.copy(FORMS / name, folder / name)
    _append(folder / "名册_example.xlsx", ["QX14", ODD, TOWN, "行政村", 30, "张三", "较好"])
    _append(folder / "名册_example.xlsx", ["QX15", MISSING, TOWN, "行政村", 20, "李四", ""])
    _append(folder / "测评汇总表_example.xlsx", [14, ODD, 40, 40, 40, 38, 2, 0, 0, "100%", None])
    _append(folder / "测评汇总表_example.xlsx", [15, MISSING, 30, 30, 30, 20, 5, 5, 0, "83.3%", None])
    _append(folder / "附件4_上级党组织评分定级表_example.xlsx", [14, "QX14", ODD, 15, 10, 10, 10, 10, 20])
    return folder


@pytest.fixture(scope="module")
def done(tmp_path_factory):
    """One run with documents: (RunResult, OUT/documents)."""
    base = tmp_path_factory.mktemp("documents")
    inbox = make_inbox(base / "收件 箱")
    out = base / "输出"
    (out / "documents" / "旧文件").mkdir(parents=True)  # a previous run's folder, to be replaced
    result = run(RunOptions(inbox, "dingji", 2027, out, notice_date=dt.date(2027, 4, 10), workers=1))
    return result, out / "documents"


@pytest.fixture(scope="module")
def rows(done):
    result, _ = done
    return result.results.to_dict("records")


def town_file(folder: Path, kind: str) -> Path:
    return folder / TOWN / f"{TOWN}2027年度分类定级{kind}.pdf"


def test_file_names_carry_unit_year_and_kind(done, rows):
    result, folder = done
    names = {str(p.relative_to(folder)) for p in result.documents}
    expected = {f"{TOWN}/{TOWN}2027年度分类定级{kind}.pdf" for kind in ("评分定级表", "测评汇总表", "结果公示")}
    expected |= {f"{TOWN}/通知书/{r['编号']}{documents.safe_name(r['名称'])}定级结果通知书.pdf" for r in rows}
    expected.add("汇总报告.pdf")
    expected.add(f"{TOWN}/收件进度.pdf")  # the town's builders send no 自评表: the forms still to chase
    assert names == expected
    assert all(p.is_file() for p in result.documents)
    assert "QX14＜b＞x＜／b＞定级结果通知书.pdf" in {p.name for p in result.documents}


def test_previous_documents_replaced_and_no_temporary_folder_left(done):
    result, folder = done
    assert not (folder / "旧文件").exists()
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".documents")]


def test_notice_lists_every_settled_branch_with_its_grade(done, rows):
    """Settled grades are listed; 未评定 / 待定 are counted in a sentence, never named (issue 18 item 2)."""
    _, folder = done
    lines = text(town_file(folder, "结果公示")).splitlines()
    for row in rows:
        line = next((l for l in lines if re.search(rf"\s{re.escape(row['名称'])}\s", l + " ")), None)
        if row["等次"] in ("未评定", "待定"):
            assert line is None, line
        else:
            assert line is not None, row["名称"]
            assert line.split()[-1] == row["等次"], line


def test_notice_text_period_channels_issuer(done):
    _, folder = done
    notice = flat(town_file(folder, "结果公示"))
    assert notice.startswith(f"关于{TOWN}2027年度村（社区）党支部分类定级结果的公示")
    assert "现予以公示，公示期为2027年4月10日至2027年4月16日" in notice
    assert "以邮戳日期为准" in notice and "12380" in notice
    assert "中共清溪镇委员会2027年4月10日" in notice


def test_notice_never_shows_veto_reasons_scores_or_notes(done, rows):
    result, folder = done
    notices = [p for p in result.documents if p.name.endswith("公示.pdf")]
    assert notices
    for pdf in notices:
        body = flat(pdf)
        assert VETO not in body
        assert "备注" not in body and "否决" not in body and "缺上级评分" not in body
        for row in rows:
            if row["得分"]:
                assert row["得分"] not in body, row["得分"]


def test_score_table_shows_every_score_and_grade(done, rows):
    _, folder = done
    pdf = town_file(folder, "评分定级表")
    lines = text(pdf).splitlines()
    indicators = ["党组织带头人", "工作思路", "工作制度", "活动阵地", "保障机制", "工作业绩", "群众评价"]
    for row in rows:
        line = next(l for l in lines if f" {row['名称']} " in l)
        tokens = line.split()
        values = [row[i] or "—" for i in indicators] + [row["得分"] or "—"]
        assert tokens[tokens.index(row["名称"]) + 1 :][: len(values)] == values, line
        assert row["等次"] in tokens and row["初定等次"] in tokens
    body = flat(pdf)
    assert "内部资料" in body and VETO in body and "一票否决" in body and "按比例调整" in body
    assert "经党委研究调整（清溪镇党委会议纪要〔2027〕5号）" in body


def test_score_table_is_landscape_and_notice_portrait(done):
    _, folder = done
    for kind, size in (("评分定级表", A4[::-1]), ("测评汇总表", A4[::-1]), ("结果公示", A4)):
        info = poppler("pdfinfo", str(town_file(folder, kind)))
        width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
        assert (width, height) == pytest.approx(size, abs=0.05), kind


def test_every_pdf_embeds_only_subset_cjk_fonts_with_metadata(done):
    from fenji.core import fonts as roles

    result, _ = done
    body_font = roles.resolve("仿宋").family.replace(" ", "")  # FandolFang after the set-up
    for pdf in result.documents:
        fonts = poppler("pdffonts", str(pdf)).splitlines()[2:]
        assert fonts, pdf.name
        assert all(line.split()[-5:-2] == ["yes", "yes", "yes"] for line in fonts), fonts  # emb sub uni
        assert any(body_font in line for line in fonts), fonts  # the body is set in the 仿宋 role's font
        assert not any("CJK-JP" in line or "CJKjp" in line for line in fonts), fonts
        info = poppler("pdfinfo", str(pdf))
        assert re.search(r"^Author:\s+中共清溪镇委员会$", info, re.M), info
        assert re.search(r"^Title:\s+\S", info, re.M) and "A4" in info


def test_names_from_workbooks_print_literally(done):
    result, folder = done
    assert ODD in text(town_file(folder, "结果公示"))
    assert ODD in text(town_file(folder, "评分定级表"))
    letter = next(p for p in result.documents if p.name.startswith("QX14"))
    assert flat(letter).count(f"{ODD}：") == 1


def test_ungraded_branch_counted_not_named_on_the_notice(done):
    """Issue 18 items 2 and 10: the 公示 counts the 未评定 branch without naming it, says no 待定 where
    there is none, and its letter does not ask the branch for the town's own 上级评分."""
    result, folder = done
    notice = flat(town_file(folder, "结果公示"))
    assert MISSING not in notice
    assert "清溪镇14个党组织2027年度定级结果已经确定" in notice  # 15 in the roster, 14 listed
    assert "另有1个党组织的定级结果尚未确定（未评定1个），确定后另行公示" in notice
    assert "待定" not in notice
    assert "缺上级评分" in flat(town_file(folder, "评分定级表"))
    letter = flat(next(p for p in result.documents if p.name.startswith("QX15")))
    assert "你单位2027年度分类定级暂未评定等次。上级评分尚未完成，由清溪镇党委补齐" in letter
    assert "补报" not in letter
    report = flat(folder / "汇总报告.pdf")
    assert f"{MISSING}QX15—未评定缺上级评分" in report and "未评定1个，占6.7%" in report


def test_letters_show_scores_self_evaluation_and_requirements(done):
    result, _ = done
    letters = {p.name[:4]: p for p in result.documents if "通知书" in p.name}
    first = flat(letters["QX01"])
    assert first.startswith("2027年度分类定级结果通知书清溪村党支部：")
    assert "党组织带头人1513.014.0" in first  # max, graded, self-evaluation
    assert "得分为83.7分，定级等次为“较好”" in first and "自评等次“好”" in first
    assert "整改要求" not in first
    vetoed = flat(letters["QX07"])
    assert VETO in vetoed and "整改要求" in vetoed and "整顿提升对象" in vetoed
    decided = flat(letters["QX05"])
    assert "经党委研究（清溪镇党委会议纪要〔2027〕5号）" in decided and "集体经济年度考核全县第一" in decided
    assert "整改要求" in flat(letters["QX08"])  # 一般
    assert "下一步工作" in first.split("合计")[1]  # 较好: a next step after the table (issue 18 item 10)
    assert "下一步工作" not in flat(letters["QX08"])  # 一般: 整改要求 instead


def test_each_letter_is_numbered_from_one(done):
    result, _ = done
    for pdf in (p for p in result.documents if "通知书" in p.name):
        pages = text(pdf).split("\f")
        assert re.search(r"—\s*1\s*—", pages[0]), pdf.name
        info = poppler("pdfinfo", str(pdf))
        assert "通知书" in re.search(r"^Title:\s+(.*)$", info, re.M).group(1)


def test_survey_summary_recomputed_from_ballots(done):
    _, folder = done
    lines = text(town_file(folder, "测评汇总表")).splitlines()
    first = next(l for l in lines if " 清溪村党支部 " in l).split()
    assert first[first.index("清溪村党支部") + 1 :] == [
        "42",
        "40",
        "39",
        "25",
        "12",
        "2",
        "1",
        "94.9%",
        "23.72",
        "测评表",
    ]
    assert any(l.split()[:1] == ["合计"] for l in lines)
    assert "缺满意度测评" not in flat(town_file(folder, "测评汇总表"))


def test_report_statistics_quotas_adjustments_and_cases(done):
    _, folder = done
    report = flat(folder / "汇总报告.pdf")
    assert "好1个，占6.7%" in report  # 15 branches in the town
    assert "好不超过20%14最多2个1√符合" in report and "较差不低于10%14至少2个2√符合" in report
    for kind in ("一票否决", "按比例调整", "经党委研究调整"):
        assert kind in report
    assert VETO in report and "清溪镇党委会议纪要〔2027〕5号" in report
    assert "自评偏差" in report and "清溪村党支部QX01" in report
    assert "临界" in report and "在89与90分之间" in report
    assert "与上年比较" in report
    svg_text = text(folder / "汇总报告.pdf")
    assert "图1" in svg_text and "图2" in svg_text


def test_font_fallback_is_a_warning_of_the_run(done):
    from fenji.core import fonts

    result, _ = done
    codes = [p.code for p in result.problems if p.level == "警告"]
    assert codes.count("font-fallback") == len(fonts.font_warnings())


# --- templates and their data objects -------------------------------------------------------


def each_document(result, options):
    unit = TOWN
    return [
        ("score_table.html", dingji_documents.score_table_doc(result, options, unit)),
        ("survey_summary.html", documents.survey_doc(result, options, unit)),
        ("notice.html", dingji_documents.notice_doc(result, options, unit)),
        (
            "letter.html",
            dingji_documents.letters_doc(result, options, unit, dingji_documents.letters(result, options, unit)),
        ),
        ("report.html", documents.report_doc(result, options)),
    ]


def test_each_template_renders_with_its_data_object(done):
    result, _ = done
    options = RunOptions(Path("."), "dingji", 2027, notice_date=dt.date(2027, 4, 10))
    env = render.environment(None, [DINGJI_TEMPLATES])
    for template, doc in each_document(result, options):
        html = render.render_html(env, template, doc)
        assert '<html lang="zh-CN">' in html and "<b>x</b>" not in html, template
        assert "&lt;b&gt;x&lt;/b&gt;" in html or template == "report.html", template


def test_template_using_a_missing_field_fails_loudly(done, tmp_path):
    import jinja2

    result, _ = done
    (tmp_path / "notice.html").write_text("{{ doc.veto_reasons }}", encoding="utf-8")
    options = RunOptions(Path("."), "dingji", 2027, notice_date=dt.date(2027, 4, 10))
    with pytest.raises(jinja2.UndefinedError):
        render.render_html(
            render.environment(tmp_path, [DINGJI_TEMPLATES]),
            "notice.html",
            dingji_documents.notice_doc(result, options, TOWN),
        )


def test_user_templates_override_built_ins(tmp_path):
    (tmp_path / "notice.html").write_text(
        '{% extends "base.html" %}{% block body %}本镇自定义{{ doc.unit }}{% endblock %}', encoding="utf-8"
    )
    env = render.environment(tmp_path, [DINGJI_TEMPLATES])
    assert env.get_template("notice.html").filename == str(tmp_path / "notice.html")
    assert Path(env.get_template("letter.html").filename).parent != tmp_path  # not overridden: the built-in


def test_balanced_title_lines():
    assert render.balance_lines("关于清溪镇2027年度村（社区）党支部分类定级结果的公示") == [
        "关于清溪镇2027年度村（社区）",
        "党支部分类定级结果的公示",
    ]
    assert render.balance_lines("2027年度分类定级结果通知书") == ["2027年度分类定级结果通知书"]


def test_dates_without_leading_zeros():
    assert render.cn_date(dt.date(2027, 4, 9)) == "2027年4月9日"


def test_safe_file_names():
    assert documents.safe_name("<b>x</b>") == "＜b＞x＜／b＞"
    assert documents.safe_name("../a:b") == "／a：b"
    assert "/" not in documents.safe_name("a/b\\c") and documents.safe_name("") == "未命名"


# --- writing options (layout skipped where only the HTML matters) ---------------------------


def test_html_written_beside_the_pdfs_when_asked(done, tmp_path, monkeypatch):
    result, _ = done
    monkeypatch.setattr(render, "run_jobs", lambda jobs, variant, workers: [])
    options = RunOptions(Path("."), "dingji", 2027, tmp_path, notice_date=dt.date(2027, 4, 10), html=True)
    documents.write_documents(result, options, tmp_path, dingji.SYSTEM.plan_documents, DINGJI_TEMPLATES)
    written = {str(p.relative_to(tmp_path / "documents")) for p in (tmp_path / "documents").rglob("*.html")}
    assert f"{TOWN}/{TOWN}2027年度分类定级结果公示.html" in written and "汇总报告.html" in written
    assert f"{TOWN}/通知书/QX14＜b＞x＜／b＞定级结果通知书.html" in written
    letter = (tmp_path / "documents" / TOWN / "通知书" / "QX14＜b＞x＜／b＞定级结果通知书.html").read_text(
        encoding="utf-8"
    )
    assert letter.count('class="letter"') == 1 and "&lt;b&gt;x&lt;/b&gt;" in letter


def test_broken_user_template_is_an_error_and_the_rest_is_written(done, tmp_path, monkeypatch):
    result, _ = done
    planned = []
    monkeypatch.setattr(render, "run_jobs", lambda jobs, variant, workers: planned.extend(jobs) or [])
    templates = tmp_path / "模板"
    templates.mkdir()
    (templates / "notice.html").write_text(
        '{% extends "base.html" %}{% block body %}{{ doc.scores }}{% endblock %}', encoding="utf-8"
    )
    options = RunOptions(Path("."), "dingji", 2027, tmp_path, notice_date=dt.date(2027, 4, 10), templates=templates)
    before = len(result.problems)
    try:
        documents.write_documents(result, options, tmp_path, dingji.SYSTEM.plan_documents, DINGJI_TEMPLATES)
        added = result.problems.items[before:]
    finally:
        del result.problems.items[before:]
    errors = [p for p in added if p.code == "template-error"]
    assert len(errors) == 1 and "notice.html" in errors[0].message
    names = {part.path.name for job in planned for part in job.parts}
    assert not any(name.endswith("公示.pdf") for name in names) and "汇总报告.pdf" in names


def test_pdf_a_variant_passes_through(done, tmp_path):
    result, _ = done
    options = RunOptions(Path("."), "dingji", 2027, notice_date=dt.date(2027, 4, 10))
    html = render.render_html(
        render.environment(None, [DINGJI_TEMPLATES]), "notice.html", dingji_documents.notice_doc(result, options, TOWN)
    )
    target = tmp_path / "公示.pdf"
    render.run_job(render.Job(html, [render.Part(target, "公示")]), "pdf/a-3b")
    info = poppler("pdfinfo", str(target))
    assert re.search(r"^Metadata Stream:\s+yes", info, re.M) and re.search(r"^PDF version:\s+1\.7", info, re.M)
