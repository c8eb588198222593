"""`pathways ingest ...`, killed (SIGKILL, as by the OOM killer or a power cut) at the worst
moment of a Chroma catalog's write: every record of the new version written, the manifest not
yet switched to it, the lease still held. Run as a script by tests/test_replicas.py."""

from __future__ import annotations

import os
import signal
from typing import Any

from index.chroma_records import Records
from pathways.cli import main

upsert = Records.upsert


def upsert_then_die(self: Records, name: str, records: Any) -> None:
    upsert(self, name, records)
    if name == "orgs":  # the last of a version's records (index.chroma_catalog.version_records)
        os.kill(os.getpid(), signal.SIGKILL)


Records.upsert = upsert_then_die  # type: ignore[method-assign]

if __name__ == "__main__":
    main()
