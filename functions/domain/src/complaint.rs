//! A complaint's deadlines, after the national complaint-handling timeline (SP4N-LAPOR!):
//! acknowledged at once (the reply to the complaint itself), handled by an officer within 3
//! working days, answered within 5 and closed within 10.
//!
//! The three dates are fixed when the complaint is filed, with the calendar of that day (the
//! resident is told them then; a holiday declared later does not move a promise already made).
//! What happened since (claimed, first answer, closed, escalated) is recorded on the request; the
//! state of each deadline on a given day is computed here, for the queue, the statistics and the
//! supervisors' digest alike.

use crate::calendar::{add_working_days, is_working_day, jakarta_date};
use crate::request::iso_date;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

/// Working days from filing to each milestone.
pub const HANDLE_WITHIN_DAYS: u8 = 3;
pub const ANSWER_WITHIN_DAYS: u8 = 5;
pub const CLOSE_WITHIN_DAYS: u8 = 10;

/// The three things a complaint is held to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Milestone {
    /// An officer took it up (claimed it).
    Handled,
    /// An officer's first message to the resident.
    Answered,
    /// Completed.
    Closed,
}

impl Milestone {
    pub const ALL: [Milestone; 3] = [Milestone::Handled, Milestone::Answered, Milestone::Closed];

    pub const fn as_str(self) -> &'static str {
        match self {
            Milestone::Handled => "handled",
            Milestone::Answered => "answered",
            Milestone::Closed => "closed",
        }
    }
}

/// Where one deadline stands on a given day. The order is the urgency: a queue sorts and a
/// complaint is flagged by its most urgent milestone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineState {
    /// Reached on or before its day.
    Met,
    /// Reached, after its day.
    MetLate,
    /// Not reached, more than one working day left.
    Pending,
    /// Not reached, due today or on the next working day.
    DueSoon,
    /// Not reached and its day has passed.
    Missed,
}

impl DeadlineState {
    pub const fn as_str(self) -> &'static str {
        match self {
            DeadlineState::Met => "met",
            DeadlineState::MetLate => "met_late",
            DeadlineState::Pending => "pending",
            DeadlineState::DueSoon => "due_soon",
            DeadlineState::Missed => "missed",
        }
    }
}

/// A complaint's timeline: its three deadlines and when each milestone was reached.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintTimeline {
    #[serde(with = "iso_date")]
    pub handle_by: Date,
    #[serde(with = "iso_date")]
    pub answer_by: Date,
    #[serde(with = "iso_date")]
    pub close_by: Date,
    /// First claimed by an officer.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub handled_at: Option<OffsetDateTime>,
    /// An officer's first message on the ticket.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub answered_at: Option<OffsetDateTime>,
    /// The resident asked for escalation: supervisors see the complaint flagged.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub escalated_at: Option<OffsetDateTime>,
}

/// One deadline on a given day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deadline {
    pub milestone: Milestone,
    pub due: Date,
    pub reached_at: Option<OffsetDateTime>,
    pub state: DeadlineState,
}

impl ComplaintTimeline {
    /// The deadlines of a complaint filed at `filed` (Jakarta working days after that day).
    pub fn filed(filed: OffsetDateTime, holidays: &[Date]) -> Self {
        let day = jakarta_date(filed);
        Self {
            handle_by: add_working_days(day, HANDLE_WITHIN_DAYS, holidays),
            answer_by: add_working_days(day, ANSWER_WITHIN_DAYS, holidays),
            close_by: add_working_days(day, CLOSE_WITHIN_DAYS, holidays),
            handled_at: None,
            answered_at: None,
            escalated_at: None,
        }
    }

    pub fn due(&self, milestone: Milestone) -> Date {
        match milestone {
            Milestone::Handled => self.handle_by,
            Milestone::Answered => self.answer_by,
            Milestone::Closed => self.close_by,
        }
    }

    /// When `milestone` was reached. Closing a complaint also handles and answers it (an officer
    /// may close one answered by telephone or at the counter).
    pub fn reached_at(
        &self,
        milestone: Milestone,
        closed_at: Option<OffsetDateTime>,
    ) -> Option<OffsetDateTime> {
        let recorded = match milestone {
            Milestone::Handled => self.handled_at,
            Milestone::Answered => self.answered_at,
            Milestone::Closed => None,
        };
        match (recorded, closed_at) {
            (Some(at), Some(closed)) => Some(at.min(closed)),
            (Some(at), None) => Some(at),
            (None, closed) => closed,
        }
    }

