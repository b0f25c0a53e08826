"""Microsoft Graph and Webex sync speed: a first and a second sync against each simulator.

The Graph simulator serves 90 days of PSTN and Direct Routing call logs over TLS (a
throwaway CA), the Webex one a month of events; both answer after ``--latency`` seconds,
like a cloud API some tens of milliseconds away. The second sync shows what an incremental
sync costs (Graph re-reads its one-day overlap for late rows).
Run: ``python benchmarks/sync_cloud.py [--latency 0.05]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.demo.msgraph import start_graph
from app.demo.webex import WebexSimulator
from app.model import SourceConfig
from app.sync import sync_sources


def twice(label: str, cache: Path, config: SourceConfig, secret: str, sim) -> None:
    for which in ("first", "second"):
        began, sent = time.perf_counter(), len(sim.requests)
        [result] = sync_sources(cache, [config], secret_for=lambda c: secret)
        if not result.ok:
            raise SystemExit(f"{label} sync failed: {result.error}")
        print(f"{label} {which} sync: {result.items:,} items, {len(sim.requests) - sent} "
              f"requests, {time.perf_counter() - began:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        graph, ca = start_graph(work, days=90, latency_s=args.latency)
        config = SourceConfig("graph", "msgraph", graph.url,
                              {"tenant_id": graph.tenant_id, "client_id": graph.client_id,
                               "login_url": graph.url}, ca_bundle=str(ca))
        twice("msgraph", work / "cache.db", config, graph.client_secret, graph)
        graph.stop()
        webex = WebexSimulator(days=30, latency_s=args.latency)
        webex.start()
        twice("webex", work / "cache.db", SourceConfig("webex", "webex", webex.url),
              webex.token, webex)
        webex.stop()
    print(f"(simulated latency {args.latency * 1000:.0f} ms per request)")


if __name__ == "__main__":
    main()
