"""What the window remembers between runs, kept in the settings file's ``ui`` corner:
geometry, splitter positions, visible columns and their widths, last filters, sort, UTC.

Columns are remembered by key, not position, because a kind's extra columns come and go
as sources are added.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QByteArray
from PySide6.QtWidgets import QHeaderView, QSplitter, QWidget


def encode(data: QByteArray) -> str:
    return bytes(data.toBase64().data()).decode("ascii")


def decode(text: str | None) -> QByteArray | None:
    if not text:
        return None
    return QByteArray.fromBase64(text.encode("ascii"))


def column_state(header: QHeaderView, keys: list[str]) -> dict[str, Any]:
    hidden = [k for i, k in enumerate(keys) if header.isSectionHidden(i)]
    shown = [k for i, k in enumerate(keys) if not header.isSectionHidden(i)]
    widths = {k: header.sectionSize(i) for i, k in enumerate(keys)
              if not header.isSectionHidden(i)}
    return {"hidden": hidden, "shown": shown, "widths": widths}


def apply_columns(header: QHeaderView, keys: list[str], defaults: list[bool],
                  state: dict[str, Any]) -> None:
    """Show/hide and size columns: remembered choices first, the defaults for new ones."""
    hidden, shown = set(state.get("hidden", [])), set(state.get("shown", []))
    widths = state.get("widths", {})
    for index, key in enumerate(keys):
        visible = key in shown or (key not in hidden and defaults[index])
        header.setSectionHidden(index, not visible)
        if key in widths:
            header.resizeSection(index, int(widths[key]))


def save_splitters(splitters: list[QSplitter]) -> dict[str, str]:
    return {s.objectName(): encode(s.saveState()) for s in splitters}


def restore_splitters(splitters: list[QSplitter], state: dict[str, str]) -> None:
    for splitter in splitters:
        data = decode(state.get(splitter.objectName()))
        if data is not None:
            splitter.restoreState(data)


def restore_geometry(window: QWidget, text: str | None) -> bool:
    data = decode(text)
    return bool(data is not None and window.restoreGeometry(data))
