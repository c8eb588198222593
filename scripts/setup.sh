#!/usr/bin/env bash
# Set up Pathways KB in ./.venv. Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
export PIP_DISABLE_PIP_VERSION_CHECK=1
# The CPU build of torch first: a plain torch requirement pulls gigabytes of CUDA wheels.
.venv/bin/python -c "import torch" 2>/dev/null || .venv/bin/pip install --quiet "torch==2.13.0"
.venv/bin/pip install --quiet -e ".[${PATHWAYS_EXTRAS:-dev}]"
# all-mpnet-base-v2 (about 420 MB), assembled and verified: PATHWAYS_SKIP_MPNET=1 leaves it out.
[ "${PATHWAYS_SKIP_MPNET:-}" = 1 ] || PYTHON=.venv/bin/python bash scripts/fetch-mpnet.sh
