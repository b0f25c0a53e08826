"""Who the generated Webex month is about and what it says: the support team and its
customers, the team's recurring and ad-hoc meetings, and the texts of their chats and spaces.
``webex_data`` makes the events, recordings and transcripts from these.
"""

from __future__ import annotations

from dataclasses import dataclass

TEAM = ["Olivia Martin", "Ethan Walker", "Sofia Alvarez", "Noah Patel", "Chloe Dubois",
        "Lucas Meyer", "Amara Okoye", "Ryan Fitzgerald", "Yuki Tanaka", "Isabel Santos"]
CUSTOMERS = [("Dana Whitfield", "contoso.com"), ("Marco Bianchi", "fabrikam.com"),
             ("Helen Park", "adventure-works.com"), ("Samuel Osei", "tailspintoys.com"),
             ("Greta Lindholm", "wingtiptoys.com"), ("Victor Chen", "litwareinc.com"),
             ("Fatima Al-Sayed", "proseware.com"), ("Tom Kowalski", "woodgrovebank.com")]
#: Ad-hoc meetings: title, minutes, recorded, transcribed, chance of one on a weekday.
AD_HOC = [("Escalation review: {company}", 45, True, True, 0.5),
          ("Onboarding call with {company}", 60, True, True, 0.35),
          ("Tier 2 troubleshooting session", 30, True, False, 0.4),
          ("Customer QBR – {company}", 50, True, True, 0.15)]
SKIPPED = 0.1  # a recurring meeting's occurrence cancelled now and then (holiday, lead away)
CHAT = ["Can everyone see my screen?", "Sharing the ticket link in the chat now.",
        "The customer confirmed the workaround fixed it.", "I'll take the action item.",
        "Logs are uploaded to the case.", "Can we get the recording afterwards?",
        "Next step: patch on Thursday's maintenance window.", "Thanks all!",
        "Escalating to engineering with the HAR file.", "Dropping off for another call."]
#: What a classic-client chat sends to one person or a few rather than to everyone.
PRIVATE_CHAT = ["Can you take notes? I'm driving the demo.", "Their admin just joined, heads up.",
                "Do you have the case number handy?", "I'll stay on afterwards to go over the logs.",
                "Please mute, there's an echo on your line.",
                "Don't promise a date for the fix yet.", "Can you check the entitlement quietly?"]
#: Meeting Chats reference: private (1:1), public (to everyone), group (e.g. host and presenter).
CHAT_TYPES = (("public", 7), ("private", 2), ("group", 1))
SPACE_TEXT = ["New P1 from {company}: login loop after SSO change.",
              "Who can cover the queue 12-1?", "KB article updated with the new steps.",
              "Heads up: carrier outage in the Midwest, expect dropped calls.",
              "Ticket closed, customer happy.", "Can someone review my reply to {company}?",
              "Reminder: training at 3pm.", "Shift handover notes posted."]
CALL_TYPES = ["SIP_NATIONAL", "SIP_ENTERPRISE", "SIP_TOLLFREE", "SIP_MOBILE",
              "SIP_INTERNATIONAL", "SIP_INBOUND"]


@dataclass(frozen=True)
class Series:
    """A recurring meeting: fixed weekdays (0 = Monday) and UTC slot, one host, its regulars.
    Every occurrence shares one series id (samples/webex.md "IDs and joins": the series id
    is the bare hex before ``_I_``) and starts within a minute or two of the slot."""

    title: str
    weekdays: tuple[int, ...]
    at: tuple[int, int]  # UTC hour, minute: the series' timezone is UTC, as its data says
    minutes: int
    recording: bool
    transcription: bool
    host: str
    regulars: tuple[str, ...]


#: 14:30 UTC is 9:30 in Chicago (the team's 312 numbers) in summer; UTC slots stay put.
RECURRING = [
    Series("Support daily standup", (0, 1, 2, 3, 4), (14, 30), 15, False, False,
           "Olivia Martin", tuple(TEAM[1:])),
    Series("Weekly support metrics", (3,), (20, 0), 30, False, True, "Ethan Walker",
           ("Olivia Martin", "Sofia Alvarez", "Noah Patel", "Amara Okoye", "Yuki Tanaka")),
]