    /// Each deadline as it stands on `today`.
    pub fn deadlines(
        &self,
        closed_at: Option<OffsetDateTime>,
        today: Date,
        holidays: &[Date],
    ) -> [Deadline; 3] {
        Milestone::ALL.map(|milestone| {
            let due = self.due(milestone);
            let reached_at = self.reached_at(milestone, closed_at);
            let state = match reached_at {
                Some(at) if jakarta_date(at) <= due => DeadlineState::Met,
                Some(_) => DeadlineState::MetLate,
                None if today > due => DeadlineState::Missed,
                None if today == due || next_working_day(today, holidays) >= due => {
                    DeadlineState::DueSoon
                }
                None => DeadlineState::Pending,
            };
            Deadline {
                milestone,
                due,
                reached_at,
                state,
            }
        })
    }

    /// The most urgent state of the three on `today` (what the queue flags).
    pub fn flag(
        &self,
        closed_at: Option<OffsetDateTime>,
        today: Date,
        holidays: &[Date],
    ) -> DeadlineState {
        self.deadlines(closed_at, today, holidays)
            .iter()
            .map(|d| d.state)
            .max()
            .unwrap_or(DeadlineState::Met)
    }

    /// The resident may ask for escalation of an open complaint once, after its answer deadline
    /// passed unanswered or its closing deadline passed.
    pub fn can_escalate(&self, open: bool, today: Date) -> bool {
        open && self.escalated_at.is_none()
            && ((self.answered_at.is_none() && today > self.answer_by) || today > self.close_by)
    }

    /// Records an officer's claim (the first one counts).
    pub fn record_handled(&mut self, at: OffsetDateTime) {
        self.handled_at.get_or_insert(at);
    }

    /// Records an officer's message (the first one counts).
    pub fn record_answer(&mut self, at: OffsetDateTime) {
        self.answered_at.get_or_insert(at);
    }
}

