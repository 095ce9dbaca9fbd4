"""Matching rows of returned forms to the roster's subjects: by 编号, else by normalised name."""

from __future__ import annotations

import difflib

from fenji.core.cells import normalize_name, squash
from fenji.core.records import RosterEntry


class Matcher:
    """Looks subjects up by id or by name; ambiguity and misses are reported by the caller."""

    def __init__(self, entries: list[RosterEntry]):
        self.by_id = {squash(e.id): e for e in entries}
        self.by_name: dict[str, list[RosterEntry]] = {}
        for entry in entries:
            self.by_name.setdefault(normalize_name(entry.name), []).append(entry)

    def find(self, ident: str = "", name: str = "", unit: str = "") -> tuple[RosterEntry | None, str]:
        """(entry, "") when found; (None, reason) with reason `unknown-id`, `ambiguous` or `unknown-name`."""
        if ident:
            entry = self.by_id.get(squash(ident))
            if entry is not None:
                return entry, ""
            if not name:
                return None, "unknown-id"
        candidates = self.by_name.get(normalize_name(name), [])
        if unit and len(candidates) > 1:
            in_unit = [c for c in candidates if normalize_name(c.unit) == normalize_name(unit)]
            candidates = in_unit or candidates
        if len(candidates) == 1:
            return candidates[0], ""
        return None, ("ambiguous" if candidates else "unknown-name")

    def suggestions(self, name: str, limit: int = 3) -> list[str]:
        """Closest roster names, for a message that helps the clerk fix a misspelling."""
        key = normalize_name(name)
        names = {normalize_name(e.name): e.name for entries in self.by_name.values() for e in entries}
        close = difflib.get_close_matches(key, list(names), n=limit, cutoff=0.4)
        return [names[c] for c in close]

    def ambiguous(self, name: str) -> list[RosterEntry]:
        return self.by_name.get(normalize_name(name), [])
