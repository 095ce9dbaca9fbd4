"""Problems are data: every issue found in the input is a `Problem` record with an Excel location.

Only conditions that stop the whole run raise (`FatalError`); everything else is collected.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ERROR = "错误"
WARNING = "警告"
NOTICE = "提示"

LEVEL_ORDER = {ERROR: 0, WARNING: 1, NOTICE: 2}

# a run's exit status (contract.md): graded without a problem, graded with problems to attend to, nothing graded
EXIT_OK, EXIT_NEEDS_ATTENTION, EXIT_NOTHING_GRADED = 0, 1, 2


class FatalError(Exception):
    """A condition that stops the whole run (exit status 2); the message is Chinese for the clerk."""


class RosterMissing(FatalError):
    """The profile's roster is not in the folder: perhaps the forms are another profile's (the run says whose)."""


@dataclass(frozen=True)
class Problem:
    """One row of the 问题清单 (problems.csv)."""

    level: str
    code: str
    file: str = ""
    sheet: str = ""
    cell: str = ""
    subject: str = ""
    message: str = ""

    def as_row(self) -> dict:
        return {
            "级别": self.level,
            "代码": self.code,
            "文件": self.file,
            "工作表": self.sheet,
            "单元格": self.cell,
            "对象": self.subject,
            "说明": self.message,
        }

    def location(self) -> str:
        parts = [p for p in (self.file, self.sheet, self.cell) if p]
        return " / ".join(parts)


PROBLEM_COLUMNS = ["级别", "代码", "文件", "工作表", "单元格", "对象", "说明"]


@dataclass
class Problems:
    """An ordered collection of problems with helpers bound to a default location."""

    items: list[Problem] = field(default_factory=list)

    def add(
        self, level: str, code: str, message: str, *, file: str = "", sheet: str = "", cell: str = "", subject: str = ""
    ) -> Problem:
        problem = Problem(level, code, file, sheet, cell, subject, message)
        self.items.append(problem)
        return problem

    def error(self, code: str, message: str, **where) -> Problem:
        return self.add(ERROR, code, message, **where)

    def warning(self, code: str, message: str, **where) -> Problem:
        return self.add(WARNING, code, message, **where)

    def notice(self, code: str, message: str, **where) -> Problem:
        return self.add(NOTICE, code, message, **where)

    def extend(self, other: Problems | list[Problem]) -> None:
        self.items.extend(other.items if isinstance(other, Problems) else other)

    def has_errors(self) -> bool:
        return any(p.level == ERROR for p in self.items)

    def count(self, level: str) -> int:
        return sum(1 for p in self.items if p.level == level)

    def sorted(self) -> list[Problem]:
        """Errors first, then by file and cell, so the clerk reads the list file by file."""
        return sorted(
            self.items, key=lambda p: (LEVEL_ORDER.get(p.level, 9), p.file, p.sheet, _cell_sort_key(p.cell), p.code)
        )

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)


def _cell_sort_key(cell: str) -> tuple:
    letters = "".join(ch for ch in cell if ch.isalpha())
    digits = "".join(ch for ch in cell if ch.isdigit())
    return (int(digits) if digits else 0, len(letters), letters)
