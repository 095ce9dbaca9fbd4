"""Every problem code fenji reports, once: its level and what it means (docs/problems.md is made from it).

A code is a promise: scripts and clerks filter problems.csv by it, so a code keeps its meaning
across versions. tests/test_problems_catalogue.py fails on a code used in fenji/ but missing here,
on one listed here but no longer used, and on a docs/problems.md that is not what `problems_markdown`
writes (`python -m fenji.core.catalogue > docs/problems.md` after adding a code).
"""

from __future__ import annotations

from dataclasses import dataclass

from fenji.core.problems import ERROR, NOTICE, WARNING


@dataclass(frozen=True)
class ProblemCode:
    code: str
    levels: tuple[str, ...]  # the level(s) it is reported at (a few codes: one per situation)
    stage: str  # where it arises: 收件, 读表, 校验, 计分, 定级, 文书, 台账
    meaning: str
    committee: bool = False  # an error for the committee (党委) to settle: the village's file is right
    chase: bool = False  # an error about a form not yet returned: the files that came are right


def _entries(
    stage: str, levels, *pairs: tuple[str, str], committee: bool = False, chase: bool = False
) -> list[ProblemCode]:
    levels = levels if isinstance(levels, tuple) else (levels,)
    return [ProblemCode(code, levels, stage, meaning, committee, chase) for code, meaning in pairs]


