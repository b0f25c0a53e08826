"""Registering, testing and forgetting sources: what the CLI and the Sources dialog share.

The order of writes matters: a secret goes to the keyring before the source appears in the
settings (a source without its secret would fail every sync), and on removal the settings
entry goes first (a stale secret is harmless; a source whose secret was deleted is not).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app import credentials
from app.model import KINDS, SourceConfig, option_flag
from app.settings import Settings
from app.sources import create_source, source_class
from app.sources.base import OptionProblem, Source
from app.store import Store
from app.sync_lock import sync_running
from app.urls import check_url


class RegistryError(ValueError):
    """Bad input from the user (unknown kind, missing option, bad URL): nothing written."""


class OptionError(RegistryError):
    """A kind's option missing or out of range. ``str()`` names it as the command line
    does (``--page-size``); ``option`` and ``problem`` let a form name its own field."""

    def __init__(self, option: str, problem: str) -> None:
        super().__init__(f"{option_flag(option)} {problem}")
        self.option, self.problem = option, problem


def data_key(data_dir: Path) -> str:
    """Which data folder a keyring entry belongs to (the demo and real folders differ)."""
    return str(Path(data_dir).resolve())


def validate(config: SourceConfig) -> SourceConfig:
    if config.kind not in KINDS:
        raise RegistryError(f"unknown kind {config.kind!r} (known: {', '.join(KINDS)})")
    if not config.name:
        raise RegistryError("a source needs a name")
    # No comma either: ``export --ids SOURCE:ID,...`` splits on commas, so a source named
    # "a,b" could never be exported by id.
    if any(c in config.name for c in "/\\:,") or config.name.startswith("-"):
        raise RegistryError(f"invalid source name {config.name!r} (no / \\ : or comma, and "
                            "not starting with -)")
    cls = source_class(config.kind)
    if not config.url and cls.default_url:
        config.url = cls.default_url
    for option in cls.options:
        if not config.options.get(option):
            raise OptionError(option, f"is required for a {config.kind} source")
    for option, (lowest, highest) in cls.whole_number_options.items():
        _check_whole_number(config.options, option, lowest, highest)
    if not config.url:
        raise OptionError("url", f"is required for a {config.kind} source")
    config.url = _checked_url("url", config.url)
    for option in cls.url_options:  # msgraph's --login-url gets the secret too
        if config.options.get(option):
            config.options[option] = _checked_url(option, config.options[option])
    try:
        cls.check_options(config.options)
    except OptionProblem as problem:
        raise OptionError(problem.option, problem.problem) from None
    if config.ca_bundle:
        config.ca_bundle = str(check_ca_bundle(Path(config.ca_bundle)))
    return config


def _checked_url(option: str, url: str) -> str:
    """``check_url`` at save time, naming the option: a plain-http login URL refused here,
    not at the first sync, where it failed with exit 1 and no word of which option."""
    try:
        return check_url(url)
    except ValueError as error:
        raise OptionError(option, str(error)) from None


def _check_whole_number(options: dict, option: str, lowest: int, highest: int) -> None:
    value = options.get(option)
    if value in (None, ""):
        return
    text = str(value).strip()
    if not text.isdigit() or not lowest <= int(text) <= highest:
        raise OptionError(option, f"must be a whole number from {lowest:,} to {highest:,}, "
                                  f"not {text[:20]!r}")
    options[option] = str(int(text))


def check_ca_bundle(path: Path) -> Path:
    """A PEM file with at least one certificate: anything else would fail every request
    with an SSL error that names no file."""
    try:
        text = path.read_bytes()[:4_000_000]
    except OSError as error:
        raise RegistryError(f"CA bundle {path}: {error.strerror or 'cannot be read'}") from None
    if b"-----BEGIN CERTIFICATE-----" not in text:
        raise RegistryError(f"CA bundle {path} holds no PEM certificate "
                            "(-----BEGIN CERTIFICATE-----)")
    return path.resolve()


def keep_unstated(data_dir: Path, config: SourceConfig) -> list[str]:
    """``source add`` on a source that exists keeps what the command does not restate, and
    says so (the returned ``--option value`` list). Before, it replaced the whole entry:
    rotating a password without repeating ``--ca-bundle`` dropped the bundle, and every sync
    then failed TLS verification with no word of why.

    An option given empty (``--page-size ""``, ``--ca-bundle ""``) is cleared instead.
    ``--insecure`` is never kept: verification comes back unless it is asked for again.
    The Sources dialog shows every field and saves what it shows, so it does not use this.
    """
    existing = Settings(data_dir).source(config.name)
    kept: list[str] = []
    if existing is not None and existing.kind == config.kind:
        if not config.url and existing.url:
            config.url = existing.url
            kept.append(f"--url {existing.url}")
        for option, value in existing.options.items():
            if value and option not in config.options:
                config.options[option] = value
                kept.append(f"{option_flag(option)} {value}")
        if existing.ca_bundle and config.ca_bundle is None and not config.insecure:
            config.ca_bundle = existing.ca_bundle
            kept.append(f"--ca-bundle {existing.ca_bundle}")
    config.options = {option: value for option, value in config.options.items() if value}
    config.ca_bundle = config.ca_bundle or None
    return kept


def add_source(data_dir: Path, config: SourceConfig, secret: str | None) -> bool:
    """Store the secret in the keyring, then the source in the settings file; True when it
    replaced a source of that name (an update), False when the source is new."""
    config = validate(config)
    settings = Settings(data_dir)
    existing = settings.source(config.name)
    if existing is not None and existing.kind != config.kind:
        raise RegistryError(f"a {existing.kind} source named {config.name!r} exists already: "
                            "pick another name, or remove that one first")
    if secret:
        credentials.set_secret(data_key(data_dir), config.name, secret)
    elif existing is None:
        raise RegistryError(f"a new source needs its {source_class(config.kind).secret_label}")
    settings.put_source(config)
    if existing is not None and existing.url != config.url:
        _move_links(settings.cache_path, config.name, existing.url, config.url)
    return existing is not None


def _move_links(cache_path: Path, name: str, old_url: str, new_url: str) -> None:
    """The server moved: cached recordings and transcripts follow it (``Store.move_links``),
    or every download of history synced before the move would fail."""
    if not cache_path.exists():
        return
    store = Store(cache_path)
    try:
        store.move_links(name, old_url, new_url)
    finally:
        store.close()


def remove_source(data_dir: Path, name: str, *, purge: bool = False) -> None:
    """Forget a source: its secret first, so a keyring that cannot be reached stops the
    removal with nothing changed (before, the settings entry went first, and the secret and
    history it named were left with no way to reach them). ``purge`` also clears history a
    source of that name left in the cache, even when its settings entry is already gone.
    Without it the history stays and only the checkpoints go (``Store.forget_checkpoints``).
    """
    settings = Settings(data_dir)
    registered = settings.source(name) is not None
    if not registered and not (purge and _has_history(settings.cache_path, name)):
        raise RegistryError(f"no source named {name!r}")
    credentials.delete_secret(data_key(data_dir), name)
    settings.remove_source(name)
    if settings.cache_path.exists():
        store = Store(settings.cache_path)
        try:
            if purge:
                store.purge_source(name)
            else:
                store.forget_checkpoints(name)
        finally:
            store.close()


def _has_history(cache_path: Path, name: str) -> bool:
    if not cache_path.exists():
        return False
    store = Store(cache_path)
    try:
        return store.has_history(name)
    finally:
        store.close()


def secret_lookup(data_dir: Path):
    key = data_key(data_dir)
    return lambda config: credentials.get_secret(key, config.name)


def get_source(data_dir: Path, name: str) -> SourceConfig:
    config = Settings(data_dir).source(name)
    if config is None:
        raise RegistryError(f"no source named {name!r}")
    return config


def has_secret(data_dir: Path, name: str) -> bool:
    """Whether the keyring holds the source's secret (the dialog shows stored/missing)."""
    return credentials.get_secret(data_key(data_dir), name) is not None


