"""The vendor's own Webex examples, served beside the generated month: seed 003's List Events
example (and the call its telephony fields describe) and the Access Meeting Resources Guide's
meeting with its recording and transcript (samples/webex_*).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from app.demo.webex_data import History

#: Seed 003's example event, verbatim: a messages event whose data carries a meetingId
#: (so it groups into that meeting) and every documented field, telephony ones included.
SEED_EVENT: dict[str, Any] = {
    "id": "Y2lzY29zcGFyazovL3VzL0VWRU5UL2JiY2ViMWFkLTQzZjEtM2I1OC05MTQ3LWYxNGJiMGM0ZDE1NAo",
    "resource": "messages", "type": "created", "appId": "null",
    "actorId": "Y2lzY29zcGFyazovL3VzL1BFT1BMRS9mNWIzNjE4Ny1jOGRkLTQ3MjctOGIyZi1mOWM0NDdmMjkwNDY",
    "orgId": "OTZhYmMyYWEtM2RjYy0xMWU1LWExNTItZmUzNDgxOWNkYzlh",
    "created": "2016-05-16T21:34:59.324Z",
    "data": {
        "id": "Y2lzY29zcGFyazovL3VzL01FU1NBR0UvOTJkYjNiZTAtNDNiZC0xMWU2LThhZTktZGQ1YjNkZmM1NjVk",
        "roomId": "Y2lzY29zcGFyazovL3VzL1JPT00vYmJjZWIxYWQtNDNmMS0zYjU4LTkxNDctZjE0YmIwYzRkMTU0",
        "roomType": "group",
        "orgId": "Y2lzY29zcGFyazovL3VzL09SR0FOSVpBVElPTi9jZTg2MWZiYS02ZTJmLTQ5ZjktOWE4NC1iMzU0MDA4ZmFjOWU",
        "text": "PROJECT UPDATE - A new project plan has been published on Box: "
                "http://box.com/s/lf5vj. The PM for this project is Mike C. and the "
                "Engineering Manager is Jane W.",
        "personId": "Y2lzY29zcGFyazovL3VzL1BFT1BMRS9mNWIzNjE4Ny1jOGRkLTQ3MjctOGIyZi1mOWM0NDdmMjkwNDY",
        "personEmail": "matt@example.com",
        "meetingId": "16ce696f75844d24b2d4fab04b4419af_I_183979003076423608",
        "creatorId": "Y2lzY29zcGFyazovL3VzL1BFT1BMRS82YWE2ZGE5OS0xYzdlLTQ4MWItODY3YS03MWY2NTIwNDk0MzM",
        "transcriptionEnabled": "yes", "recordingEnabled": "yes", "hasPostMeetingsChat": "yes",
        "corelationId": "fdda8613-d34b-424c-8c6a-44ff2e19379c", "callType": "SIP_ENTERPRISE",
        "userId": "Y2lzY29zcGFyazovL3VzL1BFT1BMRS8zZjEwMTU1NC04ZGJjLTQyMmUtOGEzZC1kYTk1YTI3NWZlNzU",
        "userType": "User", "callDirection": "ORIGINTATING", "isCallAnswered": "true",
        "callDurationSeconds": "192", "callStartTime": "2023-02-08T06:12:43.976Z",
        "callAnswerTime": "2023-02-08T06:12:47.012Z",
        "callTransferTime": "2023-02-08T06:15:19.112Z", "callingNumber": "910481234",
        "callingLineId": "211", "calledNumber": "4089671221", "calledLineId": "219",
        "dialedDigits": "123", "callRedirectingNumber": "", "callRedirectedReason": "",
        "created": "2016-05-16T21:34:59.324Z",
    },
}

TELEPHONY_FIELDS = ("corelationId", "callType", "userId", "userType", "callDirection",
                    "isCallAnswered", "callDurationSeconds", "callStartTime", "callAnswerTime",
                    "callTransferTime", "callingNumber", "callingLineId", "calledNumber",
                    "calledLineId", "dialedDigits", "callRedirectingNumber",
                    "callRedirectedReason")


def seed_call_event() -> dict[str, Any]:
    """The seed's telephony fields as the call event they describe (resource
    ``telephony_calls``, issue 4), created when the seed's call ended."""
    data = {k: SEED_EVENT["data"][k] for k in TELEPHONY_FIELDS}
    data["created"] = "2023-02-08T06:15:56.012Z"
    return {**SEED_EVENT, "id": SEED_EVENT["id"][:-4] + "Q0FMTA", "resource": "telephony_calls",
            "created": data["created"], "data": data}


