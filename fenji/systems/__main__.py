"""`python -m fenji.systems [ROOT]`: write every system's seeded sample folders under ROOT
(default sample_workbooks/), the same files each time (tests/test_golden.py checks them)."""

from __future__ import annotations

import sys
from pathlib import Path

from fenji.systems import SYSTEMS


def main(argv: list[str]) -> None:
    root = Path(argv[1] if len(argv) > 1 else "sample_workbooks")
    for system in SYSTEMS:
        system.write_samples(root)
    print(f"示例数据已写入 {root}")


if __name__ == "__main__":
    main(sys.argv)
