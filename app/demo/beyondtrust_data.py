"""A help desk's month on a BeyondTrust Remote Support appliance, generated deterministically.

Four teams and their representatives take sessions from customers of the companies an IT
service provider supports: routed through team queues, chats (some with emoji, a few with
terminal output only ``encoded_body`` can carry), file transfers, screen and command-shell
recordings, Show My Screen, transfers to a second-line team, conference members, notes,
exit surveys, customers who gave up before a representative came, Jump sessions to servers,
sessions still in progress and one that closed abnormally and never got an end time.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

DAY = 86400


@dataclass
class Party:
    """A customer or representative in one session; ``fields`` are its XML children."""

    kind: str  # customer | representative
    gsnumber: int
    name: str
    fields: dict[str, object]


@dataclass
class SimEvent:
    timestamp: int
    event_type: str
    performed_by: Party | None = None
    destination: Party | None = None
    system_destination: str | None = None
    body: str | None = None
    filename: str | None = None
    filesize: int | None = None
    data: list[tuple[str, str]] = field(default_factory=list)
    system_information: list[dict] | None = None


@dataclass
class SimSession:
    lsid: str
    lseq: int
    start: int
    end: int | None
    public_site: tuple[int, str]
    customer: Party
    reps: list[Party]
    teams: list[tuple[int, str]]
    events: list[SimEvent]
    later: list[SimEvent] = field(default_factory=list)
    jumpoint: tuple[int, str] | None = None
    external_key: str = ""
    custom_attributes: list[tuple[str, str, str]] = field(default_factory=list)
    cust_survey: list[dict] | None = None
    rep_survey: list[dict] | None = None
    never_closes: bool = False

    def event_count(self, event_type: str) -> int:
        return sum(1 for e in self.events if e.event_type == event_type)


TEAMS = {1: "Service Desk Tier 1", 2: "Desktop Support Tier 2", 3: "Network & VPN",
         4: "Business Applications"}
SITES = [(1, "Service Desk Portal"), (2, "Executive Support")]
JUMPOINTS = [(1, "HQ-DC-Jumpoint"), (2, "Azure-Prod-Jumpoint")]

# id, username, private display name, public display name, team ids, hostname, os
REPS = [
    (3, "mkowalski", "Marta Kowalski", "Marta K.", (1,), "SD-WS-014", "Windows 11 Enterprise"),
    (4, "dokafor", "David Okafor", "David O.", (1,), "SD-WS-009", "Windows 11 Enterprise"),
    (5, "lnguyen", "Linh Nguyen", "Linh N.", (1, 3), "SD-WS-021", "Windows 11 Enterprise"),
    (6, "jbrennan", "James Brennan", "James B.", (1,), "SD-LT-102", "Windows 10 Enterprise"),
    (7, "sferreira", "Sofia Ferreira", "Sofia F.", (1,), "SD-WS-017", "Windows 11 Enterprise"),
    (8, "tlindqvist", "Tobias Lindqvist", "Tobias L.", (2,), "DT-LT-044", "Windows 11 Pro"),
    (9, "aharris", "Amara Harris", "Amara H.", (2,), "DT-WS-031", "Windows 11 Enterprise"),
    (10, "rmehta", "Rohan Mehta", "Rohan M.", (2, 4), "DT-LT-052", "macOS 14.5"),
    (11, "ebecker", "Elena Becker", "Elena B.", (3,), "NET-WS-003", "Ubuntu 22.04 LTS"),
    (12, "kobrien", "Kevin O'Brien", "Kevin O.", (3,), "NET-LT-007", "Windows 11 Enterprise"),
    (13, "ysato", "Yuki Sato", "Yuki S.", (4,), "APP-WS-011", "Windows 11 Enterprise"),
    (14, "cduarte", "Carlos Duarte", "Carlos D.", (4, 2), "APP-LT-015", "Windows 11 Enterprise"),
]

COMPANIES = [
    ("Northwind Traders", "NWT"), ("Contoso Pharmaceuticals", "CPH"),
    ("Fabrikam Dental Group", "FDG"), ("Lakeside Credit Union", "LCU"),
    ("Alder & Finch LLP", "AFL"), ("Coho Winery", "COHO"), ("Adventure Works Cycles", "AWC"),
    ("Margie's Travel", "MTR"), ("Proseware Inc.", "PRSW"), ("Tailspin Toys", "TSPN"),
    ("Wingtip Logistics", "WTL"), ("Bellows College", "BLC"),
]
FIRST = ["Ana", "Brian", "Chloé", "Daniel", "Emeka", "Fatima", "Grace", "Hiroshi", "Isabel",
         "Jonas", "Karen", "Luis", "Maya", "Noah", "Olga", "Priya", "Quentin", "Rachel",
         "Samir", "Tanya", "Umar", "Valérie", "Wei", "Zoë", "Marcus", "Helen", "Ibrahim"]
LAST = ["Souza", "Walsh", "Dubois", "Kim", "Eze", "Haddad", "Thompson", "Tanaka", "Romero",
        "Berg", "Mitchell", "García", "Patel", "Fischer", "Ivanova", "Sharma", "Moreau",
        "Cohen", "Khan", "Novak", "Ali", "Lefèvre", "Zhang", "Müller", "Reid", "Park"]
CUSTOMER_OS = ["Windows 11 Pro (23H2)", "Windows 11 Enterprise (24H2)",
               "Windows 10 Enterprise (22H2)", "macOS 14.4 Sonoma", "Windows 11 Pro (24H2)"]

# issue, details, team, files offered (upload), files asked for (download), shell, the fix
ISSUES = [
    ("VPN will not connect", ("GlobalProtect says the gateway is not responding since this "
     "morning"), 3, ["GlobalProtect64-6.2.1.msi"], ["vpn_diag_{d}.zip"], True,
     ("Your GlobalProtect client was two versions behind; I pushed 6.2.1 and reset the "
     "network adapter.")),
    ("Outlook keeps asking for my password", ("Outlook prompts for credentials every few "
     "minutes after the password change"), 1, [], [], False,
     ("Credential Manager still had your old password cached; I cleared it and re-added "
     "the mailbox.")),
    ("Printer offline", "The 3rd floor Ricoh shows offline, others can print", 1,
     ["RicohPCL6_x64_4.35.exe"], [], False,
     "The print spooler was stuck; I restarted it and reinstalled the Ricoh driver."),
    ("New laptop setup", "Need my files and apps moved to the new laptop", 2,
     ["Onboarding_Checklist.pdf"], ["Bookmarks_{d}.html"], False,
     "OneDrive finished syncing your files; bookmarks and signatures are moved too."),
    ("ERP client crashes on login", "Dynamics client closes right after the splash screen", 4,
     [], ["erp_crash_{d}.dmp"], True,
     ("The client cache was corrupted; I cleared the Dynamics cache folder and re-registered "
     "the client.")),
    ("Shared drive mapping missing", "S: drive disappeared after the reboot", 1, [], [],
     False, "I remapped S: to the shared folder and set it to reconnect at sign-in."),
    ("Teams camera not detected", "Camera works in the Camera app but not in Teams", 2, [],
     [], False, "Teams had a virtual camera selected; I switched it to the built-in webcam."),
    ("Account locked out", "Locked out after trying the old password on my phone", 1, [], [],
     False, "Your account is unlocked; please update the password in your phone's mail app."),
    ("Excel add-in not loading", "The reporting add-in tab is gone from the ribbon", 4,
     ["ReportingAddin-3.8.0.vsto"], ["excel_addins_{d}.txt"], False,
     "Excel had disabled the add-in after a crash; I re-enabled it under COM Add-ins."),
    ("Computer very slow", "Takes 10 minutes to boot and apps freeze", 2, [],
     ["perfmon_{d}.blg"], True,
     "A stuck Windows Update kept the disk at 100%; I cleared the update cache and rebooted."),
    ("Install Adobe Acrobat Pro", "Approved request RITM0045521 for Acrobat Pro", 2,
     ["AcroPro_2024_x64.zip"], [], False,
     "Acrobat Pro is installed and licensed to your account."),
    ("Wi-Fi drops every few minutes", "Laptop loses the office Wi-Fi, phone is fine", 3, [],
     ["wlan_report_{d}.html"], True,
     "I updated the Intel Wi-Fi driver and turned off power saving on the adapter."),
]

QUESTIONS_CUSTOMER = [
    ("satisfaction", "radio", "How satisfied are you with the support you received?",
     "Satisfaction", ["5", "5", "4", "5", "3", "4", "2"]),
    ("resolved", "radio", "Was your issue resolved?", "Resolved", ["Yes", "Yes", "Yes", "No"]),
    ("comments", "textarea", "Anything else you would like to tell us?", "Comments",
     ["", "", "Very quick, thank you!", "Took a while to get someone.",
      "Marta was great 👍", ""]),
]
QUESTIONS_REP = [
    ("resolution", "select", "Resolution code", "Resolution",
     ["Resolved - first contact", "Resolved - first contact", "Escalated", "Workaround",
      "Duplicate ticket"]),
    ("followup", "text", "Follow-up minutes needed", "Follow-up (min)", ["0", "0", "5", "15"]),
]

TERMINAL_PASTES = [
    ("\x1b[31mERROR\x1b[0m 809: The network connection between your computer and the VPN "
    "server could not be established"),
    "ping gateway.{domain}\n\x07Request timed out.\n\x07Request timed out.",
    "Faulting module: ntdll.dll\x00\x00 exception code 0xc0000374",
    "copied from the console:\x0c Access denied \x1b[1m(0x80070005)\x1b[0m 😩",
]


class Generator:
    """Builds sessions; ``rng`` makes it deterministic for a seed."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.gsnumber = 100

    def lsid(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"

    def next_gs(self) -> int:
        self.gsnumber = self.gsnumber + 1 if self.gsnumber < 9000 else 101
        return self.gsnumber

    # -- parties -----------------------------------------------------------------------------

    def customer(self, company: tuple[str, str], issue: tuple) -> Party:
        rng = self.rng
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        username = name.split()[0][0].lower() + name.split()[1].lower()
        host = f"{company[1]}-{rng.choice(['LT', 'WS'])}-{rng.randint(100, 9999):04d}"
        public = (f"[2001:db8:{rng.randint(1, 0xffff):x}::{rng.randint(1, 0xffff):x}]"
                  f":{rng.randint(49152, 65535)}" if rng.random() < 0.1 else
                  f"198.51.100.{rng.randint(2, 254)}:{rng.randint(49152, 65535)}")
        fields = {"username": username, "public_ip": public,
                  "private_ip": f"10.{rng.randint(1, 40)}.{rng.randint(0, 255)}."
                                f"{rng.randint(2, 254)}" if rng.random() > 0.05 else "Unknown",
                  "hostname": host, "os": rng.choice(CUSTOMER_OS), "primary_cust": "1",
                  "info": {"name": name, "company": company[0], "company_code": company[1],
                           "issue": issue[0], "details": issue[1]}}
        return Party("customer", self.next_gs(), name, fields)

    def jump_target(self) -> Party:
        host = f"SRV-{self.rng.choice(['SQL', 'FS', 'APP', 'DC'])}{self.rng.randint(1, 9):02d}"
        fields = {"username": host, "public_ip": f"10.0.8.{self.rng.randint(2, 250)}:0",
                  "private_ip": f"10.0.8.{self.rng.randint(2, 250)}", "hostname": host,
                  "os": "Windows Server 2022 Datacenter", "primary_cust": "1",
                  "info": {"name": host, "company": "", "issue": "", "details": ""}}
        return Party("customer", self.next_gs(), host, fields)

    def rep(self, row: tuple, owner: bool, primary: bool, seconds: int) -> Party:
        rep_id, username, private, public, teams, host, os_name = row
        fields = {"username": username, "display_name": private, "public_display_name": public,
                  "private_display_name": private, "display_number": str(rep_id + 100),
                  "public_ip": f"203.0.113.{rep_id + 20}:{self.rng.randint(49152, 65535)}",
                  "private_ip": f"10.20.1.{rep_id + 10}", "hostname": host, "os": os_name,
                  "session_owner": "1" if owner else "0", "primary_rep": "1" if primary else "0",
                  "seconds_involved": str(seconds), "_id": str(rep_id),
                  "_teams": ", ".join(TEAMS[t] for t in teams)}
        return Party("representative", self.next_gs(), private, fields)

    def reps_of(self, team: int) -> list[tuple]:
        return [r for r in REPS if team in r[4]]
