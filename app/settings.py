"""Where histview keeps its files, and the settings file that lists the sources.

The settings file holds each source's URL and options; never its secret (that lives in the
OS keyring, see ``app.credentials``). It is written atomically so that a crash while saving
never leaves a half-written file that would lose the user's sources.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import platformdirs

from app.model import SourceConfig

APP_NAME = "histview"
SETTINGS_FILE = "settings.json"
CACHE_FILE = "cache.db"


def default_data_dir() -> Path:
    """The per-user data folder, or ``HISTVIEW_DATA_DIR`` when set."""
    override = os.environ.get("HISTVIEW_DATA_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def demo_data_dir() -> Path:
    """The demo's own folder beside the real one, so a demo never mixes with real history."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)).with_name(
        f"{APP_NAME}-demo"
    )


class SettingsError(ValueError):
    """The settings file cannot be read; it is left exactly as it is for the user to mend."""


class Settings:
    """The sources registered in one data folder."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / SETTINGS_FILE

    @property
    def cache_path(self) -> Path:
        return self.data_dir / CACHE_FILE

    @property
    def downloads_dir(self) -> Path:
        return self.data_dir / "downloads"

    def load(self) -> dict:
        if not self.path.exists():
            return {"sources": []}
        try:
            with self.path.open(encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise SettingsError(f"cannot read the settings file {self.path}: "
                                f"{_reason(error)}; mend it or move it aside") from None
        if not isinstance(data, dict) or not isinstance(data.get("sources", []), list):
            raise SettingsError(f"the settings file {self.path} is not histview's (no list "
                                "of sources); mend it or move it aside")
        return data

    def save(self, data: dict) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.data_dir, prefix=".settings-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, sort_keys=True)
        os.replace(tmp, self.path)

    def sources(self) -> list[SourceConfig]:
        return [SourceConfig.from_dict(item) for item in self.load().get("sources", [])]

    def source(self, name: str) -> SourceConfig | None:
        return next((s for s in self.sources() if s.name == name), None)

    def put_source(self, config: SourceConfig) -> None:
        """Add or replace a source by name, keeping the others in their order."""
        data = self.load()
        items = [s for s in data.get("sources", []) if s["name"] != config.name]
        position = next(
            (i for i, s in enumerate(data.get("sources", [])) if s["name"] == config.name),
            len(items),
        )
        items.insert(position, config.to_dict())
        data["sources"] = items
        self.save(data)

    def remove_source(self, name: str) -> bool:
        data = self.load()
        items = [s for s in data.get("sources", []) if s["name"] != name]
        if len(items) == len(data.get("sources", [])):
            return False
        data["sources"] = items
        self.save(data)
        return True

    def ui_state(self) -> dict:
        """Window geometry, columns and filters (the UI's own corner of the file)."""
        return dict(self.load().get("ui", {}))

    def save_ui_state(self, state: dict) -> None:
        data = self.load()
        data["ui"] = state
        self.save(data)


def _reason(error: Exception) -> str:
    if isinstance(error, json.JSONDecodeError):
        return f"not valid JSON at line {error.lineno}, column {error.colno}"
    if isinstance(error, OSError):
        return error.strerror or type(error).__name__
    return "not UTF-8 text"