CATALOGUE: tuple[ProblemCode, ...] = tuple(
    # --- 收件: which files of INBOX are read -----------------------------------------------------
    _entries(
        "收件",
        NOTICE,
        ("symlink-skipped", "收件文件夹中的链接（指向其他位置）未读取，以免读到文件夹以外的文件。"),
        ("folder-named-like-workbook", "一个文件夹的名称像 Excel 文件，已当作文件夹处理。"),
    )
    + _entries(
        "收件",
        NOTICE,
        ("output-folder-skipped", "收件文件夹中的 fenji 输出文件夹（结果、问题清单、文书）不当作报送材料读取。"),
    )
    + _entries(
        "收件",
        (NOTICE, ERROR),
        ("not-a-workbook", "不是 Excel 工作簿：扩展名不是 .xlsx/.xls 的文件跳过（提示）；扩展名是但内容不是（错误）。"),
    )
    + _entries(
        "收件",
        ERROR,
        (
            "missing-return",
            "名册中的对象尚未报送所需的表（或其中的一行），见 returns.csv 和各单位的收件进度.pdf、催报.txt；"
            "给出 --due 时注明是否逾期（不退回已报送的表）。",
        ),
        chase=True,
    )
    # --- 读表: opening a workbook, within the per-file limits -------------------------------------
    + _entries(
        "读表",
        ERROR,
        ("empty-file", "文件为 0 字节，没有保存完整或传输失败。"),
        ("file-too-large", "文件超过单个文件的大小上限（[limits].max_file_bytes）。"),
        ("workbook-encrypted", "工作簿设置了打开密码。"),
        ("workbook-corrupt", "工作簿或其中一个工作表已损坏，无法读取。"),
        ("html-as-excel", "扩展名是 .xls，内容其实是网页（HTML）。"),
        ("csv-as-excel", "扩展名是 Excel，内容其实是文本（CSV/TSV）。"),
        ("workbook-too-large", "工作簿解压后超过上限，或压缩比异常（可能是恶意文件）。"),
        ("workbook-xml-entity", "工作簿的 XML 含文档类型声明（DTD/实体），为防恶意文件未读取。"),
        ("too-many-sheets", "工作表个数超过上限（[limits].max_sheets）。"),
        ("too-many-cells", "单元格数超过上限（[limits].max_cells）。"),
        ("cell-too-long", "一个单元格的字符数超过上限（[limits].max_cell_chars）。"),
        ("file-time-budget", "读取超过单个文件的时间上限（[limits].seconds），该文件未读取。"),
        ("file-memory-limit", "读取该文件需要的内存超过上限（[limits].max_memory_bytes），该文件未读取。"),
        ("reader-crashed", "读取该文件的解析进程异常终止（文件损坏或内存超限），该文件未读取，其他文件不受影响。"),
        ("internal-error", "读取或处理一个文件时程序出错；该文件未计入，其他文件不受影响。"),
    )
    # --- 识别: which standard form a sheet is ---------------------------------------------------
    + _entries(
        "识别",
        NOTICE,
        ("no-known-form", "文件中没有任何可识别的标准表（按标题识别）。"),
        ("macro-sheet-skipped", "宏表（Excel 4 宏表、对话框或 VBA 模块）不含报送数据，已跳过。"),
        ("sheet-not-recognised", "一个有内容的工作表不是可识别的标准表，已跳过。"),
        ("form-not-used", "识别出的标准表不属于本规则所需的表，已跳过。"),
    )
    + _entries(
        "识别",
        ERROR,
        ("header-not-found", "识别出标准表的标题，但标题下方找不到表头。"),
        ("row-without-key", "表格中间有一行的关键列（编号、票号等）为空，下面还有未读取的内容。"),
        ("rows-below-end", "合计、说明等结束行下方还有数据行，未读取。"),
        ("column-missing", "标准表缺少必需的列。"),
    )
    # --- 校验: each value where it stands --------------------------------------------------------
    + _entries(
        "校验",
        ERROR,
        ("roster-field-missing", "名册一行缺少编号或名称。"),
        ("roster-unit-missing", "名册没有所属乡镇（村），表头也没有。"),
        ("roster-duplicate-id", "名册中编号重复；按首次出现的记录处理。"),
        ("branch-name-missing", "自评表或测评表的表头没有填写党组织名称。"),
        ("indicator-missing", "自评表或评分定级表缺少一项指标（行或列）。"),
        ("score-not-numeric", "得分不是数字。"),
        ("score-out-of-range", "得分超出 0 到满分的范围。"),
        ("count-not-integer", "票数不是非负整数。"),
        ("returned-exceeds-issued", "收回票数大于发放票数。"),
        ("valid-exceeds-returned", "有效票数大于收回票数。"),
        ("decision-incomplete", "决定调整表一行缺少调整后等次或理由。"),
        ("decision-grade-unknown", "决定调整表中的调整后等次不是规定的等次。"),
        ("category-unknown", "评定对象的类别不是规则规定的类别。"),
        ("stars-unknown", "上次星级无法识别；按首次评定处理。"),
        ("date-invalid", "日期（如入党时间）无法识别。"),
        ("ineligible-unknown", "不参评情形不是规则规定的情形；按不参评处理。"),
        ("star-mark-missing", "十星评定表中一颗星未填写达标或未达标。"),
        ("star-mark-unknown", "十星评定表中一颗星的写法不是规则规定的达标 / 未达标写法。"),
        ("formula-without-result", "公式单元格没有保存计算结果（读出为空），需用 Excel 或 WPS 打开后保存。"),
    )
    + _entries(
        "校验",
        (WARNING, ERROR),
        ("option-unknown", "测评票的选项不是规定的选项：总体评价列按无效票计（错误），其他项目列只作提醒（警告）。"),
    )
    + _entries(
        "校验",
        WARNING,
        ("total-mismatch", "填写的合计、总分或平均分与按各项重新计算的不一致；以重新计算的为准。"),
        ("valid-votes-mismatch", "填写的有效票数与各选项票数之和不一致；以票数之和为准。"),
        ("indicator-max-mismatch", "表头标注的分值与规则配置的满分不一致；按规则配置校验。"),
        ("self-grade-unknown", "自评等次不是规定的等次。"),
        ("ballot-multiple-marks", "一张测评票同一项选了多个选项，按无效票计。"),
        ("opinion-unknown", "领导小组审定意见不是“同意”或规定的不同意写法；按同意处理。"),
        ("ineligible-not-in-profile", "名册填写了不参评情形，但规则没有不参评情形；已忽略。"),
        ("survey-no-ballots", "测评表中没有任何选票行，不计为一次测评；满意率按汇总表计算。"),
        ("year-mismatch", "表上的年度或日期与 --year 不一致；结果按 --year 记录。"),
    )
    + _entries("校验", NOTICE, ("ballot-blank", "一张测评票的总体评价未填，按无效票计。"))
    # --- 计分: records merged to the roster, scores computed ---------------------------------------
    + _entries(
        "计分",
        ERROR,
        ("subject-not-in-roster", "表中的对象在名册中找不到（附相近的名称）。"),
        ("name-ambiguous", "名称与名册中多个对象同名，又没有填编号，无法确定是哪一个。"),
        ("survey-summary-mismatch", "测评表与汇总表的票数不一致；按测评表计算。"),
        ("duplicate-row", "同一张表中一个对象出现两次。"),
    )
    + _entries(
        "计分",
        WARNING,
        ("rate-mismatch", "汇总表填写的满意率与按票数计算的不一致；以计算的为准。"),
        ("survey-score-mismatch", "评分定级表填写的群众评价与按满意率计算的不一致；以计算的为准。"),
        ("id-name-mismatch", "编号对应的名称与名册不一致；按编号处理。"),
        ("history-mismatch", "名册填写的上年等次与台账中上年的结果不一致；以台账为准。"),
        ("history-grade-unknown", "名册填写的上年等次不是本规则的等次；已忽略。"),
    )
    + _entries(
        "计分",
        (NOTICE, ERROR),
        (
            "lifetime-review-rejected",
            "终身五星对象的领导小组审定意见为不同意：需党委研究决定（错误）；决定调整表中已有决定时为提示。",
        ),
        committee=True,
    )
    + _entries(
        "计分",
        NOTICE,
        ("superseded", "同一份表重复报送：使用较新的一份，这一份已被替代。"),
        ("indicators-partial", "评分定级表只填了部分指标，按填写的总分计。"),
        ("opinion-not-used", "领导小组审定意见在本规则中不影响结果，只作记录。"),
        ("panel-review-missing", "有评定对象没有领导小组审定意见。"),
    )
    # --- 定级: bands, quotas, decisions ----------------------------------------------------------
    + _entries(
        "定级",
        WARNING,
        ("tie-at-quota-cut", "得分及全部排序依据相同的对象跨越名额线，已标为待定，需党委研究决定。"),
        ("quota-about-off", "“左右”的比例与实际相差超过容差（只作对照，不据此调整）。"),
        ("decision-breaks-quota", "党委研究决定执行后，等次比例不再符合规则。"),
    )
    + _entries(
        "定级",
        ERROR,
        ("decision-id-name-mismatch", "决定调整表中编号与同一行的名称不是同一个对象；该决定未执行。"),
        ("decision-subject-unknown", "决定调整表中的对象在名册中找不到；该决定未执行。"),
    )
    # --- 文书 and 台账 ------------------------------------------------------------------------------
    + _entries(
        "文书",
        ERROR,
        ("template-error", "模板出错，该文书未生成。"),
        ("docx-failed", "--docx 要求的可编辑副本（.docx）有一份未能生成；其 PDF 已生成。"),
        ("templates-missing", "--templates 指定的文件夹不存在；已使用内置模板。"),
    )
    + _entries(
        "文书",
        WARNING,
        ("font-fallback", "文书所需的字体没有安装，用替代字体排版。"),
        ("font-subsetter", "缺少字体子集化组件，生成 PDF 会很慢。"),
        ("glyph-missing", "有字符没有任何已安装的字体包含，PDF 中将显示为方框。"),
        ("missing-contact", "结果公示没有受理异议的联系电话和地址。"),
    )
    + _entries("文书", ERROR, ("no-chinese-font", "没有安装任何含中文的字体，本次未生成 PDF 文书。"))
    + _entries("台账", ERROR, ("ledger-write-failed", "结果未能写入台账。"))
    + _entries(
        "台账",
        WARNING,
        ("ledger-read-failed", "未能读取台账；汇总报告不列上年比较（规则需要上年结果的系统则停止运行）。"),
    )
    # --- 优秀党员评选 (rules.md §6) -----------------------------------------------------------------
    + _entries(
        "校验",
        ERROR,
        ("attendance-invalid", "评选票数汇总表的应到、实到人数未填、不是整数或实到多于应到；该大会的候选人未评定。"),
        ("votes-exceed-present", "一名候选人的赞成、不赞成、弃权票合计多于实到人数。"),
    )
    + _entries(
        "校验", WARNING, ("appraisal-empty", "民主评议党员测评汇总表中一名党员的评议票数全部为空或 0，视为未评议。")
    )
    + _entries(
        "计分", ERROR, ("candidate-ineligible", "推荐的候选人不符合优秀党员推荐条件（原因只在内部材料中列出）。")
    )
    + _entries(
        "计分",
        WARNING,
        ("meeting-no-quorum", "党员大会实到人数未超过应到人数的规定比例，评选无效；该大会的候选人未评定。"),
        ("votes-without-recommendation", "评选票数汇总表中的人不在推荐表中；票数未使用。"),
    )
    # --- gongxin (两委班子公信度调查): 两委名册, 公信度调查表, 公信度调查汇总表 -----------------------
    + _entries(
        "校验",
        ERROR,
        ("cadre-field-missing", "两委班子成员名册的一行缺少编号、姓名或所属村（社区）。"),
        ("trust-village-missing", "公信度调查表或汇总表未填写“村（社区）：”。"),
        ("trust-no-subjects", "公信度调查表没有班子整体或任何成员的栏目。"),
        ("trust-option-unknown", "公信度调查票一栏的选项不是信任、基本信任、不信任、不了解之一，按无效票计。"),
        ("trust-category-unknown", "公信度调查票的调查对象类别不是规定的类别；该票不计。"),
    )
    + _entries(
        "校验",
        (WARNING, ERROR),
        (
            "trust-category-columns-missing",
            "公信度调查汇总表缺少某些类别的分栏（警告），或没有任何类别的分栏（错误）。",
        ),
    )
    + _entries("校验", WARNING, ("trust-no-ballots", "公信度调查表中没有任何选票行，不计为一次调查；按汇总表计算。"))
    + _entries("校验", NOTICE, ("trust-ballot-blank", "公信度调查表一栏有未填的票，按无效票计（每栏一条）。"))
    + _entries(
        "计分",
        ERROR,
        ("trust-village-unknown", "调查表或汇总表的村（社区）不在两委班子成员名册中。"),
        ("trust-member-not-in-roster", "调查表的一栏（或汇总表的一行）不是该村两委名册中的成员；不计。"),
        ("trust-member-ambiguous", "调查表一栏的姓名在该村两委名册中有多人同名，又没有写明编号。"),
    )
    + _entries("计分", WARNING, ("trust-member-missing", "调查表或汇总表中没有某位成员（或班子整体）的栏目；未评定。"))
    + _entries("计分", NOTICE, ("trust-summary-ignored", "同一村既有调查表（选票）又有汇总表；按选票计算。"))
    # --- wuhao (“五好”星级考评) -------------------------------------------------------------------
    + _entries("校验", WARNING, ("yes-no-unknown", "“软弱涣散”或“服务型”的填写不是“是”或“否”；按留空处理。"))
    + _entries(
        "校验",
        ERROR,
        ("period-mismatch", "星级考评评分表的考评阶段与 --period 不一致（或未填写）；该表未使用。"),
    )
    + _entries("定级", WARNING, ("rating-down", "星级比上次考评减少（降位），列出失去的“好”或封顶、否决的原因。"))
)

