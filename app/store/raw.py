"""Raw tables: every document a vendor sent, kept whole, with its fields as columns.

A JSON document (``model.RawDocument``) is stored as text in ``raw_<kind>_<resource>``
(``_source``, ``_id``, ``_doc``), and the view ``raw_<kind>_<resource>_flat`` shows each of
its top-level fields as a column read from that text (nested values as JSON text). Copying
the fields into columns at write time, stored or generated, cost a Pexip sync a quarter of
its time: SQLite computes generated columns on every insert, and stored ones double the
bytes written. A view costs nothing until someone reads it.

Documents that are not JSON (BeyondTrust's XML) come as records whose fields the source
already flattened to scalars; those fields are stored as columns of the raw table itself.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable
from typing import Any

from sqlite_utils import Database

from app import jsontext
from app.model import RawDocument
from app.store.sql import upsert

RAW_TABLE = ("CREATE TABLE IF NOT EXISTS [{table}] "
             "(_source TEXT, _id TEXT, _doc TEXT, PRIMARY KEY (_source, _id))")
#: The raw table's own columns, which no vendor field may take.
_OWN = ("_source", "_id", "_doc")


def raw_table_name(kind: str, resource: str) -> str:
    return "raw_" + re.sub(r"[^a-z0-9_]", "_", f"{kind}_{resource}".lower())


def flat_view_name(table: str) -> str:
    return f"{table}_flat"


def define_flat_view(db: Database, table: str, fields: Iterable[str]) -> None:
    """(Re)define the table's view with a column per usable field, in the order given."""
    taken = set(_OWN)
    columns = []
    for name in fields:
        if usable_field(name) and name.lower() not in taken:
            taken.add(name.lower())
            columns.append(f", json_extract(_doc, '$.\"{name}\"') AS \"{name}\"")
    view = flat_view_name(table)
    db.execute(f"DROP VIEW IF EXISTS [{view}]")
    db.execute(f"CREATE VIEW [{view}] AS SELECT _source, _id{''.join(columns)}, _doc FROM [{table}]")


def usable_field(name: str) -> bool:
    """A field name that can be a column and a JSON path; odd ones stay in ``_doc`` alone."""
    return bool(name) and not any(c in name for c in '"[]`')


class RawTables:
    """Writes raw documents and records for one connection, remembering each table's columns.

    Column names are compared lower-cased: SQLite's names ignore case, so of two fields that
    differ only by case the second is left to ``_doc``.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._columns: dict[str, dict[str, str]] = {}

    def write(self, source: str, table: str,
              records: list[RawDocument] | list[dict[str, Any]]) -> None:
        if not records:
            return
        if isinstance(records[0], RawDocument):
            self._write_documents(source, table, records)  # type: ignore[arg-type]
        else:
            self._write_records(source, table, records)  # type: ignore[arg-type]

    def _write_documents(self, source: str, table: str, documents: list[RawDocument]) -> None:
        fields: dict[str, Any] = {}
        for document in documents:
            fields.update(document.doc)  # only the keys matter; update() is the fast union
        known = self._known(table, flat_view_name(table))
        new = [name for name in fields if name.lower() not in known and usable_field(name)]
        if new:
            known.update((name.lower(), name) for name in new)
            define_flat_view(self.db, table, [n for n in known.values() if n not in _OWN])
        rows = [(source, document.key, jsontext.dumps(document.doc)) for document in documents]
        upsert(self.db.conn, table, _OWN, ("_source", "_id"), rows)

    def _write_records(self, source: str, table: str, records: list[dict[str, Any]]) -> None:
        known = self._known(table, table)
        columns = list(dict.fromkeys(k for record in records for k in record))
        for column in columns:
            if column.lower() not in known:
                self.db[table].add_column(column)
                known[column.lower()] = column
        rows = [(source, *(_cell(record.get(c)) for c in columns)) for record in records]
        upsert(self.db.conn, table, ("_source", *columns), ("_source", "_id"), rows)

    def _known(self, table: str, columns_of: str) -> dict[str, str]:
        """The columns of ``columns_of`` (the table or its view), making the table if new."""
        known = self._columns.get(table)
        if known is None:
            self.db.execute(RAW_TABLE.format(table=table))
            names = [row[1] for row in self.db.execute(f"PRAGMA table_info([{columns_of}])")]
            known = self._columns[table] = {name.lower(): name for name in names}
            known.update((name, name) for name in _OWN)
        return known


def _cell(value: Any) -> Any:
    """A vendor value as an SQLite cell: nested structures as JSON text."""
    if isinstance(value, (dict, list, tuple)):
        return jsontext.dumps(value)
    return value  # sqlite3 stores str, int (bool included), float, bytes and None as they are


def documents_by_key(conn: sqlite3.Connection, kind: str, source: str,
                     keys: list[str]) -> dict[str, list[tuple[str, dict[str, Any] | str]]]:
    """The raw documents of one source stored under any of ``keys``, in every raw table of
    its kind: ``{key: [(resource, document), ...]}``.

    A normalized event keeps only what the timeline and search need; its vendor document
    (a Pexip participant with every media stream's counters, a Restcomm trace with its
    headers and bodies) is in a raw table under the same id. Looking there by key lets the
    window show it without knowing which vendor keeps what where. A JSON document comes
    back parsed (its text when it will not parse); a record of stored columns as a dict.
    """
    found: dict[str, list[tuple[str, dict[str, Any] | str]]] = {}
    if not keys:
        return found
    prefix = raw_table_name(kind, "")
    tables = [row[0] for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, ?) = ?",
        (len(prefix), prefix)) if "_fts" not in row[0]]
    wanted = json.dumps(keys)
    for table in sorted(tables):
        cursor = conn.execute(f"SELECT * FROM [{table}] WHERE _source = ? AND _id IN "
                              "(SELECT value FROM json_each(?))", (source, wanted))
        names = [column[0] for column in cursor.description]
        for row in cursor:
            record = dict(zip(names, row, strict=True))
            found.setdefault(str(record["_id"]), []).append(
                (table[len(prefix):], _document(record)))
    return found


def _document(record: dict[str, Any]) -> dict[str, Any] | str:
    if "_doc" not in record:
        return {k: v for k, v in record.items() if k not in ("_source", "_id")}
    try:
        return json.loads(record["_doc"])
    except (TypeError, ValueError):
        return str(record["_doc"])
