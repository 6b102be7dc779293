"""Queue sync throughput against a real nats-server on loopback.

1. Pull: a manager pushes one batch of large audio items (~1 GB; ``--quick`` ~64 MB); a
   workstation checks it out with ``sync_once(pull=1)`` (manifest, lease, object-store
   download, envelope open, verify, seal into its blob store, materialize, ack). Goal
   >= 100 MB/s, beside a plain TCP copy of the same bytes over loopback.
2. Results: N checked-out notes each get one span and are submitted, drained and collected:
   submits/s, drain results/s, collect results/s and end-to-end results/s.
3. ``--stages``: where the pull time goes, timing the real functions one by one on the same
   objects: ``payloads.download`` (fetch + envelope open + SHA-256 verify, with open and
   verify also timed on their own) and ``blobs.put(sha256=)`` as ``Checkout._download``
   calls it.

``--profile PATH`` writes a pyinstrument profile of the second pull run (pyinstrument is
optional, not a dependency).

Every measurement runs twice (the machine is shared): both runs are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import socket
import tempfile
import threading
import time
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.bench.common import FAST_KDF, PASSPHRASE, report
from tests.sync.nats_fixtures import NATS_SERVER, SKIP_REASON, NatsServer
from workspace.annotations import AddAnnotation, Annotation
from workspace.demo_data import write_clinical_note
from workspace.schema import load_preset
from workspace.sync import protocol
from workspace.sync.config import SyncConfig, load_config, project_key, save_config, set_project_key
from workspace.sync.connection import ServerAccess, jetstream
from workspace.sync.documents import manifest_files
from workspace.sync.envelope import open_sealed, seal
from workspace.sync.outbox import drain, submit_task
from workspace.sync.payloads import download, object_context
from workspace.sync.queue_collect import collect
from workspace.sync.queue_push import PushPlan, push
from workspace.sync.session import sync_once
from workspace.workspace import Workspace

GOAL_PULL_MBS = 100.0
PROJECT = "bench-sync"
AUDIO_TRACK = "bench-audio"
NOTES_TRACK = "bench-notes"
MIB = 1 << 20


def _mbs(total: int, seconds: float) -> str:
    return f"{total / seconds / 1e6:,.0f} MB/s"


def _two(values: list[float], fmt: Callable[[float], str]) -> str:
    return " / ".join(fmt(v) for v in values)


# ---------------------------------------------------------------------------- data
def write_wav(path: Path, size: int) -> None:
    """A mono 16-bit 48 kHz WAV of random samples, ``size`` bytes of PCM."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(48_000)
        left = size
        while left:
            block = os.urandom(min(left, 8 * MIB))
            out.writeframesraw(block)
            left -= len(block)


def make_workspace(root: Path, user: str) -> Workspace:
    return Workspace.create(root / user, PASSPHRASE, user=user, kdf=FAST_KDF)


def join(workstation: Workspace, manager: Workspace, url: str, track: str) -> None:
    set_project_key(workstation.profile, PROJECT, project_key(manager.profile, PROJECT))
    save_config(workstation.profile, SyncConfig(server_url=url, tracks=(track,)))


def push_items(manager: Workspace, url: str, plan: PushPlan) -> list[str]:
    async def go() -> list[str]:
        async with jetstream(ServerAccess(url)) as (_client, js):
            return await push(js, manager.profile, plan)

    return asyncio.run(go())