def open_source(data_dir: Path, name: str) -> Source:
    """A registered source with its secret from the keyring, ready to make requests."""
    config = get_source(data_dir, name)
    secret = credentials.get_secret(data_key(data_dir), name)
    if secret is None:
        raise RegistryError(f"{name}: no secret stored in the OS keyring")
    return create_source(config, secret)


def test_source(data_dir: Path, name: str) -> str:
    """One cheap request with the stored credentials; raises ``SourceError`` on failure."""
    return open_source(data_dir, name).check()


def summaries(data_dir: Path, store: Store | None = None) -> list[dict[str, Any]]:
    """Sources with their status, for `source list` and the sidebar (never a secret)."""
    settings = Settings(data_dir)
    own = store is None and settings.cache_path.exists()
    if own:
        store = Store(settings.cache_path)
    try:
        rows = []
        syncing = sync_running(settings.cache_path)
        for config in settings.sources():
            status = (store.status(config.name) if store else None) or {}
            if status.get("status") == "running" and not syncing:
                status["status"] = "interrupted"  # killed mid-sync: the next sync finishes it
            rows.append({
                "name": config.name, "kind": config.kind, "url": config.url,
                "options": config.options, "insecure": config.insecure,
                "ca_bundle": config.ca_bundle, "status": status.get("status", "never synced"),
                "last_sync_at": status.get("last_sync_at"),
                "last_error": status.get("last_error"),
            })
        return rows
    finally:
        if own and store is not None:
            store.close()
