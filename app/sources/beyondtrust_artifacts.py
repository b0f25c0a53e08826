"""The recordings and chat transcript a BeyondTrust session's XML offers, as artifacts (seed
004).

Apart from ``beyondtrust_normalize`` because artifacts are about where a file is fetched
from, not what the session was: recordings through the reporting API, which the API account
may call with its bearer token, and the chat log through the appliance's own link, which no
report serves.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

from app.model import Artifact
from app.sources.beyondtrust_fields import as_list, text


def artifacts_of(record: dict[str, Any], lsid: str, base_url: str) -> list[Artifact]:
    """The recordings and transcript the XML offers. Recordings are fetched through the
    reporting API (``url``), which the API account may call with its bearer token; the
    appliance's own links are kept (``view_url`` and ``data.download_url``)."""
    artifacts = []
    recording_view = text(record.get("session_recording_view_url")) or None
    recording_link = text(record.get("session_recording_download_url")) or None
    if recording_view or recording_link:
        artifacts.append(Artifact(
            lsid, "recording", "recording", "Session recording",
            url=report_url(base_url, "SupportSessionRecording", lsid), view_url=recording_view,
            data={"download_url": recording_link}))
    chat_view = text(record.get("session_chat_view_url")) or None
    chat_link = text(record.get("session_chat_download_url")) or None
    if chat_view or chat_link:
        # No report serves the transcript: the appliance's own link is the download.
        artifacts.append(Artifact(lsid, "chat", "chat", "Chat transcript",
                                  url=chat_link or chat_view or "", view_url=chat_view,
                                  data={"download_url": chat_link}))
    for kind, section, report, label in (
            ("screen_recording", "show_my_screen_recordings", "ShowMyScreenRecording",
             "Show My Screen recording"),
            ("shell_recording", "command_shell_recordings", "CommandShellRecording",
             "Command shell recording")):
        for position, item in enumerate(as_list(record.get(section))):
            artifacts.append(_instance_artifact(lsid, base_url, kind, report, label,
                                                position, item))
    return artifacts


def _instance_artifact(lsid: str, base_url: str, kind: str, report: str, label: str,
                       position: int, item: Any) -> Artifact:
    """One Show My Screen or command shell recording. Seed 004 says the XML's ``instance``
    attribute starts at 0, as the API's ``instance=`` parameter does (its CommandShellRecording
    note about a report "starting at 1" is the /login web report); the position in the list
    stands in when the attribute is missing."""
    item = item if isinstance(item, dict) else {}
    instance = item.get("instance")
    instance = int(instance) if str(instance or "").isdigit() else position
    return Artifact(
        lsid, f"{kind}:{instance}", kind, f"{label} {instance}",
        url=report_url(base_url, report, lsid, instance=instance),
        view_url=text(item.get("view_url")) or None,
        data={"instance": instance, "download_url": text(item.get("download_url")) or None})


def report_url(base_url: str, report: str, lsid: str, **extra: Any) -> str:
    query = urllib.parse.urlencode({"generate_report": report, "lsid": lsid, **extra})
    return f"{base_url.rstrip('/')}/api/reporting?{query}"
