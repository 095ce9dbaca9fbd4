#!/usr/bin/env bash
# One command: install what is missing, then run the whole test suite.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
FENJI_TEST_PACKAGES=1 source scripts/setup.sh
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
