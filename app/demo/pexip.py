"""A loopback Pexip Infinity management node: the history API as the seed describes it.

Basic auth; Tastypie envelope (``meta.limit/next/offset/previous/total_count``) with the
default page of 20 and a ceiling of 10,000; the documented filters (``__gte``, ``__gt``,
``__lt``, ``__lte`` on times, ``conference=``, ``media_streams__tx|rx_packet_loss__gte``,
``order_by`` with ``-`` for descending); naive UTC times; and the 10,000-conference retention
that deletes the oldest conference and its participants as each new one ends. With
``churn_per_request`` it ends new conferences *during* a crawl, as a busy node does.
"""

from __future__ import annotations

import threading
import urllib.parse
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.demo.pexip_data import API, HistoryGenerator, quality_readings
from app.demo.pexip_seed import seed_examples
from app.demo.server import DemoSource, Request, Response, Simulator

RETENTION = 10_000
DEFAULT_LIMIT = 20
MAX_LIMIT = 10_000
TIME_FIELDS = ("start_time", "end_time", "time_raised", "time_lowered")


def _parse(value: str) -> datetime:
    """A naive UTC time. Pexip filters take naive UTC (samples/pexip.md, "Filters /
    ordering"); a value with an offset is taken as that moment in UTC rather than compared
    with the naive stored times, which Python refuses (a 500 before)."""
    moment = datetime.fromisoformat(value)
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


class _Table:
    """Rows of one resource with their times parsed once, for fast filtering."""

    def __init__(self) -> None:
        self.rows: dict[str, tuple[dict, dict[str, datetime]]] = {}

    def put(self, obj: dict) -> None:
        times = {f: _parse(obj[f]) for f in TIME_FIELDS if obj.get(f)}
        self.rows[str(obj["id"])] = (obj, times)

    def delete(self, key: str) -> None:
        self.rows.pop(key, None)


class PexipSimulator(Simulator):
    def __init__(self, *, conferences: int = 300, end: datetime | None = None, seed: int = 7,
                 username: str = "admin", password: str = "pexip-demo-password",
                 include_seed_examples: bool = False, retention: int = RETENTION,
                 latency_s: float = 0.0, alarms: int = 25) -> None:
        super().__init__(latency_s=latency_s)
        self.username, self.password = username, password
        self.retention = retention
        self.churn_per_request = 0
        self.generator = HistoryGenerator(seed)
        self.clock = end or datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
        self.conferences, self.participants, self.alarms = _Table(), _Table(), _Table()
        self.order: list[str] = []  # conference ids, oldest first: retention deletes from here
        self.deleted: set[str] = set()
        #: Objects added to every list answer of a resource, as they are: a test's odd rows
        #: (no id, unreadable times) among the real ones.
        self.odd_objects: dict[str, list] = {}
        self._data_lock = threading.RLock()
        self._version = 0  # bumped on every change; keys the query cache
        self._query_cache: dict[tuple, list] = {}
        examples = seed_examples() if include_seed_examples else []
        for conference, participants in examples + self.generator.month(self.clock, conferences):
            self._add(conference, participants)
        for alarm in self.generator.alarms(self.clock, alarms):
            self.alarms.put(alarm)

    # -- history changes ------------------------------------------------------------------------

    def _add(self, conference: dict, participants: list[dict]) -> None:
        with self._data_lock:
            self._version += 1
            self.conferences.put(conference)
            self.order.append(conference["id"])
            for participant in participants:
                self.participants.put(participant)
            while len(self.order) > self.retention:
                self._delete_oldest()

    def _delete_oldest(self) -> None:
        oldest = self.order.pop(0)
        conference = self.conferences.rows[oldest][0]
        self.conferences.delete(oldest)
        self.deleted.add(oldest)
        for uri in conference["participants"]:
            self.participants.delete(uri.rstrip("/").rsplit("/", 1)[-1])
        # Participants the conference row does not list (the seed's are inconsistent).
        for key, (obj, _) in list(self.participants.rows.items()):
            if obj["conference"].rstrip("/").endswith(oldest):
                self.participants.delete(key)

    def end_conferences(self, count: int) -> list[str]:
        """End ``count`` new conferences now (advancing the node's clock); returns their ids."""
        ids = []
        with self._data_lock:
            for _ in range(count):
                self.clock += timedelta(seconds=37)
                conference, participants = self.generator.next_conference(self.clock)
                self._add(conference, participants)
                ids.append(conference["id"])
        return ids

    def conference_ids(self) -> set[str]:
        with self._data_lock:
            return set(self.order)

    def participant_ids(self) -> set[str]:
        with self._data_lock:
            return set(self.participants.rows)

    # -- HTTP --------------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        if request.basic_auth() != (self.username, self.password):
            return self.unauthorized()
        if not request.path.startswith(API):
            return Response.text("Not found", 404, "text/html")
        parts = request.path[len(API):].strip("/").split("/")
        if self.churn_per_request and parts[0] in ("conference", "participant"):
            self.end_conferences(self.churn_per_request)
        table = {"conference": self.conferences, "participant": self.participants,
                 "alarm": self.alarms}.get(parts[0])
        if table is None:
            return Response.text("Not found", 404, "text/html")
        if len(parts) == 3 and parts[0] == "participant" and parts[2] == "media_stream":
            return self._media_streams(parts[1], request)
        if len(parts) == 2:
            return self._one(table, parts[1])
        return self._list(table, request)

    def _one(self, table: _Table, key: str) -> Response:
        with self._data_lock:
            row = table.rows.get(key)
        if row is None:
            return Response.json({"error": "not found"}, 404)
        obj = dict(row[0])
        if "call_quality" in obj:  # single-object GETs add the quality history (seed note)
            obj["historic_call_quality"] = quality_readings(obj)
            obj["bucketed_call_quality"] = [obj["historic_call_quality"].count(level)
                                            for level in range(5)]
        return Response.json(obj)

    def _media_streams(self, key: str, request: Request) -> Response:
        with self._data_lock:
            row = self.participants.rows.get(key)
        streams = row[0]["media_streams"] if row else []
        return Response.json(_envelope(request, streams, len(streams), 0, len(streams) or 20))

    def _list(self, table: _Table, request: Request) -> Response:
        try:
            limit = min(int(request.arg("limit", DEFAULT_LIMIT)), MAX_LIMIT) or MAX_LIMIT
            offset = int(request.arg("offset", 0))
            with self._data_lock:
                rows = self._matching(table, request.query)
                objects = [obj for obj, _ in rows[offset:offset + limit]]
                objects += self.odd_objects.get(request.path[len(API):].split("/")[0], [])
                total = len(rows)
        except ValueError as error:
            return Response.json({"error": f"Invalid filter: {error}"}, 400)
        return Response.json(_envelope(request, objects, total, offset, limit))

    def _matching(self, table: _Table, query: dict[str, list[str]]) -> list:
        """Filtered and ordered rows, remembered until the history changes: a real node
        pages from database indexes, so paging must not cost a full sort per page here."""
        key = (id(table), self._version, tuple(sorted(
            (k, tuple(v)) for k, v in query.items() if k not in ("limit", "offset"))))
        rows = self._query_cache.get(key)
        if rows is None:
            rows = _ordered(_filtered(list(table.rows.values()), query),
                            query.get("order_by", []))
            if len(self._query_cache) > 16:
                self._query_cache.clear()
            self._query_cache[key] = rows
        return rows

    def unauthorized(self) -> Response:
        return Response(401, b"Authorization Required",
                        {"WWW-Authenticate": 'Basic realm="Pexip"', "Content-Type": "text/html"})

    def malformed_body(self) -> Response:
        return Response(200, b'{"meta": {"limit": 1000, "next": null, "offset": 0, "tot',
                        {"Content-Type": "application/json"})


