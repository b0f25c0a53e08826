"""The SQLite cache: ``Store`` writes pages of a sync; ``queries`` reads sessions back."""

from app.store.cache import CacheError, Store
from app.store.queries import BadQuery, SessionFilter
from app.store.upgrade import needs_migrating

__all__ = ["BadQuery", "CacheError", "SessionFilter", "Store", "needs_migrating"]
