"""Slide import beside a plain copy of the same file, in the same run (issue 13).

Goal: importing a slide (every tile hashed with BLAKE3 for the item's identity, sealed with
AES-GCM under a random segment id and written, durably, into the encrypted store) takes ≤ 1.5×
a plain copy of the file (``shutil.copyfile`` and an fsync, as
the store syncs its blobs). Reading the file once (``cat``) and ``cp`` show the disk's share.
Rounds are interleaved so each figure sees the same load; medians are reported, with the CPU
time each took (user + system), which the machine's load does not stretch. ``--phases`` adds
the import's thread time per phase (read tiles, BLAKE3, AES-GCM, write, commit). The load
(``uptime``'s one-minute average) is printed beside the figures.

The slides are generated JPEG pyramids (:func:`tests.bench.bench_slide_tiles.write_big_pyramid`),
cached under the system's temporary folder between runs: 51,200² (about 0.8 GB) and 16,384²
(``--quick``: 16,384² and 8,192²; ``--size N``: that one only). ``--against DIR`` adds, in the
same rounds, the import of another checkout of Caliper (e.g. the main branch, to show what a
change gained), run in a child process that times its own import the same way.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tests.bench.bench_slide_tiles import write_big_pyramid
from tests.bench.common import report, scratch_profile
from workspace.workspace import Workspace

GOAL_RATIO = 1.5
CACHE = Path(tempfile.gettempdir()) / "caliper-bench-slides"


def cached_pyramid(size: int) -> Path:
    """The generated ``size``² pyramid, written once and kept between runs."""
    path = CACHE / f"pyramid-{size}.tif"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        write_big_pyramid(partial, size)
        partial.replace(path)
    return path


def _timed(run: Callable[[], object]) -> tuple[float, float]:
    """Wall-clock and CPU seconds (this process and its children, user + system) of ``run``."""

    def cpu() -> float:
        own = resource.getrusage(resource.RUSAGE_SELF)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

    cpu_start, start = cpu(), time.perf_counter()
    run()
    return time.perf_counter() - start, cpu() - cpu_start


_CHILD_IMPORT = """
import json, resource, sys, time
from pathlib import Path
from tests.bench.common import scratch_profile
from workspace.workspace import Workspace

def cpu():
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime

with scratch_profile() as profile:
    workspace = Workspace(profile)
    cpu_start, start = cpu(), time.perf_counter()
    workspace.import_paths([Path(sys.argv[1])])
    print(json.dumps([time.perf_counter() - start, cpu() - cpu_start]))
