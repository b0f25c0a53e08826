"""Everything Qt: the main window and its parts. Nothing outside this package imports Qt.

The window is a face over the same core the command line uses (``app.store.queries``,
``app.sync``, ``app.registry``, ``app.export``); it never talks to a vendor itself.
"""
