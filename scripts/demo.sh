#!/usr/bin/env bash
# One command: install what is missing, then grade the sample workbooks with every profile and
# write the PDFs to ./fenji-demo/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh
.venv/bin/fenji demo --out fenji-demo "$@"
