"""Maintenance against the notice the terms promise: in which window it lies, how far ahead it
was announced, and whether it counts as downtime.

Under terms with a `notice` (seed 004: 72 hours), a maintenance announced at least that long
before it began is planned and not downtime; announced later, after it began or never, it is
unplanned downtime and counts. A maintenance that starts in one of the terms' windows (seed 004:
the first Tuesday of the month from 17:00, local time) is also judged by the window's reminder
(seed 004: at least 7 days ahead): a later reminder breaks that promise, and whether the
maintenance counts is still decided by the notice alone. The log's `announced` is the
announcement, or for a maintenance in a window its reminder.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from mailcheck.sla.downtime import Span, announced_maintenance
from mailcheck.sla.incidents import Incident
from mailcheck.sla.terms import Availability, MaintenanceWindow
from mailcheck.sla.vocabulary import Cause


@dataclass(frozen=True)
class MaintenanceNotice:
    """How one maintenance stands against the terms' notice."""

    incident: Incident
    window: MaintenanceWindow | None  # the regular window it starts in, if any
    counted: bool  # downtime under the terms
    reminder_late: bool  # in a window whose promised reminder came later

    @property
    def kept(self) -> bool:
        """Announced as the terms promise: not counted, and reminded in time in a window."""
        return not self.counted and not self.reminder_late


def maintenance_in(incidents: Iterable[Incident], bounds: Span) -> list[Incident]:
    """The maintenance entries that overlap the month, by start."""
    found = [
        incident
        for incident in incidents
        if incident.cause is Cause.MAINTENANCE
        and Span(incident.start, incident.end).clipped(bounds) is not None
    ]
    return sorted(found, key=lambda incident: (incident.start, incident.line))


def judge_notice(incident: Incident, terms: Availability) -> MaintenanceNotice:
    zone = terms.zone
    window = next((w for w in terms.maintenance.windows if w.holds(incident.start, zone)), None)
    return MaintenanceNotice(
        incident,
        window,
        counted=not announced_maintenance(incident, terms),
        reminder_late=window is not None and not _reminded(incident, window, zone),
    )


def _reminded(incident: Incident, window: MaintenanceWindow, zone: dt.tzinfo) -> bool:
    reminder = window.reminder_notice
    if reminder is None:
        return True
    announced = incident.announced
    return announced is not None and announced <= reminder.latest(incident.start, zone)