/// The working day after `day`.
fn next_working_day(day: Date, holidays: &[Date]) -> Date {
    let mut next = day;
    loop {
        next = match next.next_day() {
            Some(d) => d,
            None => return next,
        };
        if is_working_day(next, holidays) {
            return next;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    /// The bundled national calendar (Christmas 2026 is a Friday; 24 December is cuti bersama).
    fn holidays() -> Vec<Date> {
        crate::calendar::holidays_with(&[])
    }

    #[test]
    fn deadlines_count_working_days_from_the_filing_day_in_jakarta() {
        // Thursday 3 December 2026, 23:30 in Jakarta (16:30 UTC).
        let t = ComplaintTimeline::filed(datetime!(2026-12-03 16:30 UTC), &holidays());
        assert_eq!(t.handle_by, date!(2026 - 12 - 08)); // Fri 4, Mon 7, Tue 8
        assert_eq!(t.answer_by, date!(2026 - 12 - 10));
        assert_eq!(t.close_by, date!(2026 - 12 - 17));
        // The same instant is already Friday in Jakarta when filed at 17:30 UTC.
        let late = ComplaintTimeline::filed(datetime!(2026-12-03 17:30 UTC), &holidays());
        assert_eq!(late.handle_by, date!(2026 - 12 - 09));
        // Across Christmas: 24 (cuti bersama) and 25 are not working days.
        let xmas = ComplaintTimeline::filed(datetime!(2026-12-22 09:00 +7), &holidays());
        assert_eq!(xmas.handle_by, date!(2026 - 12 - 29)); // Wed 23, Mon 28, Tue 29
    }

    #[test]
    fn each_deadline_is_pending_then_due_soon_then_missed_unless_reached() {
        let h = holidays();
        let mut t = ComplaintTimeline::filed(datetime!(2026-12-03 09:00 +7), &h);
        let states =
            |t: &ComplaintTimeline, today: Date| t.deadlines(None, today, &h).map(|d| d.state);
        use DeadlineState::*;
        assert_eq!(
            states(&t, date!(2026 - 12 - 03)),
            [Pending, Pending, Pending]
        );
        // Monday 7: handling is due on Tuesday, the next working day.
        assert_eq!(
            states(&t, date!(2026 - 12 - 07)),
            [DueSoon, Pending, Pending]
        );
        // Friday 4: Monday is the next working day, handling is not yet close.
        assert_eq!(
            states(&t, date!(2026 - 12 - 04)),
            [Pending, Pending, Pending]
        );
        assert_eq!(
            states(&t, date!(2026 - 12 - 09)),
            [Missed, DueSoon, Pending]
        );
        t.record_handled(datetime!(2026-12-09 10:00 +7));
        t.record_handled(datetime!(2026-12-10 10:00 +7));
        assert_eq!(t.handled_at, Some(datetime!(2026-12-09 10:00 +7)));
        assert_eq!(
            states(&t, date!(2026 - 12 - 09)),
            [MetLate, DueSoon, Pending]
        );
        t.record_answer(datetime!(2026-12-10 15:59 +7));
        assert_eq!(states(&t, date!(2026 - 12 - 11)), [MetLate, Met, Pending]);
        assert_eq!(states(&t, date!(2026 - 12 - 18)), [MetLate, Met, Missed]);
        assert_eq!(t.flag(None, date!(2026 - 12 - 18), &h), Missed);
        let closed = Some(datetime!(2026-12-17 11:00 +7));
        assert_eq!(
            t.deadlines(closed, date!(2026 - 12 - 18), &h)
                .map(|d| d.state),
            [MetLate, Met, Met]
        );
        assert_eq!(t.flag(closed, date!(2026 - 12 - 18), &h), MetLate);
    }

    #[test]
    fn closing_reaches_the_milestones_before_it() {
        let h = holidays();
        let t = ComplaintTimeline::filed(datetime!(2026-12-03 09:00 +7), &h);
        let closed = Some(datetime!(2026-12-04 09:00 +7));
        let d = t.deadlines(closed, date!(2026 - 12 - 30), &h);
        assert!(d.iter().all(|d| d.state == DeadlineState::Met), "{d:?}");
        assert!(d.iter().all(|d| d.reached_at == closed));
    }

    #[test]
    fn escalation_is_open_after_a_missed_answer_or_close_and_only_once() {
        let h = holidays();
        let mut t = ComplaintTimeline::filed(datetime!(2026-12-03 09:00 +7), &h);
        assert!(!t.can_escalate(true, date!(2026 - 12 - 10)));
        assert!(t.can_escalate(true, date!(2026 - 12 - 11)));
        assert!(!t.can_escalate(false, date!(2026 - 12 - 11)));
        t.record_answer(datetime!(2026-12-11 08:00 +7));
        assert!(!t.can_escalate(true, date!(2026 - 12 - 11)));
        assert!(!t.can_escalate(true, date!(2026 - 12 - 17)));
        assert!(t.can_escalate(true, date!(2026 - 12 - 18)));
        t.escalated_at = Some(datetime!(2026-12-18 08:00 +7));
        assert!(!t.can_escalate(true, date!(2026 - 12 - 19)));
    }

    #[test]
    fn the_timeline_reads_back_as_written() {
        let mut t = ComplaintTimeline::filed(datetime!(2026-12-03 09:00 +7), &holidays());
        t.record_handled(datetime!(2026-12-04 09:00 +7));
        let json = serde_json::to_value(&t).unwrap();
        assert_eq!(json["handle_by"], "2026-12-08");
        assert!(json.get("answered_at").is_none());
        let back: ComplaintTimeline = serde_json::from_value(json).unwrap();
        assert_eq!(back, t);
    }
}

/// One complaint for the supervisors' daily digest: open and past a deadline, or escalated by
/// the resident.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigestEntry {
    pub ticket: crate::TicketId,
    /// The officer who claimed it, if any.
    pub assigned_to: Option<String>,
    /// The deadlines passed unreached, earliest first.
    pub missed: Vec<Date>,
    pub missed_milestones: Vec<Milestone>,
    pub escalated_at: Option<OffsetDateTime>,
    /// Working days since its earliest missed deadline (0 when only escalated).
    pub working_days_late: u32,
}

/// The open complaints a supervisor must hear about on `today`: escalated ones first, then by
/// how long past their earliest missed deadline.
pub fn digest(requests: &[crate::Request], today: Date, holidays: &[Date]) -> Vec<DigestEntry> {
    let mut entries: Vec<DigestEntry> = requests
        .iter()
        .filter(|r| r.status.is_open())
        .filter_map(|r| {
            let timeline = r.complaint.as_ref()?;
            let missed: Vec<Deadline> = timeline
                .deadlines(r.completed_at, today, holidays)
                .into_iter()
                .filter(|d| d.state == DeadlineState::Missed)
                .collect();
            if missed.is_empty() && timeline.escalated_at.is_none() {
                return None;
            }
            let working_days_late = missed
                .first()
                .map_or(0, |d| working_days_between(d.due, today, holidays));
            Some(DigestEntry {
                ticket: r.ticket,
                assigned_to: r.assigned_to.clone(),
                missed: missed.iter().map(|d| d.due).collect(),
                missed_milestones: missed.iter().map(|d| d.milestone).collect(),
                escalated_at: timeline.escalated_at,
                working_days_late,
            })
        })
        .collect();
    entries.sort_by(|a, b| {
        b.escalated_at
            .is_some()
            .cmp(&a.escalated_at.is_some())
            .then(b.working_days_late.cmp(&a.working_days_late))
            .then(a.ticket.cmp(&b.ticket))
    });
    entries
}

/// Working days after `from` up to and including `to` (0 when `to` is not after `from`).
fn working_days_between(from: Date, to: Date, holidays: &[Date]) -> u32 {
    let mut days = 0;
    let mut day = from;
    while day < to {
        day = match day.next_day() {
            Some(d) => d,
            None => break,
        };
        if is_working_day(day, holidays) {
            days += 1;
        }
    }
    days
}

#[cfg(test)]
mod digest_tests {
    use super::*;
    use crate::{Request, RequestStatus, ResidentId, ServiceCode, TicketId};
    use time::macros::{date, datetime};

    fn complaint(n: u64, filed: OffsetDateTime) -> Request {
        let mut r = Request::open(
            TicketId::from_random(n),
            ServiceCode::Complaint,
            ResidentId::Phone("628".into()),
            filed,
        );
        r.status = RequestStatus::Submitted;
        r.complaint = Some(ComplaintTimeline::filed(filed, &[]));
        r
    }

    #[test]
    fn the_digest_lists_open_complaints_past_a_deadline_or_escalated() {
        let today = date!(2026 - 12 - 07); // Monday
        // Filed Friday 27 Nov: handle by 2 Dec, answer by 4 Dec (both missed, 3 working days).
        let old = complaint(1, datetime!(2026-11-27 09:00 +7));
        // Filed Tuesday 1 Dec: handle by Friday 4 Dec, missed by 1 working day.
        let newer = complaint(2, datetime!(2026-12-01 09:00 +7));
        // Filed today: nothing due.
        let fresh = complaint(3, datetime!(2026-12-07 08:00 +7));
        // Escalated, and handled and answered in time (closing not yet due).
        let mut escalated = complaint(4, datetime!(2026-12-02 09:00 +7));
        let t = escalated.complaint.as_mut().unwrap();
        t.record_handled(datetime!(2026-12-02 10:00 +7));
        t.record_answer(datetime!(2026-12-02 11:00 +7));
        t.escalated_at = Some(datetime!(2026-12-07 07:00 +7));
        // Past every deadline but closed: not listed.
        let mut closed = complaint(5, datetime!(2026-11-02 09:00 +7));
        closed.status = RequestStatus::Completed;
        closed.completed_at = Some(datetime!(2026-12-01 09:00 +7));
        // Not a complaint.
        let mut other = complaint(6, datetime!(2026-11-02 09:00 +7));
        other.complaint = None;

        let all = [
            fresh,
            newer.clone(),
            old.clone(),
            escalated.clone(),
            closed,
            other,
        ];
        let entries = digest(&all, today, &[]);
        let tickets: Vec<_> = entries.iter().map(|e| e.ticket).collect();
        assert_eq!(tickets, [escalated.ticket, old.ticket, newer.ticket]);
        assert_eq!(entries[0].missed, Vec::<Date>::new());
        assert_eq!(entries[0].working_days_late, 0);
        assert_eq!(
            entries[1].missed_milestones,
            [Milestone::Handled, Milestone::Answered]
        );
        assert_eq!(entries[1].working_days_late, 3);
        assert_eq!(entries[2].missed, [date!(2026 - 12 - 04)]);
        assert_eq!(entries[2].working_days_late, 1);
    }
}
