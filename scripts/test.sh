#!/usr/bin/env bash
# Set up and run the checks and the test suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
PATHWAYS_WITH_MPNET=1 bash scripts/setup.sh  # all-mpnet-base-v2 too, so its real-part tests run
bash scripts/install-browser.sh   # Debian chromium for the browser tests
export HF_HUB_OFFLINE=1

# A real small LLM (SmolLM2-135M-Instruct served by llama-cpp-python) for the end-to-end test
# tests/test_llm_real.py. The first run compiles llama.cpp, about 10 minutes on 2 cores; later
# runs reuse its venv. PATHWAYS_SKIP_LLM=1 leaves it out (that test then skips).
if [[ "${PATHWAYS_SKIP_LLM:-}" != 1 && -z "${PATHWAYS_TEST_LLM_URL:-}" ]]; then
  bash scripts/llm-server.sh --install-only
  port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  PORT=$port bash scripts/llm-server.sh >/dev/null 2>&1 &
  llm_pid=$!
  trap 'kill "$llm_pid" 2>/dev/null || true' EXIT
  export PATHWAYS_TEST_LLM_URL="http://127.0.0.1:$port/v1"
  for _ in $(seq 60); do
    if .venv/bin/python -c "import httpx, sys; httpx.get(sys.argv[1] + '/models').raise_for_status()" \
      "$PATHWAYS_TEST_LLM_URL" 2>/dev/null; then
      break
    fi
    sleep 1
  done
  echo "test LLM at $PATHWAYS_TEST_LLM_URL"
fi

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
# Two workers, one per core (the suite is CPU-bound: 243 s in one process, 163 s in two). Each
# worker's torch uses one thread (OMP_NUM_THREADS), so the two do not fight over the cores. The
# whole corpus is indexed once for both (tests/conftest.py: corpus_settings). `-n 0` runs in
# one process. The slowest tests are listed at the end.
OMP_NUM_THREADS=1 .venv/bin/python -m pytest -n 2 --durations=12 "$@"
