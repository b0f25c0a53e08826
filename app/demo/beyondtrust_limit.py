"""The SupportSession report's ``limit=`` parameter on the simulated appliance.

Seed 004 (004_942a11b5f8f578e9.txt lines 635-638), "Optional parameter for SupportSession":
``limit=[string]`` is "the category by which to filter results" and "cannot be used in
conjunction with either lsid or lsids ... the limit parameter will be ignored". The list of
categories did not survive in the seed; its query examples (lines 756-767) give them:
``limit=all``, ``rep:1``, ``team:all``, ``team:1``, ``members:1`` and ``site:1``. What each
one selects is read from the examples' captions ("for all sessions", "for a specific rep",
"for all teams", "for a specific team", "for members of a specific team", "for a specific
public site"); the assumptions are noted below.
"""

from __future__ import annotations

from collections.abc import Callable

from app.demo.beyondtrust_data import REPS, SimSession

#: representative id -> the ids of the teams they belong to (the demo's staff list).
MEMBERSHIP = {str(row[0]): {str(team) for team in row[4]} for row in REPS}

Match = Callable[[SimSession, int], bool]


def limit_filter(value: str) -> Match | None:
    """A predicate for ``limit=value`` (taking the session and the moment of the report),
    or None when the value is no category the seed shows."""
    category, _, wanted = value.strip().partition(":")
    if category == "all" and not wanted:
        return lambda session, now: True
    if not wanted:
        return None
    if category == "rep":
        # Assumption: "for a specific rep" is every session the representative took part in
        # (its rep_list), as a manager reading one person's work expects, not only those the
        # rep owned last (primary_rep).
        return lambda session, now: wanted in {r.fields["_id"] for r in _reps(session, now)}
    if category == "team":
        # team:all = sessions that belonged to any team; team:ID = those whose team_list
        # holds that team (seed 004: team_list lists "all teams to which the session belonged").
        if wanted == "all":
            return lambda session, now: bool(session.teams)
        return lambda session, now: wanted in {str(team) for team, _ in session.teams}
    if category == "members":
        # Assumption: "for members of a specific team" is every session a member of that team
        # took part in, whichever queue it came through.
        return lambda session, now: any(wanted in MEMBERSHIP.get(r.fields["_id"], ())
                                        for r in _reps(session, now))
    if category == "site":
        return lambda session, now: wanted == str(session.public_site[0])
    return None


def _reps(session: SimSession, now: int) -> list:
    """The representatives the report lists for the session at ``now`` (its rep_list)."""
    moment = session.end if session.end is not None else now
    return [r for r in session.reps if r.fields["_joined"] <= moment]
