#!/usr/bin/env bash
# Set up Pathways KB in ./.venv. Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || { echo "setup: creating .venv"; "$PY" -m venv .venv; }
export PIP_DISABLE_PIP_VERSION_CHECK=1
# pip's own lines show the progress; the long list of packages already there is left out.
pip_install() { .venv/bin/pip install "$@" 2>&1 | { grep --line-buffered -v '^Requirement already satisfied' || true; }; }
# The CPU build of torch first: a plain torch requirement pulls gigabytes of CUDA wheels.
if ! .venv/bin/python -c "import torch" 2>/dev/null; then
  echo "setup: installing torch 2.13.0 (CPU build)"
  pip_install "torch==2.13.0"
fi
echo "setup: installing pathways-kb and its dependencies into .venv"
pip_install -e ".[${PATHWAYS_EXTRAS:-dev}]"
# all-mpnet-base-v2 (about 420 MB), assembled and verified, for those who choose it:
# PATHWAYS_EMBEDDING_MODEL=all-mpnet-base-v2 or PATHWAYS_WITH_MPNET=1.
if [[ "${PATHWAYS_EMBEDDING_MODEL:-}" == all-mpnet-base-v2 || "${PATHWAYS_WITH_MPNET:-}" == 1 ]]; then
  echo "setup: assembling all-mpnet-base-v2"
  PYTHON=.venv/bin/python bash scripts/fetch-mpnet.sh
fi
echo "setup: done"
