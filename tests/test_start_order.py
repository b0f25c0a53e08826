"""Sessions of one second, sent with and without fractions, list and filter in time order.

BeyondTrust sends "…:26Z", Webex "…:26.916Z", Pexip "…:26.123456": as text, a whole second
sorted after its own fractions ('Z' > '.'), so the newest-first listing and a ``--from``
inside that second put such sessions in the wrong place (found by a CLI bug hunt).
"""

from __future__ import annotations

import json
import sqlite3

from app.model import Session
from app.settings import Settings
from app.store import Store
from tests.conftest import cache_before

STARTS = {  # session id: start, as its source wrote it
    "whole": "2026-11-18T19:40:26Z",
    "half": "2026-11-18T19:40:26.5Z",
    "late": "2026-11-18T19:40:26.916Z",
    "zeros": "2026-11-18T19:40:27.000000Z",
    "before": "2026-11-18T19:40:25.999999Z",
}


def fill(data_dir, starts: dict[str, str] = STARTS) -> None:
    store = Store(Settings(data_dir).cache_path)
    try:
        sessions = [Session(session_id=sid, type="support_session", title=sid, start=start)
                    for sid, start in starts.items()]
        store.write_page("bt", "beyondtrust", "support_session", {}, sessions=sessions)
    finally:
        store.close()


def listed(cli, *args: str) -> list[str]:
    result = cli("sessions", "--format", "json", "--limit", "0", *args)
    assert result.code == 0, result.err
    return [session["session_id"] for session in json.loads(result.out)]


def test_newest_first_is_in_time_order_whatever_the_precision(cli, data_dir):
    fill(data_dir)
    assert listed(cli) == ["zeros", "late", "half", "whole", "before"]


def test_from_and_to_inside_one_second_cut_at_the_instant(cli, data_dir):
    fill(data_dir)
    assert listed(cli, "--from", "2026-11-18T19:40:26.5Z") == ["zeros", "late", "half"]
    assert listed(cli, "--to", "2026-11-18T19:40:26.5Z") == ["whole", "before"]
    # A whole-second bound takes the sessions that started at that instant, however written.
    assert listed(cli, "--from", "2026-11-18T19:40:26Z", "--to", "2026-11-18T19:40:27Z") == [
        "late", "half", "whole"]
    assert listed(cli, "--from", "2026-11-18T19:40:27Z") == ["zeros"]


def test_a_cache_from_before_is_listed_in_time_order_through_its_index(cli, data_dir):
    rows = [{"source": "bt", "kind": "beyondtrust", "session_id": sid, "start_time": start,
             "type": "support_session", "title": sid} for sid, start in STARTS.items()]
    cache_before(Settings(data_dir).cache_path, "m012_start_indexes_in_time_order", *rows)

    assert listed(cli) == ["zeros", "late", "half", "whole", "before"]
    with sqlite3.connect(Settings(data_dir).cache_path) as conn:
        plan = " ".join(row[-1] for row in conn.execute(
            "EXPLAIN QUERY PLAN SELECT session_id FROM sessions "
            "ORDER BY rtrim(start_time, 'Z') DESC, source DESC, session_id DESC LIMIT 100"))
    # Walked in the index's order, not sorted: a million sessions list as fast as five.
    assert "idx_sessions_start" in plan and "TEMP B-TREE" not in plan