#: The Access Meeting Resources Guide's meeting (samples/webex_meeting_ended_webhook_sample),
#: its recording and transcript (webex_recordings_list_sample, ..._meetingTranscripts_...).
SAMPLE_MEETING = {
    "id": "501e995485e2460bb129410116757b13_I_194316955237236650", "meetingType": "meeting",
    "timezone": "UTC", "start": "2021-05-14T20:25:19Z", "end": "2021-05-14T20:26:54Z",
    "hostUserId": "Y2lzY29zcGFyazovL3VzL1BFT1BMRS9hYzAxZjUzMi1kMDIyLTRmOGUtYTQ5NC1mMGE0ZDc5ZTUyMjc",
    "state": "ended", "hostEmail": "spouliottes@gmail.com",
    "siteUrl": "spouliottes-test.webex.com", "orgId": "55c5ae3f-8d7f-427b-a4f9-5e3cb3dddf7b",
}
SAMPLE_RECORDING = {
    "id": "724a81a697201039a976005056819cde",
    "meetingId": "501e995485e2460bb129410116757b13_I_194316955237236650",
    "scheduledMeetingId": "501e995485e2460bb129410116757b13_20210514T203000Z",
    "meetingSeriesId": "501e995485e2460bb129410116757b13",
    "topic": "Test meeting-20210514 2025-1", "createTime": "2021-05-14T20:28:53Z",
    "siteUrl": "spouliottes-test.webex.com",
    "downloadUrl": "https://spouliottes-test.webex.com/spouliottes-test/lsr.php?RCID=77ab059a6b6512550d6a3ddafeea57aa",
    "playbackUrl": "https://spouliottes-test.webex.com/spouliottes-test/ldr.php?RCID=6197666928e747419d239f3cfdee3e49",
    "password": "tA3hwXUm", "format": "MP4", "durationSeconds": 85, "sizeBytes": 4982263,
    "shareToMe": False,
}
SAMPLE_TRANSCRIPT = {
    "id": "a5038f0b-320a-456f-a51f-7541eeb0eae5_M_501e995485e2460bb129410116757b13",
    "meetingId": "501e995485e2460bb129410116757b13_I_194316955237236650",
    "startTime": "2021-05-14T20:25:22Z",
}


def sample_history() -> History:
    """The vendor's examples as a history: the seed event, its call, the guide's meeting."""
    ended = {"id": "Y2lzY29zcGFyazovL3VzL0VWRU5UL3NhbXBsZS1tZWV0aW5nLWVuZGVk",
             "resource": "meetings", "type": "ended", "appId": "null",
             "actorId": SAMPLE_MEETING["hostUserId"], "orgId": SAMPLE_MEETING["orgId"],
             "created": "2021-05-14T20:26:55.120Z",
             "data": {**SAMPLE_MEETING, "meetingId": SAMPLE_MEETING["id"],
                      "title": SAMPLE_RECORDING["topic"], "recordingEnabled": "yes",
                      "transcriptionEnabled": "yes", "hasPostMeetingsChat": "no"}}
    ready = datetime(2021, 5, 14, 20, 28, 53, tzinfo=UTC)
    transcript = {**SAMPLE_TRANSCRIPT, "_ready": ready, "_people": []}
    return History(events=[SEED_EVENT, seed_call_event(), ended],
                   recordings=[{**SAMPLE_RECORDING, "_ready": ready}], transcripts=[transcript])