# ---------------------------------------------------------------------------- reference
def tcp_copy(total: int, block: int = MIB) -> float:
    """Seconds to send ``total`` bytes over a loopback TCP connection between two threads."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    payload = os.urandom(block)
    received = [0]

    def receive() -> None:
        conn, _ = listener.accept()
        buffer = bytearray(block)
        view = memoryview(buffer)
        with conn:
            while received[0] < total:
                count = conn.recv_into(view)
                if not count:
                    break
                received[0] += count

    thread = threading.Thread(target=receive)
    thread.start()
    start = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port)) as sender:
        sent = 0
        while sent < total:
            chunk = payload[: min(block, total - sent)]
            sender.sendall(chunk)
            sent += len(chunk)
        thread.join()
    seconds = time.perf_counter() - start
    listener.close()
    assert received[0] == total
    return seconds


# ---------------------------------------------------------------------------- 1. pull
def bench_pull(
    root: Path,
    url: str,
    item_count: int,
    item_size: int,
    profile_out: Path | None,
) -> tuple[list[float], int, Workspace]:
    manager = make_workspace(root, "manager")
    folder = root / "audio"
    folder.mkdir()
    for index in range(item_count):
        write_wav(folder / f"rec-{index:02d}.wav", item_size)
    items = manager.import_paths([folder])
    assert len(items) == item_count
    plan = PushPlan(
        project=PROJECT,
        track=AUDIO_TRACK,
        schema=load_preset("audio-conversation"),
        items=items,
        gold=[],
        per_batch=item_count,
        # Copies of one batch: one workstation per run, same objects on the server.
        redundancy=2,
    )
    start = time.perf_counter()
    push_items(manager, url, plan)
    push_s = time.perf_counter() - start
    total = sum(f.size for f in manifest_files(_first_manifest(manager)))
    print(f"  (setup: pushed {total / 1e6:,.0f} MB in {push_s:.1f} s)")
    seconds = []
    for run in range(2):
        station = make_workspace(root, f"ws{run}")
        join(station, manager, url, AUDIO_TRACK)
        config = load_config(station.profile)
        profiler = None
        if profile_out is not None and run == 1:
            from pyinstrument import Profiler  # optional, not a dependency

            profiler = Profiler(interval=0.002, async_mode="enabled")
            profiler.start()
        start = time.perf_counter()
        result = asyncio.run(sync_once(station.profile, config, pull=1, push=False))
        seconds.append(time.perf_counter() - start)
        if profiler is not None:
            profiler.stop()
            assert profile_out is not None
            profile_out.write_text(profiler.output_text(unicode=False, show_all=False))
            print(f"  (pyinstrument profile of run 2 written to {profile_out})")
        assert len(result.pulled) == 1, result
        assert len(station.tasks()) == item_count
        for item in station.items()[:1]:  # what the pull stored reads back right
            station.profile.blobs.verify(station.item_files(item.id)[0].digest)
    return seconds, total, manager


def _first_manifest(manager: Workspace) -> dict[str, Any]:
    from storage.models import QueueBatch

    with manager.profile.database.read() as session:
        row = session.query(QueueBatch).filter(QueueBatch.track == AUDIO_TRACK).first()
        assert row is not None
        return dict(row.manifest)


# ---------------------------------------------------------------------------- 2. results
def bench_results(root: Path, url: str, count: int) -> list[dict[str, float]]:
    manager = make_workspace(root, "notes-manager")
    station = make_workspace(root, "notes-ws")
    folder = root / "notes"
    folder.mkdir()
    for index in range(2 * count):
        write_clinical_note(
            folder / f"note-{index:04d}.txt",
            patient_name=f"Patient Zyxwv{index:04d}",
            patient_id=f"PID{index:06d}",
        )
    items = manager.import_paths([folder])
    per_batch = max(1, count // 5)
    plan = PushPlan(
        project=PROJECT,
        track=NOTES_TRACK,
        schema=load_preset("clinical-ner"),
        items=items,
        gold=[],
        per_batch=per_batch,
    )
    batches = push_items(manager, url, plan)
    join(station, manager, url, NOTES_TRACK)
    asyncio.run(
        sync_once(station.profile, load_config(station.profile), pull=len(batches), push=False)
    )
    tasks = station.tasks()
    assert len(tasks) == 2 * count, len(tasks)
    runs = []
    for run in range(2):
        chunk = tasks[run * count : (run + 1) * count]
        start = time.perf_counter()
        for task in chunk:
            file = station.item_files(task.item_id)[0]
            text = bytes(station.read_file(file)).decode()
            span = Annotation(
                task.item_id,
                "span",
                "problem",
                {"start": 0, "end": text.index(" ")},
                author=station.user,
            )
            stack = station.command_stack(task.item_id)
            stack.push(AddAnnotation(station.document(task.item_id), span))
        annotate_s = time.perf_counter() - start
        start = time.perf_counter()
        for task in chunk:
            submit_task(station.profile, task.id)
        submit_s = time.perf_counter() - start

        async def drain_all() -> int:
            async with jetstream(ServerAccess(url)) as (_client, js):
                return await drain(js, station.profile)

        start = time.perf_counter()
        sent = asyncio.run(drain_all())
        drain_s = time.perf_counter() - start
        assert sent == count, sent

        async def collect_all(out: Path = root / f"results-{run}") -> Any:
            async with jetstream(ServerAccess(url)) as (_client, js):
                return await collect(js, manager.profile, PROJECT, out)

        start = time.perf_counter()
        try:
            collected = asyncio.run(collect_all())
        except TimeoutError:
            # nats-py 2.16's fetch can raise a bare asyncio.TimeoutError, which receive()
            # does not catch (it catches nats.errors.TimeoutError); what was recorded stays
            # recorded, so a second collect finishes the job.
            print("  (collect raised a bare TimeoutError from nats-py fetch; collected again)")
            collected = asyncio.run(collect_all())
            collected.received = _recorded(manager) - run * count
        collect_s = time.perf_counter() - start
        assert collected.received == count and not collected.rejected, collected
        runs.append(
            {
                "annotate": annotate_s,
                "submit": submit_s,
                "drain": drain_s,
                "collect": collect_s,
            }
        )
    return runs


def _recorded(manager: Workspace) -> int:
    """Results the manager has recorded so far."""
    from storage.models import QueueResult

    with manager.profile.database.read() as session:
        return session.query(QueueResult).count()


# ---------------------------------------------------------------------------- 3. stages
def bench_stages(root: Path, url: str, manager: Workspace) -> list[tuple[str, str, str]]:
    """The real pull functions one by one on the pushed objects, twice.

    ``payloads.download`` is timed whole (fetch + open + verify); ``open_sealed`` and the
    plaintext SHA-256 are then timed on their own (on the object sealed again locally, same
    size), so the fetch share is what remains. ``blobs.put(sha256=)`` is what
    ``Checkout._download`` stores each object with.
    """
    manifest = _first_manifest(manager)
    files = manifest_files(manifest)
    total = sum(f.size for f in files)
    key = project_key(manager.profile, PROJECT)
    scratch = make_workspace(root, "stages")
    blobs = scratch.profile.blobs
    names = ("download", "open", "sha", "put")
    timings: dict[str, list[float]] = {name: [] for name in (*names, "fetch", "serial")}

    async def go() -> None:
        async with jetstream(ServerAccess(url)) as (_client, js):
            for _run in range(2):
                spent = dict.fromkeys(names, 0.0)
                for payload in files:
                    context = object_context(payload.digest)
                    t0 = time.perf_counter()
                    plain = await download(js, protocol.PAYLOAD_BUCKET, key, payload.digest)
                    t1 = time.perf_counter()
                    blobs.put(plain, sha256=payload.digest)
                    t2 = time.perf_counter()
                    _forget(scratch, payload.digest)
                    sealed = seal(key, plain, context)
                    del plain
                    t3 = time.perf_counter()
                    plain = open_sealed(key, sealed, context)
                    t4 = time.perf_counter()
                    assert hashlib.sha256(plain).hexdigest() == payload.digest
                    t5 = time.perf_counter()
                    del plain, sealed
                    spent["download"] += t1 - t0
                    spent["put"] += t2 - t1
                    spent["open"] += t4 - t3
                    spent["sha"] += t5 - t4
                for name, value in spent.items():
                    timings[name].append(value)
                timings["fetch"].append(spent["download"] - spent["open"] - spent["sha"])
                timings["serial"].append(spent["download"] + spent["put"])

    asyncio.run(go())
    rate = lambda name: _two(timings[name], lambda s: _mbs(total, s))  # noqa: E731
    secs = lambda name: _two(timings[name], lambda s: f"{s:.2f}s")  # noqa: E731
    return [
        ("payloads.download (fetch+open+verify)", rate("download"), secs("download")),
        ("  of which envelope.open_sealed", rate("open"), secs("open")),
        ("  of which SHA-256 of the plaintext", rate("sha"), secs("sha")),
        ("  of which object fetch (the rest)", rate("fetch"), secs("fetch")),
        ("blobs.put(sha256=digest)", rate("put"), secs("put")),
        ("download + put, one after another", rate("serial"), secs("serial")),
    ]


def _forget(workspace: Workspace, digest: str) -> None:
    """Remove a stored blob again so the next put really writes it."""
    from storage.models import BlobRecord

    path = workspace.profile.blobs.path_of(digest)
    path.unlink(missing_ok=True)
    with workspace.profile.database.write() as session:
        row = session.get(BlobRecord, digest)
        if row is not None:
            session.delete(row)


# ---------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> float:
    """Run the benchmark; returns the slower of the two pull runs in MB/s."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--stages", action="store_true", help="time each pull stage")
    parser.add_argument("--profile", type=Path, help="write a pyinstrument profile here")
    parser.add_argument("--results", type=int, help="results to submit (default 500)")
    args = parser.parse_args(argv)
    if NATS_SERVER is None:
        print(f"\n== Queue sync: skipped ({SKIP_REASON})")
        return 0.0
    item_count, item_size = (4, 16 * MIB) if args.quick else (8, 128 * MIB)
    notes = args.results or (50 if args.quick else 500)
    with tempfile.TemporaryDirectory(prefix="caliper-bench-sync-") as tmp:
        root = Path(tmp)
        with NatsServer(root / "nats") as server:
            pull_s, total, manager = bench_pull(
                root, server.url, item_count, item_size, args.profile
            )
            tcp_s = [tcp_copy(total) for _ in range(2)]
            ratio = [min(tcp_s) / s for s in pull_s]
            worst = total / max(pull_s) / 1e6
            report(
                f"Queue pull ({item_count} audio items, {total / 1e6:,.0f} MB, loopback; 2 runs)",
                [
                    ("plain TCP copy (2 threads)", _two(tcp_s, lambda s: _mbs(total, s)), "ref"),
                    (
                        "sync_once(pull=1)",
                        _two(pull_s, lambda s: _mbs(total, s)),
                        f"goal >= {GOAL_PULL_MBS:.0f} MB/s; "
                        f"{_two(ratio, lambda r: f'{r:.1%}')} of TCP",
                    ),
                ],
                "MET" if worst >= GOAL_PULL_MBS else "NOT MET",
            )
            runs = bench_results(root, server.url, notes)
            rows = []
            for name in ("annotate", "submit", "drain", "collect"):
                rows.append(
                    (f"{name} (results/s)", _two([notes / r[name] for r in runs], _per_s), "")
                )
            e2e = [notes / (r["submit"] + r["drain"] + r["collect"]) for r in runs]
            rows.append(("end to end submit+drain+collect", _two(e2e, _per_s), "results/s"))
            report(f"Results through submit -> drain -> collect ({notes} notes; 2 runs)", rows, "")
            if args.stages:
                stage_rows = bench_stages(root, server.url, manager)
                print(f"\n== Pull stages, same {total / 1e6:,.0f} MB (run 1 / run 2)")
                width = max(len(r[0]) for r in stage_rows)
                for name, rate, secs in stage_rows:
                    print(f"  {name:<{width}}  {rate:>24}  {secs}")
    return worst


def _per_s(value: float) -> str:
    return f"{value:,.0f}/s"


if __name__ == "__main__":
    main()
