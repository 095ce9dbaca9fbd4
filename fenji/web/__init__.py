"""`fenji serve OUT`: a read-only local web page for the office, beside `fenji watch`.

收件进度 per unit (the gaps first), the problem list (filtered by level and unit), the results and
the documents with download links. OUT is read at every request, so the page is always the last
generation `fenji run` / `fenji watch` swapped in. Plain HTML, no JavaScript, Jinja2 with
autoescape (every value comes from returned workbooks).

Security: 127.0.0.1 by default; another host needs a password (HTTP basic auth). Only the run's
outputs are served (the documents/ tree and the top-level results files), resolved inside OUT: no
path traversal, no symlink out, no hidden folders (watch's staging links of INBOX files), never the
ledger (a *.db beside the outputs is not on the list).
"""

from __future__ import annotations

import base64
import csv
import hmac
import ipaddress
import json
from pathlib import Path
from urllib.parse import quote

import jinja2

SERVED_FILES = ("results.csv", "results.xlsx", "problems.csv", "returns.csv", "run.json")
SERVED_FOLDER = "documents"
SERVED_SUFFIXES = (".pdf", ".txt", ".html", ".csv", ".xlsx", ".json")
LEVELS = ("错误", "警告", "提示")
LOOPBACK_NAMES = ("localhost",)


class ServeRefused(ValueError):
    """A start-up the CLI refuses with exit status 2 (the message says why and what to do)."""


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_start(out: Path, host: str, password: str | None) -> None:
    if not Path(out).is_dir():
        raise ServeRefused(f"输出文件夹 {out} 不存在。请先运行 fenji run 或 fenji watch，再用 fenji serve 打开它。")
    if not is_loopback(host) and not password:
        raise ServeRefused(
            f"--host {host} 会让局域网内的其他电脑也能打开本页面，必须同时用 --password 设置访问密码"
            "（或设置环境变量 FENJI_PASSWORD）。只在本机查看时不要加 --host（默认 127.0.0.1）。"
        )


# --- reading OUT ---------------------------------------------------------------------------


def _csv(path: Path) -> list[dict]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            return list(csv.DictReader(handle))
    except (OSError, csv.Error, UnicodeDecodeError):
        return []


