"""--workers N gives exactly the results of --workers 1."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from fenji.api import RunOptions, check

SAMPLE = Path(__file__).resolve().parent.parent / "sample_workbooks" / "dingji"


def test_workers_give_identical_results():
    one = check(RunOptions(SAMPLE, "dingji", 2027, workers=1))
    two = check(RunOptions(SAMPLE, "dingji", 2027, workers=2))
    pd.testing.assert_frame_equal(one.results, two.results)
    assert one.problems.sorted() == two.problems.sorted()
