"""The Qt binding itself: a fault in it ends every long session, so it is checked here."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    changed = Signal(int)


def test_emitting_a_signal_keeps_pythons_true_alive(qapp):
    """PySide6 6.12.0 returned True from emit() without a reference: every emit took one
    from True, and after a few thousand the interpreter aborted at exit (bool_dealloc)."""
    emitter = _Emitter()
    before = sys.getrefcount(True)
    for _ in range(100):
        emitter.changed.emit(1)
    assert sys.getrefcount(True) >= before - 5