def _run_info(out: Path) -> dict:
    try:
        return json.loads((out / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def served_path(out: Path, rel: str) -> Path | None:
    """The file `rel` names if it is one of the run's outputs inside OUT, else None (→ 404)."""
    parts = Path(rel).parts
    if not parts or any(part in ("..", ".") or part.startswith(".") for part in parts) or Path(rel).is_absolute():
        return None
    listed = (len(parts) == 1 and parts[0] in SERVED_FILES) or (
        parts[0] == SERVED_FOLDER and len(parts) > 1 and Path(rel).suffix.lower() in SERVED_SUFFIXES
    )
    if not listed:
        return None
    root = Path(out).resolve()
    target = (root / rel).resolve()  # symlinks followed: one that leads out of OUT is refused below
    allowed = root / SERVED_FOLDER if parts[0] == SERVED_FOLDER else root
    if not target.is_relative_to(allowed.resolve()) or not target.is_file():
        return None
    return target


def _documents(out: Path) -> list[dict]:
    folder = Path(out) / SERVED_FOLDER
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(out).as_posix()
        if path.is_file() and served_path(out, rel) is not None and path.suffix.lower() in (".pdf", ".txt"):
            unit = path.relative_to(folder).parts[0] if len(path.relative_to(folder).parts) > 1 else "全部"
            found.append({"unit": unit, "name": path.relative_to(folder).as_posix(), "href": link(rel)})
    return found


def link(rel: str) -> str:
    return "/files/" + quote(rel)


def progress_by_unit(returns: list[dict]) -> list[dict]:
    """Per unit: counts of each 状态 and the rows not yet received, the units with gaps first."""
    units: dict[str, dict] = {}
    for row in returns:
        unit = units.setdefault(row.get("单位", ""), {"unit": row.get("单位", ""), "counts": {}, "open": []})
        status = row.get("状态", "")
        unit["counts"][status] = unit["counts"].get(status, 0) + 1
        if status in ("缺报", "有错误"):
            unit["open"].append(row)
    for unit in units.values():
        unit["missing"] = unit["counts"].get("缺报", 0)
        unit["faulty"] = unit["counts"].get("有错误", 0)
        unit["received"] = unit["counts"].get("已收", 0) + unit["counts"].get("已替代", 0)
        unit["reminder"] = link(f"{SERVED_FOLDER}/{unit['unit']}/催报.txt")
        unit["progress"] = link(f"{SERVED_FOLDER}/{unit['unit']}/收件进度.pdf")
    return sorted(units.values(), key=lambda u: (-u["missing"], -u["faulty"], u["unit"]))


def page_data(out: Path, level: str = "", unit: str = "") -> dict:
    out = Path(out)
    info = _run_info(out)
    returns = _csv(out / "returns.csv")
    problems = _csv(out / "problems.csv")
    results = _csv(out / "results.csv")
    units_of = _subject_units(results + returns)
    shown = [
        p
        for p in problems
        if (not level or p.get("级别") == level) and (not unit or _problem_unit(p, units_of) == unit)
    ]
    units = sorted({r.get("单位", "") for r in results} | {r.get("单位", "") for r in returns})
    progress = progress_by_unit(returns)
    for row in progress:  # the PDF and the text exist only for units with gaps
        row["has_progress"] = served_path(out, f"{SERVED_FOLDER}/{row['unit']}/收件进度.pdf") is not None
        row["has_reminder"] = served_path(out, f"{SERVED_FOLDER}/{row['unit']}/催报.txt") is not None
    return {
        "info": info,
        "has_run": bool(info) or bool(results),
        "progress": progress,
        "missing_total": sum(u["missing"] for u in progress),
        "problems": shown,
        "problem_total": len(problems),
        "levels": LEVELS,
        "level": level,
        "unit": unit,
        "units": [u for u in units if u],
        "results": results,
        "result_columns": list(results[0].keys())[:7] if results else [],
        "documents": _documents(out),
        "downloads": [{"name": name, "href": link(name)} for name in SERVED_FILES if (out / name).is_file()],
    }


def _subject_units(rows: list[dict]) -> dict[str, str]:
    units: dict[str, str] = {}
    for row in rows:
        for key in (row.get("名称", ""), row.get("编号", "")):  # an 编号 wins over a namesake's name
            if key:
                units[key] = row.get("单位", "")
    return units


def _problem_unit(problem: dict, units_of: dict[str, str]) -> str:
    """A problem's unit: its subject's, else the first folder of its file (the town's folder)."""
    subject = problem.get("对象", "")
    if subject in units_of:
        return units_of[subject]
    return problem.get("文件", "").split("/")[0] if "/" in problem.get("文件", "") else ""


# --- the app ------------------------------------------------------------------------------


def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("fenji.web", "templates"),
        autoescape=True,  # every value shown comes from a returned workbook
        undefined=jinja2.StrictUndefined,
    )


def _authorised(header: str, password: str) -> bool:
    if not header.startswith("Basic "):
        return False
    try:
        _, _, given = base64.b64decode(header[6:]).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        return False
    return hmac.compare_digest(given.encode(), password.encode())


def make_app(out: Path, password: str | None = None):
    """The Starlette app serving OUT (read at every request)."""
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.base import BaseHTTPMiddleware
    from starlette.responses import FileResponse, HTMLResponse, Response
    from starlette.routing import Route

    out = Path(out)
    env = environment()

    async def index(request):
        level = request.query_params.get("level", "")
        unit = request.query_params.get("unit", "")
        html = env.get_template("index.html").render(**page_data(out, level if level in LEVELS else "", unit))
        return HTMLResponse(html, headers=_headers())

    async def files(request):
        target = served_path(out, request.path_params["rel"])
        if target is None:
            return Response("找不到该文件。", status_code=404, media_type="text/plain; charset=utf-8")
        return FileResponse(target, filename=target.name, headers=_headers())

    class BasicAuth(BaseHTTPMiddleware):
        async def dispatch(self, request, call_next):
            if password and not _authorised(request.headers.get("authorization", ""), password):
                return Response(
                    "需要密码。",
                    status_code=401,
                    headers={"WWW-Authenticate": 'Basic realm="fenji", charset="UTF-8"'},
                    media_type="text/plain; charset=utf-8",
                )
            return await call_next(request)

    return Starlette(
        routes=[Route("/", index), Route("/files/{rel:path}", files)],
        middleware=[Middleware(BasicAuth)] if password else [],
    )


def _headers() -> dict:
    # read-only office page: never cached stale beside watch, never framed, no scripts at all
    return {
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    }


def serve(out: Path, host: str = "127.0.0.1", port: int = 8000, password: str | None = None) -> None:
    """Serve OUT until interrupted; ServeRefused for a missing OUT or a non-local host without a password."""
    import uvicorn

    check_start(out, host, password)
    uvicorn.run(make_app(out, password), host=host, port=port, log_level="warning", server_header=False)
