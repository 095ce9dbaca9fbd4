"""Stage 8 for `youxiu` (placeholder, filled below)."""

from __future__ import annotations

from fenji.core.documents import Plan


def plan_youxiu(outcome, options, env, root):
    return Plan()