BY_CODE = {entry.code: entry for entry in CATALOGUE}
# errors for the committee (党委), not for the village that sent the file: `fenji watch` accepts the
# file (the error stays in the run's problem list) instead of sending it back
COMMITTEE_CODES = frozenset(entry.code for entry in CATALOGUE if entry.committee)
# errors `fenji watch` never sends a file back for: the committee's, and the forms still to chase
ACCEPTED_CODES = COMMITTEE_CODES | frozenset(entry.code for entry in CATALOGUE if entry.chase)


def problems_markdown() -> str:
    """docs/problems.md: every code, by stage, with its level(s) and meaning."""
    lines = [
        "# 问题代码一览",
        "",
        "problems.csv 的“代码”列取下列值之一。本页由 `python -m fenji.core.catalogue` 根据 "
        "`fenji/core/catalogue.py` 生成，请勿手改。",
        "",
    ]
    for stage in dict.fromkeys(entry.stage for entry in CATALOGUE):
        lines += [f"## {stage}", "", "| 代码 | 级别 | 含义 |", "| --- | --- | --- |"]
        lines += [
            f"| `{e.code}` | {'、'.join(e.levels)} | {e.meaning}{'（由党委研究决定，不退回报送的表）' if e.committee else ''} |"
            for e in CATALOGUE
            if e.stage == stage
        ]
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(problems_markdown(), end="")
