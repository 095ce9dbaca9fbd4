"""The catalogue of problem codes (fenji/core/catalogue.py) against the code that reports them."""

from __future__ import annotations

import ast
from pathlib import Path

from fenji.core.catalogue import BY_CODE, CATALOGUE, problems_markdown
from fenji.core.problems import ERROR, NOTICE, WARNING

ROOT = Path(__file__).resolve().parent.parent
LEVELS = {"error": ERROR, "warning": WARNING, "notice": NOTICE}
RAISED = ("WorkbookError", "ScanRefused")  # their code becomes an error of the file's problem list
FILE_FAILURES = {"failed_result": 1, "_lost": 2}  # fenji.core.isolate: a file's error row, code at this argument


def codes_used() -> dict[str, set[str]]:
    """code → levels, from every call in fenji/ that reports a problem with a literal code."""
    used: dict[str, set[str]] = {}
    for path in (ROOT / "fenji").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", "")
            literal = [a.value for a in node.args[:2] if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if name in LEVELS and isinstance(node.args[0], ast.Constant):
                used.setdefault(node.args[0].value, set()).add(LEVELS[name])
            elif name in RAISED and literal:
                used.setdefault(literal[0], set()).add(ERROR)
            elif name == "Problem" and len(literal) == 2:  # Problem(level, code, …) built directly
                used.setdefault(literal[1], set()).add(ERROR)
            elif name in FILE_FAILURES and len(node.args) > FILE_FAILURES[name]:
                code = node.args[FILE_FAILURES[name]]
                if isinstance(code, ast.Constant) and isinstance(code.value, str):
                    used.setdefault(code.value, set()).add(ERROR)
    return used


def test_every_code_used_is_catalogued_with_its_level():
    used = codes_used()
    assert sorted(set(used) - set(BY_CODE)) == []
    wrong = {
        code: sorted(levels)
        for code, levels in used.items()
        if code in BY_CODE and not levels <= set(BY_CODE[code].levels)
    }
    assert wrong == {}


def test_every_catalogued_code_is_used():
    assert sorted(set(BY_CODE) - set(codes_used())) == []


def test_each_code_once_in_kebab_case():
    codes = [entry.code for entry in CATALOGUE]
    assert len(codes) == len(set(codes))
    assert all(c == c.lower() and " " not in c and "_" not in c for c in codes)


def test_docs_problems_md_is_generated_from_the_catalogue():
    """After adding a code: python -m fenji.core.catalogue > docs/problems.md"""
    assert (ROOT / "docs" / "problems.md").read_text(encoding="utf-8") == problems_markdown()
