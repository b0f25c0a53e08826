"""What the window remembers between runs, kept in the settings file's ``ui`` corner:
geometry, splitter positions, visible columns, their widths and their order (as the user
dragged them), last filters, sort, UTC.

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
    """Hidden, shown, widths and the visual order (hidden columns included, so a column
    shown again comes back where it was), all by key."""
    hidden = [k for i, k in enumerate(keys) if header.isSectionHidden(i)]
    shown = [k for i, k in enumerate(keys) if not header.isSectionHidden(i)]
    widths = {k: header.sectionSize(i) for i, k in enumerate(keys)
              if not header.isSectionHidden(i)}
    order = [keys[header.logicalIndex(visual)] for visual in range(header.count())]
    return {"hidden": hidden, "shown": shown, "widths": widths, "order": order}


def merge_order(first: list[str], second: list[str]) -> list[str]:
    """``first`` as it is, with each key only ``second`` has put right after the key that
    precedes it in ``second`` (or at the front): a key one list lacks keeps its place
    beside its neighbours instead of going to the end."""
    merged = list(first)
    for position, key in enumerate(second):
        if key not in merged:
            after = merged.index(second[position - 1]) + 1 if position else 0
            merged.insert(after, key)
    return merged


def merge_columns(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """``new`` column choices over ``old`` ones; a column ``new`` does not know (an extra
    column absent from the cache for now) keeps its ``old`` choice and place."""
    known = {*new["hidden"], *new["shown"]}
    return {"hidden": [k for k in old.get("hidden", []) if k not in known] + new["hidden"],
            "shown": [k for k in old.get("shown", []) if k not in known] + new["shown"],
            "widths": {**old.get("widths", {}), **new["widths"]},
            "order": merge_order(new.get("order", []), old.get("order", []))}


def apply_columns(header: QHeaderView, keys: list[str], defaults: list[bool],
                  state: dict[str, Any]) -> None:
    """Show/hide, size and order columns: remembered choices first, the defaults for new
    ones."""
    hidden, shown = set(state.get("hidden", [])), set(state.get("shown", []))
    widths = state.get("widths", {})
    for index, key in enumerate(keys):
        visible = key in shown or (key not in hidden and defaults[index])
        header.setSectionHidden(index, not visible)
        if key in widths:
            header.resizeSection(index, int(widths[key]))
    apply_order(header, keys, state.get("order") or [])


def apply_order(header: QHeaderView, keys: list[str], order: list[str]) -> None:
    """Move sections so the remembered keys come in the remembered order; keys gone since
    are ignored, and a new column sits after the column it follows by default. No
    remembered order (an older settings file) leaves the header as it is."""
    if not order:
        return
    known = set(keys)
    target = merge_order(list(dict.fromkeys(k for k in order if k in known)), keys)
    for visual, key in enumerate(target):
        header.moveSection(header.visualIndex(keys.index(key)), visual)


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


def capture(window: Any) -> dict[str, Any]:
    """Everything the main window remembers, merged into its existing ``ui`` state."""
    state = dict(window.ui_state)
    state.update({
        "geometry": encode(window.saveGeometry()),
        "splitters": save_splitters([window.main_split, window.detail_split]),
        "columns": window.table.column_state(),
        "filters": window.filter_bar.state(),
        "sort": list(window.model.sort_key),
        "utc": window.utc_action.isChecked(),
        "detail_tab": window.detail.tabs.currentIndex(),
    })
    return state


def restore(window: Any, state: dict[str, Any]) -> None:
    """Put back filters, geometry, splitters, the UTC choice and the detail tab (columns
    and sort are restored by the table and the model as they are built)."""
    window.filter_bar.restore(state.get("filters") or {})
    restore_geometry(window, state.get("geometry"))
    restore_splitters([window.main_split, window.detail_split], state.get("splitters") or {})
    if state.get("utc"):
        window.utc_action.setChecked(True)
    window.detail.tabs.setCurrentIndex(int(state.get("detail_tab") or 0))
