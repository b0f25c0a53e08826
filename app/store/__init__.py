"""The SQLite cache: ``Store`` writes pages of a sync; ``queries`` reads sessions back."""

from app.store.cache import CacheError, Store
from app.store.queries import BadQuery, SessionFilter

__all__ = ["BadQuery", "CacheError", "SessionFilter", "Store"]