"""


def _import_elsewhere(checkout: Path, path: Path) -> tuple[float, float]:
    """Wall-clock and CPU seconds of importing ``path`` with the Caliper in ``checkout``."""
    result = subprocess.run(
        [sys.executable, "-c", _CHILD_IMPORT, str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=checkout,
        env={**os.environ, "PYTHONPATH": str(checkout)},
    )
    wall, cpu = json.loads(result.stdout.splitlines()[-1])
    return float(wall), float(cpu)


def _synced(path: Path) -> None:
    with path.open("rb+") as handle:
        os.fsync(handle.fileno())


@contextlib.contextmanager
def _phase_timers() -> Iterator[dict[str, float]]:
    """Thread time spent per phase of the import, summed over threads (wrappers put around
    the pipeline's steps for the block)."""
    from blake3 import blake3

    from storage import blob_direct
    from workspace.slides import store

    spent: dict[str, float] = {}
    lock = threading.Lock()

    def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                with lock:
                    spent[name] = spent.get(name, 0.0) + time.perf_counter() - start

        return run

    hashing = timed("BLAKE3", blake3)
    patches: list[tuple[Any, str, Any]] = [
        (store, "_read_runs", timed("read tiles", store._read_runs)),
        (store, "blake3", hashing),
        (
            blob_direct.DirectSealer,
            "_seal_into",
            timed("AES-GCM", blob_direct.DirectSealer._seal_into),
        ),
        (blob_direct, "_write_unsynced", timed("write", blob_direct._write_unsynced)),
        (blob_direct.DirectSealer, "commit", timed("commit", blob_direct.DirectSealer.commit)),
    ]
    saved = [(owner, name, getattr(owner, name)) for owner, name, _ in patches]
    for owner, name, value in patches:
        setattr(owner, name, value)
    try:
        yield spent
    finally:
        for owner, name, value in saved:
            setattr(owner, name, value)


def bench_size(size: int, rounds: int, phases: bool, against: Path | None = None) -> float:
    """Import ``rounds`` times beside the copies; returns the import / copyfile ratio."""
    path = cached_pyramid(size)
    size_mb = path.stat().st_size / 1e6
    figures: dict[str, list[tuple[float, float]]] = {}
    spent: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="caliper-slide-import-") as tmp:
        copy = Path(tmp) / "copy.tif"

        def copyfile() -> None:
            shutil.copyfile(path, copy)
            _synced(copy)

        def cp() -> None:
            subprocess.run(["cp", str(path), str(copy)], check=True)
            _synced(copy)

        def cat() -> None:
            subprocess.run(["cat", str(path)], stdout=subprocess.DEVNULL, check=True)

        for _ in range(rounds):
            for name, run in (("cat", cat), ("copyfile", copyfile), ("cp", cp)):
                figures.setdefault(name, []).append(_timed(run))
                copy.unlink(missing_ok=True)
            with scratch_profile() as profile:
                workspace = Workspace(profile)

                def run_import(workspace: Workspace = workspace) -> None:
                    workspace.import_paths([path])

                timers = _phase_timers() if phases else contextlib.nullcontext({})
                with timers as found:
                    figures.setdefault("import", []).append(_timed(run_import))
                spent = dict(found)
            if against is not None:
                figures.setdefault("against", []).append(_import_elsewhere(against, path))

    def median(name: str, part: int) -> float:
        return statistics.median(f[part] for f in figures[name])

    ratio = median("import", 0) / median("copyfile", 0)
    cpu_ratio = median("import", 1) / median("copyfile", 1)
    labels = {
        "import": "import into the store",
        "copyfile": "shutil.copyfile + fsync",
        "cp": "cp + fsync",
        "cat": "read once (cat)",
        "against": f"import by {against}",
    }
    rows = [
        (
            labels[name],
            f"{median(name, 0):.2f} s",
            f"CPU {median(name, 1):.2f} s; {size_mb / median(name, 0):,.0f} MB/s",
        )
        for name in ("import", "against", "copyfile", "cp", "cat")
        if name in figures
    ]
    if spent:
        split = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in spent.items())
        rows.append(("import, thread time per phase", "", split))
    load = os.getloadavg()[0]
    report(
        f"Slide import: {size:,}² JPEG pyramid ({size_mb:,.0f} MB), median of {rounds}, "
        f"load {load:.1f} on {os.cpu_count()} cores",
        rows,
        f"import {ratio:.2f}× a copy "
        f"({'meets' if ratio <= GOAL_RATIO else 'MISSES'} ≤ {GOAL_RATIO}×); "
        f"CPU {cpu_ratio:.1f}× the copy's; {median('import', 0) / median('cp', 0):.2f}× cp",
    )
    return ratio


def main(argv: list[str] | None = None) -> float:
    """Run the benchmark; returns the import / copy ratio of the largest slide."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--phases", action="store_true")
    parser.add_argument("--size", type=int, help="only this pyramid (e.g. 51200)")
    parser.add_argument("--against", type=Path, help="another checkout to import with too")
    args = parser.parse_args(argv)
    sizes = [8192, 16384] if args.quick else [16384, 51200]
    if args.size:
        sizes = [args.size]
    return [bench_size(size, args.rounds, args.phases, args.against) for size in sizes][-1]


if __name__ == "__main__":
    main()
