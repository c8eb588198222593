#!/usr/bin/env bash
# Set up, ingest corpus/ into an embedded Chroma under ./data, and serve the API and web page.
# Prints each step as it goes and, once the server answers, the address to open.
set -euo pipefail
cd "$(dirname "$0")/.."
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
step() { printf '\n==> %s\n' "$*"; }

step "1/3 Setting up .venv (the first run downloads packages for several minutes)"
bash scripts/setup.sh
export HF_HUB_OFFLINE=${HF_HUB_OFFLINE:-1}

step "2/3 Indexing corpus/ into ./data (unchanged files are skipped)"
.venv/bin/pathways ingest

step "3/3 Starting the server on $HOST:$PORT (loading the model takes a few seconds)"
.venv/bin/pathways serve --host "$HOST" --port "$PORT" &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
[[ "$HOST" == 0.0.0.0 || "$HOST" == "::" ]] && open_host=127.0.0.1 || open_host=$HOST
url="http://$open_host:$PORT"
until .venv/bin/python -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
  "$url/healthz" 2>/dev/null; do
  kill -0 "$server" 2>/dev/null || { wait "$server"; exit $?; }  # the server stopped: its error is above
  sleep 1
done
printf '\nPathways KB is running. Open %s/ in your browser (API docs: %s/docs).\nPress Ctrl+C to stop.\n' "$url" "$url"
wait "$server"
