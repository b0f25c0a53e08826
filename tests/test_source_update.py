"""``source add`` on a source that exists: an update keeps what it does not restate, so
rotating a password does not quietly drop the CA bundle or a tuned option."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import certifi

from app.demo.pexip import PexipSimulator
from app.model import SourceConfig
from app.registry import add_source


def the_source(cli) -> dict:
    [row] = json.loads(cli("source", "list", "--format", "json").out)
    return row


def test_rotating_the_password_keeps_the_ca_bundle_and_options(cli, data_dir: Path):
    sim = PexipSimulator(conferences=5, password="new-password-9")
    sim.start()
    try:
        # as the Sources dialog saves it: page size is one of its fields, not a CLI option
        add_source(data_dir, SourceConfig("video", "pexip", sim.url, {
            "username": "admin", "page_size": "500"}, ca_bundle=certifi.where()),
            "old-password-1")
        assert cli("source", "test", "video").code == 1  # the old password no longer works

        rotated = cli("source", "add", "pexip", "video", "--secret-stdin",
                      stdin="new-password-9\n")
        assert rotated.code == 0, rotated.err
        assert "updated pexip source video" in rotated.err
        assert f"--ca-bundle {certifi.where()}" in rotated.err and "--page-size 500" in rotated.err
        row = the_source(cli)
        assert (row["url"], row["ca_bundle"], row["options"]) == (
            sim.url, str(Path(certifi.where()).resolve()),
            {"username": "admin", "page_size": "500"})
        assert cli("source", "test", "video").code == 0  # the new password went to the keyring
    finally:
        sim.stop()


def test_an_empty_value_clears_a_kept_setting_and_insecure_is_never_kept(cli):
    add = ["source", "add", "msgraph", "calls"]
    assert cli(*add, "--tenant-id", "t1", "--client-id", "c1", "--api-version", "beta",
               "--insecure", "--secret-stdin", stdin="pw\n").code == 0
    cleared = cli(*add, "--api-version", "")
    assert cleared.code == 0, cleared.err
    assert "verification OFF" not in cleared.err and "api-version" not in cleared.err
    row = the_source(cli)
    assert row["options"] == {"tenant_id": "t1", "client_id": "c1"}
    assert row["insecure"] is False

    assert cli(*add, "--ca-bundle", certifi.where()).code == 0
    assert the_source(cli)["ca_bundle"] == str(Path(certifi.where()).resolve())
    assert cli(*add, "--ca-bundle", "").code == 0
    assert the_source(cli)["ca_bundle"] is None
    assert cli(*add, "--tenant-id", "").code == 2  # a required option cannot be cleared
    assert the_source(cli)["options"] == {"tenant_id": "t1", "client_id": "c1"}


def test_the_sources_own_settings_are_not_kept_for_another_kind(cli):
    assert cli("source", "add", "pexip", "x", "--url", "https://10.1.1.1", "--username", "a",
               "--secret-stdin", stdin="pw\n").code == 0
    other = cli("source", "add", "webex", "x", "--secret-stdin", stdin="token\n")
    assert other.code == 2 and "pexip source named 'x' exists already" in other.err
    assert the_source(cli)["kind"] == "pexip"


def test_a_source_removed_and_added_again_for_another_server_fetches_all_its_history(
        cli, data_dir: Path):
    """``source remove`` keeps the history but not where the syncs stopped: before, a source
    re-added under the same name for another server resumed from the old server's
    high-water mark, and every conference of the new one older than it was never fetched."""
    now = datetime.now(UTC).replace(microsecond=0)
    old_server = PexipSimulator(conferences=20, end=now, seed=1, password="pw-old")
    new_server = PexipSimulator(conferences=20, end=now - timedelta(days=10), seed=2,
                                password="pw-new")
    for sim in (old_server, new_server):
        sim.start()
    try:
        for sim, password in ((old_server, "pw-old"), (new_server, "pw-new")):
            added = cli("source", "add", "pexip", "video", "--url", sim.url, "--username",
                        "admin", "--secret-stdin", stdin=password + "\n")
            assert added.code == 0, added.err
            assert cli("sync", "video").code == 0
            if sim is old_server:
                assert cli("source", "remove", "video").code == 0
        cached = {row["session_id"] for row in json.loads(
            cli("sessions", "--source", "video", "--limit", "1000", "--format", "json").out)}
        assert new_server.conference_ids() <= cached
        assert old_server.conference_ids() <= cached  # the removed source's history stays
    finally:
        for sim in (old_server, new_server):
            sim.stop()
