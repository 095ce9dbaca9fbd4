"""Shared fixtures; helpers live in tests/helpers.py."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# No test may read or write ./fenji.db of the checkout: the default ledger ($FENJI_DB, inherited by
# the CLI subprocesses) is a fresh file per test; module-scoped fixtures get the session's one.
os.environ["FENJI_DB"] = str(Path(tempfile.mkdtemp(prefix="fenji-tests-")) / "session.db")


@pytest.fixture(autouse=True)
def _own_default_ledger(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("FENJI_DB", str(tmp_path_factory.mktemp("ledger") / "fenji.db"))


from fenji.systems import load_profile


@pytest.fixture(scope="session")
def dingji():
    """The built-in dingji profile."""
    return load_profile("dingji")
