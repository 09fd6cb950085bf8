"""A process's log is rotated and scrubbed while the process writes to it as fast as it can,
as the launcher writes it (common/logfiles.py): no line is lost or cut, and erasure removes
exactly the lines it names."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from common.logfiles import LogWriter, rotate, scrub

LINES = 100_000
# Each line names one of ten "conversations"; erasure removes conversation c7's.
WRITER = f"""
import sys
for n in range({LINES}):
    sys.stdout.write(f"line {{n:06d}} conversation c{{n % 10}}\\n")
    if n % 50 == 0:
        sys.stdout.flush()
"""


def test_no_line_is_lost_while_logs_are_rotated_and_scrubbed(tmp_path: Path) -> None:
    log = tmp_path / "rasa.log"
    writer = LogWriter(log)
    read_end, write_end = os.pipe()
    process = subprocess.Popen([sys.executable, "-c", WRITER], stdout=write_end)
    os.close(write_end)
    writer.start(read_end)
    tomorrow = date.today() + timedelta(days=1)
    rotations = scrubs = 0
    while process.poll() is None:
        # Every pass copies and empties the log, then rewrites it without c7's lines.
        rotations += len(rotate(tmp_path, today=tomorrow))
        scrubs += len(scrub(tmp_path, ["conversation c7\n"]))
    writer.close()
    assert process.returncode == 0
    scrub(tmp_path, ["conversation c7\n"])
    kept = [
        line
        for path in sorted(tmp_path.glob("rasa.log.*")) + [log]
        for line in path.read_text().splitlines()
    ]
    expected = [
        f"line {n:06d} conversation c{n % 10}" for n in range(LINES) if n % 10 != 7
    ]
    assert sorted(kept) == expected  # every line once, whole; none of c7's
    assert rotations > 0 and scrubs > 0, "the log was never rotated or scrubbed while written"
