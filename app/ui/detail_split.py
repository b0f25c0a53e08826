"""How the height is shared between the sessions table and the detail pane below it.

Until a session is first shown, the detail pane could only say "Select a session…": on a
1024×640 screen that empty pane took about 45% of the height and the table showed 8 rows.
Now the table has the whole height until a session is shown; then the pane opens at the
share of the height the user last gave it (by dragging the handle, remembered in the UI
state as ``detail_share``), or at ``DEFAULT_SHARE`` of it. A share, not pixels, so the
split suits a small window as well as a big one.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QSplitter

#: The detail pane's part of the height when the user has not chosen one (520:330 before).
DEFAULT_SHARE = 0.4
STATE_KEY = "detail_share"


class DetailSplit(QObject):
    """Keeps ``splitter`` (table above, detail pane below) as described above; the share
    is written into ``ui_state`` so the window saves it with the rest."""

    def __init__(self, splitter: QSplitter, ui_state: dict[str, Any]) -> None:
        super().__init__(splitter)
        self.splitter = splitter
        self.ui_state = ui_state
        self.waiting = True  # no session shown yet: the table has the height
        splitter.setChildrenCollapsible(True)
        splitter.splitterMoved.connect(self._moved)

    def start(self) -> None:
        """After the remembered splitter state is restored: take the user's share from it
        (a settings file older than ``detail_share``), then give the table the height."""
        saved = (self.ui_state.get("splitters") or {}).get(self.splitter.objectName())
        if STATE_KEY not in self.ui_state:
            sizes = self.splitter.sizes()
            share = sizes[1] / sum(sizes) if saved and sum(sizes) > 0 else DEFAULT_SHARE
            self.ui_state[STATE_KEY] = round(share, 3)
        self.splitter.setSizes([1, 0])

    @property
    def share(self) -> float:
        return float(self.ui_state.get(STATE_KEY, DEFAULT_SHARE))

    def session_shown(self) -> None:
        """The first session shown opens the pane at the remembered share."""
        if self.waiting:
            self.waiting = False
            total = sum(self.splitter.sizes()) or 1000  # not laid out yet: proportions
            detail = round(total * self.share)
            self.splitter.setSizes([total - detail, detail])

    def _moved(self, _position: int, _index: int) -> None:
        """The user dragged the handle: that share is theirs from now on (0: collapsed)."""
        self.waiting = False
        sizes = self.splitter.sizes()
        if sum(sizes) > 0:
            self.ui_state[STATE_KEY] = round(sizes[1] / sum(sizes), 3)
