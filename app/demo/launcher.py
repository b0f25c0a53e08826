"""``histview demo``: the five simulators on loopback, registered and synced, then the window.

The demo has a data folder of its own (``app.settings.demo_data_dir()`` beside the real
one, or ``--data-dir``), so a demo never mixes with real history. Each simulator module is
imported on its own: a kind whose simulator or source is not installed is skipped with a
warning, and the demo runs with the others. The simulators live as long as this process,
so they keep answering while the window is open (a second Sync works too).
No Qt here: the window is imported only when it is about to open.
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path
from typing import TextIO

from app import registry
from app.credentials import KeyringUnavailable
from app.demo.server import DemoSource
from app.model import KINDS, SourceConfig
from app.settings import Settings, demo_data_dir
from app.store import Store
from app.store.queries import SessionFilter, count_sessions
from app.sync import Progress, SourceResult, sync_sources


def start_simulators(workdir: Path, warn: TextIO) -> list[DemoSource]:
    """Start every simulator that is installed; warn about (and skip) the others."""
    started = []
    for kind in KINDS:
        module = _demo_module(kind, warn)
        if module is None:
            continue
        try:
            started.append(module.start_demo(workdir / kind, f"{kind}-demo"))
        except Exception as error:
            print(f"warning: the {kind} simulator did not start: {error}", file=warn)
    return started


def _demo_module(kind: str, warn: TextIO):
    for name in (f"app.demo.{kind}", f"app.sources.{kind}"):
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            print(f"warning: skipping {kind}: {name} is not installed", file=warn)
            return None
    return importlib.import_module(f"app.demo.{kind}")


def register(data_dir: Path, demos: list[DemoSource]) -> list[SourceConfig]:
    """Add (or re-point) each simulator as a source; its secret goes to the keyring."""
    configs = []
    for demo in demos:
        config = SourceConfig(demo.name, demo.kind, demo.url, dict(demo.options),
                              ca_bundle=demo.ca_bundle)
        registry.add_source(data_dir, config, demo.secret)
        configs.append(config)
    return configs


class ProgressPrinter:
    """Plain progress lines on stderr: a source's first page of each resource, then at
    most one line a second (a terminal is not a log)."""

    def __init__(self, stream: TextIO, interval_s: float = 1.0) -> None:
        self.stream = stream
        self.interval_s = interval_s
        self.last: dict[str, tuple[str, float]] = {}

    def __call__(self, progress: Progress) -> None:
        now = time.monotonic()
        resource, when = self.last.get(progress.source, ("", 0.0))
        if resource == progress.resource and now - when < self.interval_s:
            return
        self.last[progress.source] = (progress.resource, now)
        total = f" of {progress.total}" if progress.total else ""
        print(f"  {progress.source}: {progress.resource} {progress.items}{total} items, "
              f"{progress.pages} pages", file=self.stream, flush=True)

    def done(self, result: SourceResult) -> None:
        state = "ok" if result.ok else f"FAILED: {result.error}"
        print(f"  {result.source}: {result.items} items in {result.pages} pages — {state}",
              file=self.stream, flush=True)


def summary_table(data_dir: Path, results: list[SourceResult]) -> str:
    """Sessions per source, as the demo leaves the cache."""
    store = Store(Settings(data_dir).cache_path)
    try:
        counts = {r.source: count_sessions(store.db.conn, SessionFilter(source=r.source))
                  for r in results}
    finally:
        store.close()
    rows = [("SOURCE", "SESSIONS", "STATUS")]
    for result in results:
        status = "ok" if result.ok else ("cancelled" if result.cancelled else
                                         f"failed: {result.error}")
        rows.append((result.source, str(counts[result.source]), status))
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    lines = [f"{r[0]:<{widths[0]}}  {r[1]:>{widths[1]}}  {r[2]}" for r in rows]
    return "\n".join(lines) + "\n"


def run_demo(data_dir: Path | None, no_gui: bool, out: TextIO) -> int:
    """Start, register, sync; then open the window (or print a summary with ``no_gui``).

    Returns 0 when every started simulator synced, 1 when some part failed (including no
    simulator at all, or no usable keyring).
    """
    data_dir = Path(data_dir) if data_dir else demo_data_dir()
    err = sys.stderr
    demos = start_simulators(data_dir / "simulators", err)
    if not demos:
        print("error: no simulator is installed; nothing to demo", file=err)
        return 1
    try:
        return _run(data_dir, demos, no_gui, out, err)
    finally:
        for demo in demos:
            demo.simulator.stop()


def _run(data_dir: Path, demos: list[DemoSource], no_gui: bool, out: TextIO,
         err: TextIO) -> int:
    try:
        configs = register(data_dir, demos)
    except (registry.RegistryError, KeyringUnavailable) as error:
        print(f"error: {error}", file=err)
        return 1
    print(f"demo data folder: {data_dir}", file=err)
    print(f"syncing {len(configs)} simulated sources…", file=err, flush=True)
    printer = ProgressPrinter(err)
    results = sync_sources(Settings(data_dir).cache_path, configs,
                           registry.secret_lookup(data_dir), progress=printer)
    for result in results:
        printer.done(result)
    code = 0 if all(r.ok for r in results) else 1
    if no_gui:
        out.write(summary_table(data_dir, results))
        return code
    from app.ui.app import run_gui  # Qt only when the window opens

    return run_gui(data_dir)
