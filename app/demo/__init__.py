"""Loopback simulators of the five vendor APIs, and the month of history they serve.

``histview demo`` and the tests run them; they follow the vendor documents in
``../shared/seeds/`` (paging, filters, auth, time formats, error bodies and quirks).
A regular package, not a namespace one, so tools that walk packages (PyInstaller's
``collect_submodules`` for the desktop bundle) find every simulator.
"""
