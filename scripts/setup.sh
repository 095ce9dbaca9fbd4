#!/usr/bin/env bash
# Installs what fenji needs on a Debian machine, only what is missing:
#   system: CJK fonts, poppler (pdftotext/pdffonts), Pango, HarfBuzz subsetting (without
#           libharfbuzz-subset0 WeasyPrint takes ~15 s instead of 0.35 s per Chinese PDF);
#   Python: a virtual environment .venv with fenji installed in editable mode (+ test extras,
#           which include dask[distributed] so that tests/test_dask.py runs a real cluster).
# Sourced by scripts/demo.sh and scripts/test.sh; safe to run again.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Each step says what it does before it starts (apt and pip are quiet and take a minute or more).
step_started=$SECONDS
step() { echo "== $*"; step_started=$SECONDS; }
step_done() { echo "   完成（$((SECONDS - step_started)) 秒）"; }

echo "== 检查运行环境：系统软件包、Python 虚拟环境 .venv、Python 依赖"
SYSTEM_PACKAGES=(fonts-noto-cjk fonts-arphic-ukai poppler-utils libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 fontconfig)

missing=()
for pkg in "${SYSTEM_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c "import ensurepip" >/dev/null 2>&1; then
  missing+=(python3-venv python3-pip)
fi
# For the tests only (scripts/test.sh sets FENJI_TEST_PACKAGES=1): LibreOffice headless saves the
# forms `fenji forms` writes as genuine .xls and back (tests/test_forms.py). Without its
# recommends: ~56 packages, ~270 MB, ~15 s from a mirror. The demo does not need it. Its Writer converts the
# editable copies `--docx` writes to PDF (tests/test_docx.py): they open in a real word processor.
# PostgreSQL's server programs (initdb, pg_ctl, postgres): tests/pg.py starts a throw-away server of
# its own in a temporary folder (tests/test_ledger_pg.py); the system cluster is not used.
# Chromium: tests/test_serve.py reads `fenji serve`'s page in a real headless browser (--dump-dom).
# texlive-lang-chinese (without recommends: ~30 packages, ~125 MB, ~30 s) ships the Fandol fonts, the
# open fonts with the GB glyph shapes of 仿宋/宋体/黑体/楷体 (docs/documents.md, "Fonts"); they are
# registered with fontconfig below.
BARE_PACKAGES=(texlive-lang-chinese)
[[ ${FENJI_TEST_PACKAGES:-} == 1 ]] && BARE_PACKAGES+=(libreoffice-calc-nogui libreoffice-writer-nogui postgresql chromium)
bare=()
for pkg in "${BARE_PACKAGES[@]+"${BARE_PACKAGES[@]}"}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || bare+=("$pkg")
done
if ((${#missing[@]} + ${#bare[@]})); then
  step "安装系统软件包（apt，首次约 1 分钟）：${missing[*]} ${bare[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  if ((${#missing[@]})); then
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  if ((${#bare[@]})); then
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${bare[@]}" >/dev/null
  fi
  step_done
fi

# The Fandol fonts live in TeX's tree, which fontconfig does not search: one fontconfig file adds the
# folder (and gives the Bold faces, which declare a regular weight, their real weight).
FANDOL_CONF=/etc/fonts/conf.d/66-fenji-fandol.conf
if [[ -d /usr/share/texlive/texmf-dist/fonts/opentype/public/fandol ]] \
   && ! cmp -s scripts/fontconfig/66-fenji-fandol.conf "$FANDOL_CONF"; then
  step "向 fontconfig 登记 Fandol 公文字体（仿宋、宋体、黑体、楷体）"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO install -m 644 scripts/fontconfig/66-fenji-fandol.conf "$FANDOL_CONF"
  $SUDO fc-cache -f >/dev/null
  step_done
fi

if [[ ! -x .venv/bin/python ]]; then
  step "创建 Python 虚拟环境 .venv（venv）"
  python3 -m venv .venv
  step_done
fi
if ! .venv/bin/python -c "import fenji, pytest, hypothesis, weasyprint, python_calamine, docx, distributed, sqlalchemy, psycopg, starlette, uvicorn" >/dev/null 2>&1 \
   || [[ pyproject.toml -nt .venv/.fenji-installed ]]; then
  step "安装 Python 依赖（pip install -e '.[test]'，首次约 1 分钟，期间不显示进度）"
  # (the local mirror configuration of some machines prints one harmless warning per package)
  .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]' 2>&1 \
    | { grep -v "^WARNING: Location .* is ignored" || true; }
  touch .venv/.fenji-installed
  step_done
fi
echo "== 运行环境已就绪（.venv/bin/fenji）"
