"""Run a Pexip simulator in its own process (so the client under test has the CPU to itself)."""

from __future__ import annotations

import multiprocessing
import time


def _serve(queue: multiprocessing.Queue, conferences: int, latency_s: float) -> None:
    from app.demo.pexip import PexipSimulator

    sim = PexipSimulator(conferences=conferences, latency_s=latency_s, alarms=0)
    queue.put((sim.start(), sim.username, sim.password,
               len(sim.conference_ids()), len(sim.participant_ids())))
    while True:
        time.sleep(3600)


def start(conferences: int, latency_s: float) -> tuple[multiprocessing.Process, tuple]:
    queue: multiprocessing.Queue = multiprocessing.Queue()
    process = multiprocessing.Process(target=_serve, args=(queue, conferences, latency_s),
                                      daemon=True)
    process.start()
    return process, queue.get(timeout=300)
