"""Shared fixtures; helpers live in tests/helpers.py."""

from __future__ import annotations

import pytest

from fenji.profiles import load_profile


@pytest.fixture(scope="session")
def dingji():
    """The built-in dingji profile."""
    return load_profile("dingji")
