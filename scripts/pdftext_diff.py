"""Compare the text of every PDF of two `fenji demo` output folders (or dump one folder's text).

    python scripts/pdftext_diff.py OLD NEW        compare two demo folders or two text dumps
    python scripts/pdftext_diff.py --run NEW      run `fenji demo --out NEW` first, then compare
                                  with --against OLD (a demo folder or a text dump)
    python scripts/pdftext_diff.py --dump DEMO TEXT   write `pdftotext -layout` of every PDF of DEMO
                                  under TEXT (same relative paths, `.pdf.txt`), to keep as a baseline

A side that is a text dump (only `.pdf.txt` files) is read as is. Prints every file missing on one
side and the first differing lines of every file that differs; exits 1 on any difference, 0 when all
PDFs read the same. A refactoring that claims "behaviour does not change" must leave this at 0.
"""

from __future__ import annotations

import argparse
import difflib
import subprocess
import sys
from pathlib import Path

SHOWN_LINES = 12


def pdf_text(path: Path) -> str:
    """`pdftotext -layout` of one PDF (poppler), as text."""
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return done.stdout.decode("utf-8", errors="replace")


def texts(folder: Path) -> dict[str, str]:
    """Relative path (`dingji/公示.pdf`) → text, from the PDFs of a demo folder or from a text dump."""
    found = {p.relative_to(folder).as_posix(): pdf_text(p) for p in sorted(folder.rglob("*.pdf"))}
    if found:
        return found
    return {
        p.relative_to(folder).as_posix()[: -len(".txt")]: p.read_text(encoding="utf-8")
        for p in sorted(folder.rglob("*.pdf.txt"))
    }


def dump(demo: Path, target: Path) -> int:
    for rel, text in texts(demo).items():
        path = target / f"{rel}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    print(f"{len(texts(target))} PDF texts written under {target}")
    return 0


def compare(old: dict[str, str], new: dict[str, str]) -> int:
    """Print the differences; the number of files that differ or are missing on one side."""
    differing = 0
    for rel in sorted(set(old) | set(new)):
        if rel not in new or rel not in old:
            print(f"only in {'old' if rel in old else 'new'}: {rel}")
            differing += 1
            continue
        if old[rel] == new[rel]:
            continue
        differing += 1
        lines = list(
            difflib.unified_diff(
                old[rel].splitlines(), new[rel].splitlines(), "old/" + rel, "new/" + rel, n=0, lineterm=""
            )
        )
        print("\n".join(lines[: SHOWN_LINES + 2]))
        if len(lines) > SHOWN_LINES + 2:
            print(f"… {len(lines) - SHOWN_LINES - 2} more diff lines")
    print(f"{len(set(old) | set(new))} PDFs compared, {differing} differ")
    return differing


def run_demo(out: Path) -> None:
    fenji = Path(sys.executable).with_name("fenji")
    command = [str(fenji)] if fenji.exists() else [sys.executable, "-m", "fenji"]
    subprocess.run([*command, "demo", "--out", str(out)], check=False, stdout=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("old", nargs="?", type=Path)
    parser.add_argument("new", nargs="?", type=Path)
    parser.add_argument("--run", type=Path, help="run `fenji demo --out RUN` and compare it with --against")
    parser.add_argument("--against", type=Path)
    parser.add_argument("--dump", nargs=2, type=Path, metavar=("DEMO", "TEXT"))
    args = parser.parse_args(argv)
    if args.dump:
        return dump(*args.dump)
    if args.run:
        if args.against is None:
            parser.error("--run needs --against OLD")
        run_demo(args.run)
        old, new = args.against, args.run
    elif args.old and args.new:
        old, new = args.old, args.new
    else:
        parser.error("give OLD NEW, or --run NEW --against OLD, or --dump DEMO TEXT")
    return 1 if compare(texts(old), texts(new)) else 0


if __name__ == "__main__":
    sys.exit(main())
