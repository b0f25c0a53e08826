"""histview: a desktop viewer over a local cache of support history from five vendor APIs."""

__version__ = "0.1.0"
