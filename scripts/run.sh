#!/usr/bin/env bash
# Set up, ingest corpus/ into an embedded Chroma under ./data, and serve the API and web page.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=${HF_HUB_OFFLINE:-1}
.venv/bin/pathways ingest
exec .venv/bin/pathways serve --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}"
