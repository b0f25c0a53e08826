"""Credentials stay on the origin they belong to, whatever links a server sends back."""

from __future__ import annotations

import pytest

from app.demo.server import Request, Response, Simulator
from app.http import HttpClient, SourceError


class Recorder(Simulator):
    """Any server: answers every request with an empty JSON list and keeps its headers."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[dict[str, str]] = []

    def handle(self, request: Request) -> Response:
        self.seen.append(request.headers)
        return Response.json({"value": []})


@pytest.fixture
def servers():
    home, elsewhere = Recorder(), Recorder()
    home.start()
    elsewhere.start()
    yield home, elsewhere
    home.stop()
    elsewhere.stop()


@pytest.mark.parametrize("how", ["basic auth", "bearer header", "per-request header"])
def test_a_next_link_to_another_host_is_refused_before_anything_is_sent(servers, how):
    home, elsewhere = servers
    client = HttpClient(home.url, source_name="graph",
                        auth=("sid", "Auth-T0ken") if how == "basic auth" else None,
                        headers={"Authorization": "Bearer T0ken"} if how == "bearer header"
                        else None)
    per_request = {"headers": {"Authorization": "Bearer T0ken"}} \
        if how == "per-request header" else {}
    assert client.get(f"{home.url}/v1.0/page2", **per_request).status_code == 200
    with pytest.raises(SourceError) as refused:
        client.get(f"{elsewhere.url}/v1.0/page3", **per_request)
    assert "credentials go only to" in str(refused.value) and "T0ken" not in str(refused.value)
    assert elsewhere.seen == []


def test_a_client_without_credentials_may_fetch_from_anywhere(servers):
    home, elsewhere = servers
    anonymous = HttpClient(home.url, source_name="cdn")
    assert anonymous.get(f"{elsewhere.url}/bucket/recording.wav").status_code == 200
    assert "authorization" not in {name.lower() for name in elsewhere.seen[0]}
