"""A secret stays unsaid however the vendor answers and whatever characters it holds.

Two ways a secret used to get out: an appliance quoting the request's access token in an
HTTP 200 error document, which became the sync's error line and the cache's ``last_error``;
and a password outside Latin-1, which made every request fail with Python's own message
naming the character and its place in the password (and ``source test`` print a trace).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.demo.beyondtrust import BeyondTrustSimulator
from app.demo.beyondtrust_timeline import month
from app.demo.pexip import PexipSimulator
from app.demo.restcomm import RestcommSimulator
from app.demo.server import Response
from app.demo.webex import WebexSimulator
from tests.conftest import files_containing

CLIENT_ID = "histview-reports"


def test_an_appliance_quoting_the_access_token_in_an_error_never_shows_it(cli, data_dir):
    sim = BeyondTrustSimulator(month(datetime.now(UTC), days=2, per_weekday=(3, 5), seed=2),
                               client_id=CLIENT_ID, client_secret="Bt-s3cret-quoted")
    sim.start()
    try:
        assert cli("source", "add", "beyondtrust", "bt", "--url", sim.url, "--client-id",
                   CLIENT_ID, "--secret-stdin", stdin="Bt-s3cret-quoted\n").code == 0
        answer = sim.handle

        def quoting_the_token(request):
            if request.path == "/api/reporting" and sim._authorized(request):
                quoted = request.headers["authorization"]
                return Response(200, f'<error>Invalid token "{quoted}"</error>'.encode(),
                                {"Content-Type": "text/xml"})
            return answer(request)

        sim.handle = quoting_the_token
        synced, tested = cli("sync"), cli("source", "test", "bt")
        listed = cli("source", "list", "--format", "json")
    finally:
        sim.stop()
    assert synced.code == 1 and tested.code == 1
    assert "Invalid token" in synced.err and "Invalid token" in tested.err
    assert sim.issued
    for token in sim.issued:
        for said in (synced.out, synced.err, tested.out, tested.err, listed.out):
            assert token not in said
        assert files_containing(data_dir, token) == []


@pytest.mark.parametrize("password", ["Kennwort€2024", "pässwörd-ü", "密码-Pexip-42"])
def test_a_password_outside_latin_1_signs_in(cli, data_dir, password):
    sim = PexipSimulator(conferences=20, password=password, seed=4)
    sim.start()
    try:
        assert cli("source", "add", "pexip", "px", "--url", sim.url, "--username", "admin",
                   "--secret-stdin", stdin=password + "\n").code == 0
        tested, synced = cli("source", "test", "px"), cli("sync")
    finally:
        sim.stop()
    assert tested.code == 0 and "conferences in history" in tested.out, tested.err
    assert synced.code == 0, synced.err
    assert files_containing(data_dir, password) == []


def test_restcomm_s_auth_token_with_unicode_signs_in(cli):
    sim = RestcommSimulator(days=2, auth_token="t0ken-€-restcomm")
    sim.start()
    try:
        assert cli("source", "add", "restcomm", "rc", "--url", sim.url + "/restcomm",
                   "--account-sid", sim.account_sid,
                   "--secret-stdin", stdin="t0ken-€-restcomm\n").code == 0
        tested = cli("source", "test", "rc")
    finally:
        sim.stop()
    assert tested.code == 0, tested.err


def test_a_token_no_header_can_carry_is_refused_in_one_line_naming_none_of_it(cli, data_dir):
    sim = WebexSimulator(days=2)
    sim.start()
    token = "NWM-tok€n密码-abcdef"
    try:
        assert cli("source", "add", "webex", "wx", "--url", sim.url,
                   "--secret-stdin", stdin=token + "\n").code == 0
        tested, synced = cli("source", "test", "wx"), cli("sync")
    finally:
        sim.stop()
    for result in (tested, synced):
        assert result.code == 1
        assert "cannot carry" in result.err and "Traceback" not in result.err
        assert "€" not in result.err and "position" not in result.err
    assert files_containing(data_dir, "€") == []
