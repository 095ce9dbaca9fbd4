"""Unit tests of fenji/cells.py: the parsers for what clerks type into cells (forms.md, "What a reader
must tolerate"), and a property test that no parser ever raises, whatever a cell holds."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fenji.core import cells
from fenji.core.cells import (
    cell_ref,
    column_letter,
    header_key,
    header_max,
    is_blank,
    normalize_name,
    parse_count,
    parse_date,
    parse_number,
    parse_option,
    parse_percent,
    parse_stars,
    split_label,
    split_labels,
    squash,
    text,
    title_key,
)

D = Decimal
OPTIONS = ["满意", "基本满意", "不满意", "不了解"]


# --- numbers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        ("18", D(18)),
        ("18.5", D("18.5")),
        ("１８", D(18)),
        ("１８．５", D("18.5")),
        ("18分", D(18)),
        (" 18 ", D(18)),
        ("\u300018\u3000", D(18)),
        ("18\n", D(18)),
        ("+18", D(18)),
        ("-1", D(-1)),
        (".5", D("0.5")),
        (18, D(18)),
        (18.0, D(18)),
        (18.5, D("18.5")),
        (0.1, D("0.1")),
        (0, D(0)),
    ],
)
def test_parse_number_accepts(value, expected):
    assert parse_number(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "  ",
        "良好",
        "十八",
        "18分分",
        "1e3",
        "18.5.1",
        "NaN",
        "inf",
        float("nan"),
        float("inf"),
        float("-inf"),
        True,
        False,
        "—",
        "/",
    ],
)
def test_parse_number_rejects(value):
    assert parse_number(value) is None


def test_parse_number_is_exact_for_floats_read_from_cells():
    assert parse_number(0.1) + parse_number(0.2) == D("0.3")
    assert parse_number(89.25) == D("89.25")


@pytest.mark.parametrize(
    "value, expected",
    [
        ("42", 42),
        (42.0, 42),
        ("４２", 42),
        ("42票", 42),
        ("42张", 42),
        ("42人", 42),
        (" 42 ", 42),
        (0, 0),
    ],
)
def test_parse_count_accepts(value, expected):
    assert parse_count(value) == expected


@pytest.mark.parametrize("value", ["42.5", -1, "-1", "四十二", None, "", pytest.param("9" * 5000, id="5000-digits")])
def test_parse_count_rejects(value):
    assert parse_count(value) is None


# --- percentages (the summary's 满意率) ---------------------------------------------------------------


@pytest.mark.parametrize("value", [0.965, "0.965", 96.5, "96.5", "96.5%", "96.5％", " 96.5 % ", "９６．５％"])
def test_parse_percent_forms(value):
    assert parse_percent(value) == D("0.965")


@pytest.mark.parametrize("value, expected", [(1, D(1)), ("100%", D(1)), (100, D(1)), (0, D(0)), ("0%", D(0))])
def test_parse_percent_edges(value, expected):
    assert parse_percent(value) == expected


@pytest.mark.parametrize("value", [None, "", "高", "%", "96.5%%", -0.5, "-5%", "-96.5"])
def test_parse_percent_rejects(value):
    assert parse_percent(value) is None


# --- dates -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        dt.date(2027, 3, 28),
        dt.datetime(2027, 3, 28, 0, 0),
        dt.datetime(2027, 3, 28, 15, 30),
        "2027年3月28日",
        "2027年03月28日",
        "2027年3月28",
        " 2027 年 3 月 28 日 ",
        "２０２７年３月２８日",
        "2027.3.28",
        "2027-03-28",
        "2027/3/28",
        "2027-03-28 00:00:00",
        "填报日期：2027年3月28日",
    ],
)
def test_parse_date_forms(value):
    assert parse_date(value) == dt.date(2027, 3, 28)


@pytest.mark.parametrize(
    "value", [None, "", "三月二十八日", "2027年13月1日", "2027/2/30", "0000-01-01", "2027年3月", "28/3/2027", 46474.0]
)
def test_parse_date_rejects(value):
    assert parse_date(value) is None


# --- star levels -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        ("五星", 5),
        ("五星级", 5),
        ("5", 5),
        (5, 5),
        (5.0, 5),
        ("5星", 5),
        ("5星级", 5),
        ("★★★★★", 5),
        ("５星", 5),
        (" 五 星 ", 5),
        ("三星", 3),
        ("二星", 2),
        ("两星", 2),
        ("一星级", 1),
        ("★★★☆☆", 3),
        ("★", 1),
        ("无", 0),
        ("无星", 0),
        ("0", 0),
        (0, 0),
        ("零星", 0),
        ("不列入星级", 0),
        ("—", 0),
    ],
)
def test_parse_stars(value, expected):
    assert parse_stars(value) == expected


@pytest.mark.parametrize("value", ["六星", "6", "10星", "五颗星", "优秀", "", None, "★5", "5.5"])
def test_parse_stars_rejects(value):
    assert parse_stars(value) is None


# --- options ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        ("满意", "满意"),
        (" 满意", "满意"),
        ("满意 ", "满意"),
        ("满 意", "满意"),
        ("\u3000满意\u3000", "满意"),
        ("基本\u3000满意", "基本满意"),
        ("不\n满意", "不满意"),
        ("不了解\u00a0", "不了解"),
        ("基本满意\u200b", "基本满意"),
    ],
)
def test_parse_option_tolerates_spaces(value, expected):
    assert parse_option(value, OPTIONS) == expected


@pytest.mark.parametrize("value", ["√", "✓", "V", "比较满意", "满", "", None, "满意/基本满意", 1])
def test_parse_option_rejects(value):
    assert parse_option(value, OPTIONS) is None


# --- names, headers, labels ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "清溪村",
        "清溪村党支部",
        "清溪村 党支部",
        "清溪村\u3000党支部",
        " 清溪村党支部 ",
        "清溪村党总支",
        "清溪村党总支部",
        "清溪村支部",
        "清溪村党委",
    ],
)
def test_normalize_name(value):
    assert normalize_name(value) == "清溪村"


def test_normalize_name_full_width():
    assert normalize_name("ＱＸ村党支部") == "QX村"
    assert normalize_name("清溪村党支部") != normalize_name("清溪社区党支部")


@pytest.mark.parametrize(
    "value, key, maximum",
    [
        ("党组织带头人（15分）", "党组织带头人", D(15)),
        ("党组织带头人(15分)", "党组织带头人", D(15)),
        ("党组织带头人\n（15分）", "党组织带头人", D(15)),
        ("工作 业绩（ 20 分）", "工作业绩", D(20)),
        ("群众评价（２５分）", "群众评价", D(25)),
        ("总分", "总分", None),
        ("得分（2.5分）", "得分", D("2.5")),
    ],
)
def test_header_key_and_max(value, key, maximum):
    assert header_key(value) == key
    assert header_max(value) == maximum


@pytest.mark.parametrize("value", ["工作（1.2.3分）", "工作（.分）", "工作（..分）"])
def test_header_max_of_a_garbled_suffix_is_none(value):
    assert header_max(value) is None


def test_title_key_drops_spaces_and_quotes():
    assert title_key("基层党组织分类定级 “自评表”") == "基层党组织分类定级自评表"
    assert title_key("满意度\u3000测评表") == "满意度测评表"


@pytest.mark.parametrize(
    "value, pair",
    [
        ("党组织名称（盖章）：清溪村党支部", ("党组织名称", "清溪村党支部")),
        ("填报日期:2027年3月28日", ("填报日期", "2027年3月28日")),
        ("乡镇党委(盖章)： 清溪镇党委 ", ("乡镇党委", "清溪镇党委")),
        ("填报日期：", ("填报日期", "")),
        ("时间：9:30", ("时间", "9:30")),
    ],
)
def test_split_label(value, pair):
    assert split_label(value) == pair


def test_split_label_without_colon():
    assert split_label("基层党组织名册") is None


def test_split_labels_several_in_one_cell():
    assert split_labels("乡镇（盖章）：清溪镇\u3000\u3000\u3000\u3000年度：2027") == [
        ("乡镇", "清溪镇"),
        ("年度", "2027"),
    ]


def test_text_and_blank():
    assert text(18.0) == "18" and text(18.5) == "18.5" and text(None) == ""
    assert text(dt.datetime(2027, 3, 28, 10, 0)) == "2027-03-28"
    assert text("\u3000清溪村 ") == "清溪村"
    assert is_blank(None) and is_blank("") and is_blank(" \u3000\n") and not is_blank(0) and not is_blank("0")
    assert squash("基本 满意\u3000") == "基本满意"


@pytest.mark.parametrize(
    "index, letters",
    [(0, "A"), (25, "Z"), (26, "AA"), (51, "AZ"), (52, "BA"), (701, "ZZ"), (702, "AAA"), (16383, "XFD")],
)
def test_column_letter(index, letters):
    assert column_letter(index) == letters


def test_cell_ref():
    assert cell_ref(0, 0) == "A1" and cell_ref(11, 4) == "E12" and cell_ref(5, 26) == "AA6"


# --- property: no parser raises, whatever the cell holds --------------------------------------------------

CELL_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.text(),
    st.text(alphabet="0123456789０１２３.．%％分票星★☆年月日-/ 　\n无五两十"),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.dates(),
    st.datetimes(),
    st.from_regex(r"\s*-?\d{1,6}(\.\d{0,4})?\s*[%％分票]?\s*", fullmatch=True),
    st.from_regex(r"\d{4}[年.\-/]\d{1,2}[月.\-/]\d{1,2}日?", fullmatch=True),
)
PARSERS = [
    is_blank,
    text,
    squash,
    title_key,
    header_key,
    header_max,
    normalize_name,
    parse_number,
    parse_count,
    parse_percent,
    parse_date,
    parse_stars,
    split_label,
    split_labels,
    lambda v: parse_option(v, OPTIONS),
]


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(CELL_VALUES)
def test_parsers_never_raise(value):
    for parser in PARSERS:
        parser(value)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12))
def test_numbers_from_floats_round_trip(value):
    assert parse_number(value) == Decimal(repr(value))
    assert parse_number(repr(value) if "e" not in repr(value) else "0") is not None


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(st.decimals(min_value=0, max_value=100, places=2, allow_nan=False))
def test_percent_written_three_ways_agrees(rate):
    fraction = rate / 100
    assert parse_percent(f"{rate}%") == fraction
    assert parse_percent(f"{rate}％") == fraction
    if rate > 1:
        assert parse_percent(str(rate)) == fraction


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2999, 12, 31)))
def test_dates_written_four_ways_agree(day):
    y, m, d = day.year, day.month, day.day
    for written in (f"{y}年{m}月{d}日", f"{y}.{m}.{d}", f"{y}-{m:02d}-{d:02d}", f"{y}/{m}/{d}"):
        assert parse_date(written) == day
    assert parse_date(dt.datetime(y, m, d, 12, 0)) == day


def test_module_exports_are_covered():
    public = {
        name
        for name in dir(cells)
        if not name.startswith("_")
        and callable(getattr(cells, name))
        and getattr(getattr(cells, name), "__module__", "") == "fenji.core.cells"
    }
    assert public <= {
        "is_blank",
        "text",
        "squash",
        "title_key",
        "header_key",
        "header_max",
        "normalize_name",
        "parse_number",
        "parse_count",
        "parse_percent",
        "parse_date",
        "parse_stars",
        "parse_option",
        "column_letter",
        "cell_ref",
        "split_label",
        "split_labels",
    }