def _envelope(request: Request, objects: list, total: int, offset: int, limit: int) -> dict:
    def link(new_offset: int) -> str:
        query = {k: v[-1] for k, v in request.query.items()}
        query.update(limit=str(limit), offset=str(new_offset))
        return f"{request.path}?{urllib.parse.urlencode(query)}"

    return {
        "meta": {"limit": limit, "offset": offset, "total_count": total,
                 "next": link(offset + limit) if offset + limit < total else None,
                 "previous": link(max(offset - limit, 0)) if offset > 0 else None},
        "objects": objects,
    }


_OPS = {"gte": lambda a, b: a >= b, "gt": lambda a, b: a > b, "lt": lambda a, b: a < b,
        "lte": lambda a, b: a <= b}
_IGNORED = {"limit", "offset", "order_by", "format"}


def _filtered(rows: list[tuple[dict, dict]], query: dict[str, list[str]]) -> list:
    for name, values in query.items():
        if name in _IGNORED:
            continue
        rows = [r for r in rows if _matches(r, name, values[-1])]
    return rows


def _matches(row: tuple[dict, dict], name: str, value: str) -> bool:
    obj, times = row
    field, _, op = name.partition("__")
    if field == "media_streams":  # media_streams__tx_packet_loss__gte=0.5
        stat, _, op = op.partition("__")
        return any(_OPS[op](float(s.get(stat) or 0), float(value))
                   for s in obj.get("media_streams") or [])
    if field == "conference" and not op:
        return obj.get("conference", "").rstrip("/").rsplit("/", 1)[-1] == value.rstrip(
            "/").rsplit("/", 1)[-1]
    if field in TIME_FIELDS and op in _OPS:
        return field in times and _OPS[op](times[field], _parse(value))
    if op == "icontains":
        return value.lower() in str(obj.get(field, "")).lower()
    if op == "contains":
        return value in str(obj.get(field, ""))
    if not op:
        return str(obj.get(field)).lower() == value.lower()
    raise ValueError(f"unsupported lookup {name!r}")


def _ordered(rows: list, order_by: list[str]) -> list:
    """Sort by each ``order_by`` field (``-`` descending), ties by id: a stable order."""
    if not order_by:
        return sorted(rows, key=lambda r: str(r[0]["id"]))
    field = order_by[-1]
    descending = field.startswith("-")
    field = field.lstrip("-")
    far = datetime.min

    def key(row: tuple) -> tuple:
        obj, times = row
        if field in TIME_FIELDS:
            return times.get(field, far), str(obj["id"])
        value = obj.get(field)
        # Numbers sort as numbers (durations: 1007 before 10067), as the database does.
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        return (0, value, "") if number else (1, 0, str(value)), str(obj["id"])

    return sorted(rows, key=key, reverse=descending)


def start_demo(workdir: Path, name: str = "pexip-demo") -> DemoSource:
    sim = PexipSimulator(conferences=900, seed=11)
    url = sim.start()
    return DemoSource(sim, "pexip", name, url, {"username": sim.username}, sim.password)



