"""The story of each generated support session, and the month (or benchmark day) of them.

A session is written as a timeline of ``session_details`` events in the order an appliance
logs them (seed 004 lists the event types; ../shared/samples/beyondtrust.md the converter's
``data`` value names). Sessions running at "now" keep the events still to come in
``later``, which ``SimSession`` gains when the simulator closes it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.demo.beyondtrust_data import (
    COMPANIES,
    DAY,
    ISSUES,
    JUMPOINTS,
    QUESTIONS_CUSTOMER,
    QUESTIONS_REP,
    SITES,
    TEAMS,
    TERMINAL_PASTES,
    Generator,
    Party,
    SimEvent,
    SimSession,
)

CLOSINGS = ["That works, thank you!", "Perfect, thanks so much 🙏", "Great, all good now 👍",
            "Thanks!", "It works now. Have a nice day!", "Brilliant, cheers ☺"]
WINDOWS = [("OUTLOOK.EXE", "Inbox - Outlook"), ("explorer.exe", "This PC"),
           ("EXCEL.EXE", "Q3 forecast.xlsx - Excel"), ("chrome.exe", "Intranet - Google Chrome"),
           ("Teams.exe", "Microsoft Teams"), ("cmd.exe", "Administrator: Command Prompt")]


class Timeline:
    """Events appended with a moving clock (gaps in seconds)."""

    def __init__(self, start: int) -> None:
        self.t = start
        self.events: list[SimEvent] = []

    def add(self, gap: int, event_type: str, **fields) -> SimEvent:
        self.t += max(gap, 0)
        event = SimEvent(self.t, event_type, **fields)
        self.events.append(event)
        return event


class SessionWriter(Generator):
    """Writes whole sessions on top of the parties ``Generator`` makes."""

    def session(self, start: int, *, events_target: int | None = None,
                kind: str | None = None) -> SimSession:
        rng = self.rng
        kind = kind or rng.choices(["answered", "abandoned", "jump"], [84, 8, 8])[0]
        issue = rng.choice(ISSUES)
        customer = self.jump_target() if kind == "jump" else self.customer(
            rng.choice(COMPANIES), issue)
        team = rng.choice([2, 3]) if kind == "jump" else issue[2]
        line = Timeline(start)
        self._arrival(line, customer, team, kind)
        session = SimSession(
            lsid=self.lsid(), lseq=0, start=start, end=None,
            public_site=SITES[0] if rng.random() < 0.9 else SITES[1], customer=customer,
            reps=[], teams=[(team, TEAMS[team])], events=line.events,
            jumpoint=rng.choice(JUMPOINTS) if kind == "jump" else None,
            external_key=f"INC{rng.randint(100000, 999999):07d}" if rng.random() < 0.75 else "",
            custom_attributes=self._custom_attributes(),
        )
        if kind == "abandoned":
            self._abandon(line, customer)
        else:
            self._work(line, session, issue, team, kind == "jump")
        if events_target:
            self._pad(line, session, events_target)
        session.end = line.t
        return session

    # -- parts of the story ---------------------------------------------------------------------

    def _arrival(self, line: Timeline, customer: Party, team: int, kind: str) -> None:
        line.add(0, "Session Start")
        line.add(0, "Conference Owner Changed", system_destination="Pre-start Conference",
                 data=[("owner", "Pre-start Conference")])
        line.add(1, "Conference Member Added", destination=customer, data=[
            ("name", customer.name), ("hostname", customer.fields["hostname"]),
            ("os", customer.fields["os"]), ("private_ip", customer.fields["private_ip"]),
            ("public_ip", customer.fields["public_ip"]), ("type", "customer")])
        if kind != "jump" and self.rng.random() < 0.5:
            line.add(2, "Legal Agreement Response", performed_by=customer, data=[
                ("response", "accept"), ("title", "Remote support consent"),
                ("text", ("By accepting you allow our technician to view and control this "
                         "computer for the length of this session."))])
        line.add(1, "Conference Owner Changed", system_destination=f"{TEAMS[team]} queue",
                 data=[("owner", TEAMS[team])])
        line.add(3, "System Information Retrieved", performed_by=customer,
                 system_information=self._system_information(customer))

    def _abandon(self, line: Timeline, customer: Party) -> None:
        wait = int(self.rng.uniform(90, 1500))
        if wait > 300:
            line.add(240, "Chat Message", destination=customer,
                     body="All of our technicians are busy helping other customers. "
                          "Please stay connected, you are next in line.")
        line.add(wait, "Session End", performed_by=customer)

    def _work(self, line: Timeline, session: SimSession, issue: tuple, team: int,
              jump: bool) -> None:
        rng = self.rng
        customer = session.customer
        row = rng.choice(self.reps_of(team))
        rep = self._join(line, session, row, owner=True, wait=0 if jump else
                         int(rng.expovariate(1 / 150)) + 20)
        if not jump:
            self._greet(line, rep, customer, issue, team)
        if rng.random() < 0.85:
            line.add(rng.randint(10, 60), "Screen Recording", performed_by=rep)
        for name in issue[3]:
            line.add(rng.randint(30, 240), "File Upload", performed_by=rep, destination=customer,
                     filename=name, filesize=rng.randint(80_000, 350_000_000),
                     data=[("path", (f"C:\\Users\\{customer.fields['username']}\\Downloads\\"
                                    f"{name}"))])
        for pattern in issue[4]:
            name = pattern.format(d=datetime.fromtimestamp(line.t, UTC).strftime("%Y%m%d"))
            line.add(rng.randint(30, 300), "File Download", performed_by=customer,
                     destination=rep, filename=name, filesize=rng.randint(4_000, 90_000_000))
        if issue[5] or jump:
            for instance in range(1 + (rng.random() < 0.2)):
                line.add(rng.randint(60, 400), "Command Shell Session Started",
                         performed_by=rep, data=[("instance", str(instance))])
        if not jump and rng.random() < 0.08:
            line.add(rng.randint(20, 120), "Chat Message", performed_by=customer,
                     destination=rep, body=rng.choice(TERMINAL_PASTES).format(
                         domain=customer.fields["hostname"].split("-")[0].lower() + ".com"))
        if not jump and rng.random() < 0.1:
            line.add(rng.randint(20, 120), "Show My Screen Recording", performed_by=rep,
                     data=[("instance", "0")])
        for _ in range(rng.randint(0, 3)):
            exe, title = rng.choice(WINDOWS)
            line.add(rng.randint(5, 90), "Session Foreground Window Changed",
                     performed_by=customer, data=[("exeName", exe), ("windowName", title)])
        rep = self._maybe_transfer_or_conference(line, session, rep, team)
        self._finish(line, session, rep, issue, jump)

    def _join(self, line: Timeline, session: SimSession, row: tuple, *, owner: bool,
              wait: int, inviter: Party | None = None) -> Party:
        rep = self.rep(row, owner=owner, primary=False, seconds=0)
        rep.fields["_joined"] = line.t + wait
        session.reps.append(rep)
        if inviter is None:
            line.add(max(wait - 15, 0), "Session Assigned", destination=rep,
                     data=[("representative_id", str(row[0])), ("timeout", "30")])
            line.add(min(wait, 15), "Session Assignment Response", performed_by=rep,
                     data=[("response", "accepted")])
        line.add(1, "Conference Member Added", performed_by=inviter or rep, destination=rep,
                 data=[("name", rep.name), ("username", rep.fields["username"]),
                       ("private_ip", rep.fields["private_ip"]),
                       ("public_ip", rep.fields["public_ip"]),
                       ("hostname", rep.fields["hostname"]), ("os", rep.fields["os"]),
                       ("support_teams", rep.fields["_teams"]), ("user_id", str(row[0]))])
        if owner:
            line.add(0, "Conference Owner Changed", destination=rep, data=[("owner", rep.name)])
        return rep

    def _greet(self, line: Timeline, rep: Party, customer: Party, issue: tuple,
               team: int) -> None:
        first = customer.name.split()[0]
        line.add(4, "Chat Message", performed_by=rep, destination=customer,
                 body=f"Hi {first}, this is {rep.name.split()[0]} from {TEAMS[team]}. I can "
                      f"see your request: {issue[0].lower()}. Is now a good time?")
        line.add(self.rng.randint(8, 60), "Chat Message", performed_by=customer,
                 destination=rep, body=self.rng.choice(
                     ["Yes, thanks for picking this up.", ("Hi! Yes please, it started this "
                      "morning."), "Yes. " + issue[1] + "."]))
        line.add(self.rng.randint(5, 30), "Chat Message", performed_by=rep, destination=customer,
                 body="I'm going to start screen sharing so I can take a look. Please click "
                      "Allow when the prompt appears.")

    def _maybe_transfer_or_conference(self, line: Timeline, session: SimSession, rep: Party,
                                      team: int) -> Party:
        rng = self.rng
        roll = rng.random()
        if roll < 0.12:  # escalate: the session moves to a second-line team
            other = 2 if team != 2 else 4
            line.add(rng.randint(30, 120), "Chat Message", performed_by=rep,
                     destination=session.customer,
                     body=f"I'm transferring you to a colleague in {TEAMS[other]}, please "
                          "stay connected.")
            line.add(5, "Conference Owner Changed", system_destination=f"{TEAMS[other]} queue",
                     data=[("owner", TEAMS[other])])
            line.add(2, "Conference Member Departed", performed_by=rep, destination=rep,
                     data=[("name", rep.name)])
            rep.fields["_left"] = line.t
            session.teams.append((other, TEAMS[other]))
            return self._join(line, session, rng.choice(self.reps_of(other)), owner=True,
                              wait=int(rng.expovariate(1 / 120)) + 20)
        if roll < 0.22:  # a conference: a colleague joins, helps, leaves
            helper = rng.choice(self.reps_of(3 if team != 3 else 2))
            member = self._join(line, session, helper, owner=False, wait=rng.randint(30, 200),
                                inviter=rep)
            line.add(rng.randint(10, 60), "Chat Message", performed_by=rep, destination=member,
                     body="Can you check whether the firewall is dropping this machine's "
                          "traffic?")
            line.add(rng.randint(30, 240), "Chat Message", performed_by=member,
                     destination=rep, body="Found it: the device was in the quarantine group. "
                                           "Moved it back.")
            line.add(rng.randint(5, 30), "Conference Member Departed", performed_by=member,
                     destination=member, data=[("name", member.name)])
            member.fields["_left"] = line.t
        return rep

    def _finish(self, line: Timeline, session: SimSession, rep: Party, issue: tuple,
                jump: bool) -> None:
        rng = self.rng
        key = session.external_key
        line.add(rng.randint(60, 900), "Session Note Added", performed_by=rep,
                 body=issue[6] + (f" Ticket {key}." if key else ""), data=[("number", "1")])
        if not jump:
            line.add(rng.randint(10, 60), "Chat Message", performed_by=rep,
                     destination=session.customer,
                     body=issue[6] + " Could you check that everything works for you now?")
            line.add(rng.randint(10, 90), "Chat Message", performed_by=session.customer,
                     destination=rep, body=rng.choice(CLOSINGS))
            if rng.random() < 0.45:
                session.cust_survey = _answers(rng, QUESTIONS_CUSTOMER)
                line.add(rng.randint(5, 40), "Customer Exit Survey",
                         performed_by=session.customer)
        if rng.random() < 0.7:
            session.rep_survey = _answers(rng, QUESTIONS_REP)
            line.add(rng.randint(10, 120), "Representative Exit Survey", performed_by=rep)
        line.add(rng.randint(3, 20), "Session End",
                 performed_by=rep if jump or rng.random() < 0.7 else session.customer)
        owners = [p for p in session.reps if p.fields["session_owner"] == "1"]
        owners[-1].fields["primary_rep"] = "1"

    def _pad(self, line: Timeline, session: SimSession, target: int) -> None:
        """Benchmark sessions: fill with chat and window changes up to ``target`` events,
        before the closing events, at the same second as the event they follow."""
        rep = next((p for p in session.reps if p.fields["primary_rep"] == "1"), None)
        closing = min(3, len(line.events))
        at = len(line.events) - closing
        stamp = line.events[at - 1].timestamp if at else session.start
        extra = []
        while len(line.events) + len(extra) < target:
            exe, title = self.rng.choice(WINDOWS)
            if rep is not None and len(extra) % 2:
                extra.append(SimEvent(stamp, "Chat Message", performed_by=rep,
                                      destination=session.customer,
                                      body=f"Step {len(extra)}: please open {title}."))
            else:
                extra.append(SimEvent(stamp, "Session Foreground Window Changed",
                                      performed_by=session.customer,
                                      data=[("exeName", exe), ("windowName", title)]))
        line.events[at:at] = extra

    def _custom_attributes(self) -> list[tuple[str, str, str]]:
        return [("ticket_priority", "Ticket Priority", self.rng.choice(["P2", "P3", "P3", "P4"])),
                ("asset_tag", "Asset Tag", f"AT-{self.rng.randint(10000, 99999)}")]

    def _system_information(self, customer: Party) -> list[dict]:
        rng = self.rng
        return [
            {"name": "Operating System", "columns": ["Name", "Version", "Architecture"],
             "rows": [[customer.fields["os"], f"10.0.{rng.choice([19045, 22631, 26100])}",
                       "x64"]]},
            {"name": "Drives", "columns": ["Drive", "Type", "Size", "Percent Used"],
             "rows": [["C:\\", "Local Disk", f"{rng.choice([256, 512, 1024])} GB",
                       f"{rng.randint(35, 97)}%"]]},
            {"name": "Network Adapters", "columns": ["Name", "IP Address", "MAC Address"],
             "rows": [["Intel(R) Wi-Fi 6E AX211", customer.fields["private_ip"],
                       ":".join(f"{rng.randint(0, 255):02X}" for _ in range(6))]]},
        ]


def _answers(rng, questions: list[tuple]) -> list[dict]:
    return [{"id": str(number), "name": name, "type": kind, "label": label,
             "report_header": header, "answers": [rng.choice(choices)]}
            for number, (name, kind, label, header, choices) in enumerate(questions, 1)]


# -- whole periods ---------------------------------------------------------------------------

def month(now: datetime, *, days: int = 30, seed: int = 7,
          per_weekday: tuple[int, int] = (26, 42)) -> list[SimSession]:
    """A help desk's ``days`` up to ``now``: business hours 08:00-18:00 at UTC-5 on weekdays,
    a trickle at weekends, three sessions running at ``now`` and one, twelve days back, that
    closed abnormally (no end time, ever)."""
    writer = SessionWriter(seed)
    now_ts = int(now.timestamp())
    first = datetime(now.year, now.month, now.day, tzinfo=UTC) - timedelta(days=days)
    sessions = []
    for offset in range(days + 1):
        day = first + timedelta(days=offset)
        weekday = day.weekday() < 5
        count = writer.rng.randint(*per_weekday) if weekday else writer.rng.randint(1, 5)
        for _ in range(count):
            start = int(day.timestamp()) + writer.rng.randint(13 * 3600, 23 * 3600)
            if start < now_ts - 3 * 3600 and start > now_ts - (days + 1) * DAY:
                sessions.append(writer.session(start))
    for minutes in (38, 21, 6):
        running = writer.session(now_ts - minutes * 60, kind="answered")
        sessions.append(cut_at(running, now_ts))
    broken = writer.session(now_ts - 12 * DAY + 3600, kind="answered")
    broken = cut_at(broken, broken.start + (broken.end - broken.start) // 2)
    broken.never_closes = True
    sessions.append(broken)
    return numbered(sessions)


def busy_day(day_start: int, count: int, events_per_session: int,
             seed: int = 11) -> list[SimSession]:
    """The benchmark's day: ``count`` sessions over 24 hours, each with exactly
    ``events_per_session`` events (or its natural length when that is longer)."""
    writer = SessionWriter(seed)
    starts = sorted(writer.rng.randint(day_start, day_start + DAY - 7200) for _ in range(count))
    return numbered([writer.session(s, events_target=events_per_session,
                                    kind=writer.rng.choice(["answered"] * 9 + ["jump"]))
                     for s in starts])


def cut_at(session: SimSession, moment: int) -> SimSession:
    """The session as the appliance sees it at ``moment``: events so far, no end time."""
    session.later = [e for e in session.events if e.timestamp > moment]
    session.events = [e for e in session.events if e.timestamp <= moment]
    session.end = None
    return session


def numbered(sessions: list[SimSession]) -> list[SimSession]:
    sessions.sort(key=lambda s: s.start)
    for lseq, session in enumerate(sessions, 48211):
        session.lseq = lseq
    return sessions
