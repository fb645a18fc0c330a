"""The real `ndrc-rules serve` and Debian's Chromium, shared by the browser tests
(`conftest.py`) and the screenshot script (`screenshots.py`).

The server is the installed command, run as a subprocess on a copy of the
repository's regulations plus a second version of the NDRC file (for the
versions page) and a decision store (for the store page). Chromium is the
system's (`/usr/bin/chromium`), never one Playwright downloads.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from threading import Thread
from typing import IO

ROOT = Path(__file__).resolve().parents[2]
COMMAND = Path(sys.executable).with_name("ndrc-rules")
CHROMIUM = Path("/usr/bin/chromium")
# Headless Chromium on this machine's closed network: no background connections.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1366, "height": 768}
COHORT_CSV = ROOT / "examples" / "candidats_ndrc.csv"
COHORT_XLSX = ROOT / "examples" / "candidats_ndrc.xlsx"
HOSTILE_CSV = ROOT / "tests" / "hostile" / "markup.csv"
# The second version of the NDRC file: U4 weighs 2 instead of 5.
NEW_VERSION = "bts_ndrc_v2.reg"
STORE = "registre.sqlite"
_ADDRESS = re.compile(r"https?://\S+/")


@dataclass(frozen=True)
class Server:
    """A running `ndrc-rules serve`: its address and the folder it serves."""

    url: str
    folder: Path


def served_folder(folder: Path) -> Path:
    """Fill `folder` with what the server serves: the shipped regulations, a
    second version of the NDRC file and a decision store of the sample cohort."""
    for reg in (ROOT / "regulations").glob("*.reg"):
        shutil.copy(reg, folder / reg.name)
    ndrc = (folder / "bts_ndrc.reg").read_text("utf-8")
    changed = ndrc.replace("coefficient 5\n", "coefficient 2\n", 1)
    assert changed != ndrc, "the NDRC file no longer weighs U4 with `coefficient 5`"
    (folder / NEW_VERSION).write_text(changed, "utf-8")
    run_cli("eval", str(folder / "bts_ndrc.reg"), str(COHORT_CSV), "--db", str(folder / STORE),
            "--format", "json")
    return folder


def run_cli(*args: str) -> str:
    """Run the installed command and return its standard output (exit 0 or 3)."""
    done = subprocess.run([str(COMMAND), *args], capture_output=True, text=True, check=False)
    assert done.returncode in (0, 3), done.stderr
    return done.stdout


def evaluate(regulation: Path, cohort: Path) -> dict:
    """What `ndrc-rules eval … --format json` decides for the cohort."""
    return json.loads(run_cli("eval", str(regulation), str(cohort), "--format", "json"))


def diff(old: Path, new: Path, cohort: Path) -> dict:
    """What `ndrc-rules diff … --format json` reports between two versions."""
    return json.loads(run_cli("diff", str(old), str(new), str(cohort), "--format", "json"))


def _drain(stream: IO[str], into: list[str]) -> Thread:
    """Read a pipe to its end in the background, so the server never blocks on a
    full pipe; what it wrote is kept for the failure message."""
    thread = Thread(target=lambda: into.extend(stream), daemon=True)
    thread.start()
    return thread


@contextmanager
def serving(folder: Path) -> Iterator[Server]:
    """Start `ndrc-rules serve FOLDER --port 0`, read the address it prints,
    and stop it with SIGINT (Ctrl-C) at the end: it must exit 130, as every
    command does on Ctrl-C."""
    process = subprocess.Popen(
        [str(COMMAND), "serve", str(folder), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    line = process.stdout.readline()  # blocks until the announcement (or exit)
    found = _ADDRESS.search(line)
    if found is None:
        process.kill()
        _, errors = process.communicate()
        raise RuntimeError(f"serve printed no address: {line!r}\n{errors}")
    assert process.stderr is not None
    written: list[str] = []
    readers = [_drain(process.stdout, written), _drain(process.stderr, written)]
    try:
        yield Server(found.group(0), folder)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            code = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            code = process.wait()
        for reader in readers:
            reader.join()
    assert code == 130, f"serve exited {code} on SIGINT:\n{''.join(written)}"
