"""Source secrets in the OS keyring, and nowhere else.

There is deliberately no fallback: when no usable keyring exists (no Secret Service on a
headless Linux box, a locked collection, the ``fail`` or ``null`` backend) we raise
``KeyringUnavailable`` with a plain explanation and store nothing. A plaintext fallback
would quietly put the user's passwords on disk, which is the one thing they trust us not to do.
"""

from __future__ import annotations

import keyring
import keyring.errors

SERVICE = "histview"

_UNUSABLE_BACKENDS = ("fail.Keyring", "null.Keyring", "chainer.ChainerBackend")


class KeyringUnavailable(RuntimeError):
    """No usable OS keyring: nothing was stored."""


def _account(data_dir_key: str, source_name: str) -> str:
    # Keyed by data folder as well as source name so that the demo folder's "pexip-demo"
    # and a real folder's source of the same name never overwrite each other's secret.
    return f"{data_dir_key}:{source_name}" if data_dir_key else source_name


def _backend() -> keyring.backend.KeyringBackend:
    backend = keyring.get_keyring()
    name = f"{type(backend).__module__.rsplit('.', 1)[-1]}.{type(backend).__name__}"
    if name in _UNUSABLE_BACKENDS and not _chainer_has_backends(backend):
        raise KeyringUnavailable(
            "no OS keyring is available (on Linux, install and unlock a Secret Service such "
            "as gnome-keyring); histview stores secrets only there, so nothing was saved"
        )
    return backend


def _chainer_has_backends(backend: object) -> bool:
    return bool(getattr(backend, "backends", None))


def _wrap(error: Exception) -> KeyringUnavailable:
    return KeyringUnavailable(f"the OS keyring refused the request: {type(error).__name__}")


def set_secret(data_dir_key: str, source_name: str, secret: str) -> None:
    try:
        _backend().set_password(SERVICE, _account(data_dir_key, source_name), secret)
    except keyring.errors.KeyringError as error:
        raise _wrap(error) from None


def get_secret(data_dir_key: str, source_name: str) -> str | None:
    try:
        return _backend().get_password(SERVICE, _account(data_dir_key, source_name))
    except keyring.errors.KeyringError as error:
        raise _wrap(error) from None


def delete_secret(data_dir_key: str, source_name: str) -> None:
    try:
        _backend().delete_password(SERVICE, _account(data_dir_key, source_name))
    except keyring.errors.PasswordDeleteError:
        pass  # already gone: forgetting a source must not fail on a missing secret
    except keyring.errors.KeyringError as error:
        raise _wrap(error) from None
