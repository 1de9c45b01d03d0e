//! `GET /stats?from=YYYY-MM-DD&to=YYYY-MM-DD`: requests queued in a date range (Jakarta days,
//! both ends included): counts by status and service, overdue counts, and the median and 90th
//! percentile of the time from submission to completion. One GSI1 query per status (8), never
//! a scan; the arithmetic is the pure [`compute`].

use crate::Status;
use crate::context::Caller;
use crate::error::ApiError;
use domain::complaint::{DeadlineState, Milestone};
use domain::{JAKARTA_OFFSET, Request as ServiceRequest, RequestStatus};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};
use serde::Serialize;
use shared::http::json;
use std::collections::BTreeMap;
use time::{Date, Duration, Time};

/// Default range: the last 30 days; at most a year per call.
const DEFAULT_DAYS: i64 = 30;
const MAX_DAYS: i64 = 366;

#[derive(Debug, PartialEq, Serialize)]
pub struct Stats {
    pub from: String,
    pub to: String,
    pub total: usize,
    pub by_status: BTreeMap<String, usize>,
    pub by_service: BTreeMap<String, usize>,
    pub overdue: usize,
    pub overdue_by_service: BTreeMap<String, usize>,
    pub completed: usize,
    pub completion_hours_median: Option<f64>,
    pub completion_hours_p90: Option<f64>,
    /// Complaints held to their SP4N-LAPOR! deadlines.
    pub complaints: ComplaintStats,
}

/// How complaints kept their deadlines. A milestone counts once its deadline has come: reached
/// (on time or late) or missed; one still pending is in none of the counts.
#[derive(Debug, Default, PartialEq, Serialize)]
pub struct ComplaintStats {
    pub filed: usize,
    pub handled: MilestoneStats,
    pub answered: MilestoneStats,
    pub closed: MilestoneStats,
    /// Median time from filing to an officer's first answer, in hours, over those answered.
    pub first_answer_hours_median: Option<f64>,
    /// Complaints the resident asked to escalate.
    pub escalated: usize,
}

#[derive(Debug, Default, PartialEq, Serialize)]
pub struct MilestoneStats {
    pub on_time: usize,
    pub late: usize,
    /// Not reached and past the deadline.
    pub missed: usize,
    /// `on_time / (on_time + late + missed)`, when any deadline has come.
    pub on_time_share: Option<f64>,
}

impl MilestoneStats {
    fn count(&mut self, state: DeadlineState) {
        match state {
            DeadlineState::Met => self.on_time += 1,
            DeadlineState::MetLate => self.late += 1,
            DeadlineState::Missed => self.missed += 1,
            DeadlineState::Pending | DeadlineState::DueSoon => {}
        }
    }

    fn finish(&mut self) {
        let due = self.on_time + self.late + self.missed;
        // Three decimals: a share for a report, not a measurement.
        self.on_time_share =
            (due > 0).then(|| (self.on_time as f64 / due as f64 * 1000.0).round() / 1000.0);
    }
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

pub fn compute(requests: &[ServiceRequest], from: Date, to: Date, today: Date) -> Stats {
    let mut stats = Stats {
        from: from.to_string(),
        to: to.to_string(),
        total: requests.len(),
        by_status: RequestStatus::ALL
            .iter()
            .map(|s| (s.as_str().to_owned(), 0))
            .collect(),
        by_service: BTreeMap::new(),
        overdue: 0,
        overdue_by_service: BTreeMap::new(),
        completed: 0,
        completion_hours_median: None,
        completion_hours_p90: None,
        complaints: ComplaintStats::default(),
    };
    let mut hours = Vec::new();
    let mut answer_hours = Vec::new();
    for r in requests {
        if let Some(timeline) = &r.complaint {
            let c = &mut stats.complaints;
            c.filed += 1;
            c.escalated += usize::from(timeline.escalated_at.is_some());
            // Only Met, MetLate and Missed are counted: "due soon" needs no calendar here.
            for d in timeline.deadlines(r.completed_at, today, &[]) {
                match d.milestone {
                    Milestone::Handled => c.handled.count(d.state),
                    Milestone::Answered => c.answered.count(d.state),
                    Milestone::Closed => c.closed.count(d.state),
                }
            }
            if let (Some(filed), Some(answered)) = (
                r.submitted_at,
                timeline.reached_at(Milestone::Answered, r.completed_at),
            ) {
                answer_hours.push((answered - filed).as_seconds_f64() / 3600.0);
            }
        }
        *stats
            .by_status
            .entry(r.status.as_str().to_owned())
            .or_default() += 1;
        *stats
            .by_service
            .entry(r.service.as_str().to_owned())
            .or_default() += 1;
        if r.is_overdue(today) {
            stats.overdue += 1;
            *stats
                .overdue_by_service
                .entry(r.service.as_str().to_owned())
                .or_default() += 1;
        }
        if r.status == RequestStatus::Completed {
            stats.completed += 1;
            if let (Some(submitted), Some(completed)) = (r.submitted_at, r.completed_at) {
                hours.push((completed - submitted).as_seconds_f64() / 3600.0);
            }
        }
    }
    hours.sort_by(f64::total_cmp);
    // Rounded to minutes' precision: more is noise for a dashboard.
    let round = |h: f64| (h * 60.0).round() / 60.0;
    stats.completion_hours_median = percentile(&hours, 50.0).map(round);
    stats.completion_hours_p90 = percentile(&hours, 90.0).map(round);
    answer_hours.sort_by(f64::total_cmp);
    stats.complaints.first_answer_hours_median = percentile(&answer_hours, 50.0).map(round);
    for m in [
        &mut stats.complaints.handled,
        &mut stats.complaints.answered,
        &mut stats.complaints.closed,
    ] {
        m.finish();
    }
    stats
}

fn parse_date(field: &'static str, raw: &str) -> Result<Date, ApiError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(raw, &format).map_err(|_| ApiError::invalid(field, "a date like 2026-11-28"))
}

pub async fn get(
    app: &Status,
    caller: &Caller,
    request: &Request,
) -> Result<Response<Body>, ApiError> {
    caller.require_some_scope()?;
    let params = request.query_string_parameters_ref();
    let param = |name: &str| params.and_then(|p| p.first(name)).map(str::to_owned);
    let now = app.clock.now();
    let today = domain::jakarta_date(now);
    let to = match param("to") {
        Some(raw) => parse_date("to", &raw)?,
        None => today,
    };
    let from = match param("from") {
        Some(raw) => parse_date("from", &raw)?,
        None => to - Duration::days(DEFAULT_DAYS - 1),
    };
    if from > to {
        return Err(ApiError::invalid("from", "must not be after to"));
    }
    if (to - from).whole_days() >= MAX_DAYS {
        return Err(ApiError::invalid(
            "from",
            format!("at most {MAX_DAYS} days"),
        ));
    }
    let start = from.with_time(Time::MIDNIGHT).assume_offset(JAKARTA_OFFSET);
    let end = to
        .next_day()
        .unwrap_or(to)
        .with_time(Time::MIDNIGHT)
        .assume_offset(JAKARTA_OFFSET);
    let mut requests = Vec::new();
    for status in RequestStatus::ALL {
        requests.extend(app.officer.queued_between(status, start, end).await?);
    }
    // Officers limited to a kecamatan count only their kecamatan.
    requests.retain(|r| {
        caller
            .officer
            .scope
            .covers(r.applicant.as_ref().and_then(|a| a.kecamatan.as_deref()))
    });
    Ok(json(StatusCode::OK, &compute(&requests, from, to, today)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::{ResidentId, ServiceCode, TicketId};
    use time::macros::{date, datetime};

    fn request(
        n: u64,
        status: RequestStatus,
        hours: Option<i64>,
        due: Option<Date>,
    ) -> ServiceRequest {
        let submitted = datetime!(2026-11-02 01:00 UTC);
        let mut r = ServiceRequest::open(
            TicketId::from_random(n),
            ServiceCode::KkNew,
            ResidentId::Phone("628".into()),
            submitted,
        );
        r.status = status;
        r.submitted_at = Some(submitted);
        r.completed_at = hours.map(|h| submitted + Duration::hours(h));
        r.due_date = due;
        r
    }

    #[test]
    fn counts_overdue_and_percentiles() {
        let mut all: Vec<_> = (1..=10)
            .map(|h| request(h as u64, RequestStatus::Completed, Some(h), None))
            .collect();
        all.push(request(
            11,
            RequestStatus::Submitted,
            None,
            Some(date!(2026 - 11 - 05)),
        ));
        all.push(request(
            12,
            RequestStatus::Rejected,
            None,
            Some(date!(2026 - 11 - 05)),
        ));
        let s = compute(
            &all,
            date!(2026 - 11 - 01),
            date!(2026 - 11 - 30),
            date!(2026 - 11 - 10),
        );
        assert_eq!(s.total, 12);
        assert_eq!(s.by_status["COMPLETED"], 10);
        assert_eq!(s.by_status["DRAFT"], 0);
        assert_eq!(s.by_service["KK_NEW"], 12);
        assert_eq!(s.overdue, 1, "a rejected request is not overdue");
        assert_eq!(s.completion_hours_median, Some(5.0));
        assert_eq!(s.completion_hours_p90, Some(9.0));
    }

    /// Four complaints filed Friday 27 November 2026 (handle by 2 Dec, answer by 4 Dec, close by
    /// 11 Dec), counted on Monday 7 December.
    #[test]
    fn complaints_count_deadlines_kept_late_and_missed() {
        use domain::complaint::ComplaintTimeline;
        let filed = datetime!(2026-11-27 09:00 +7);
        let complaint =
            |n: u64, handled: Option<i64>, answered: Option<i64>, closed: Option<i64>| {
                let mut r = ServiceRequest::open(
                    TicketId::from_random(n),
                    ServiceCode::Complaint,
                    ResidentId::Phone("628".into()),
                    filed,
                );
                r.status = if closed.is_some() {
                    RequestStatus::Completed
                } else {
                    RequestStatus::InReview
                };
                r.submitted_at = Some(filed);
                let mut t = ComplaintTimeline::filed(filed, &[]);
                t.handled_at = handled.map(|h| filed + Duration::hours(h));
                t.answered_at = answered.map(|h| filed + Duration::hours(h));
                r.completed_at = closed.map(|h| filed + Duration::hours(h));
                r.complaint = Some(t);
                r
            };
        let mut escalated = complaint(4, None, None, None);
        escalated.complaint.as_mut().unwrap().escalated_at = Some(filed + Duration::days(9));
        let all = [
            // On time everywhere: answered after 24 h, closed after two days.
            complaint(1, Some(2), Some(24), Some(48)),
            // Handled on time, answered late (Monday 7), still open.
            complaint(2, Some(3), Some(24 * 10), None),
            // Handled late (Thursday 3), unanswered: answer missed.
            complaint(3, Some(24 * 6), None, None),
            // Nothing at all, escalated.
            escalated,
        ];
        let s = compute(
            &all,
            date!(2026 - 11 - 01),
            date!(2026 - 11 - 30),
            date!(2026 - 12 - 07),
        );
        let c = &s.complaints;
        assert_eq!(c.filed, 4);
        assert_eq!(
            (c.handled.on_time, c.handled.late, c.handled.missed),
            (2, 1, 1)
        );
        assert_eq!(
            (c.answered.on_time, c.answered.late, c.answered.missed),
            (1, 1, 2)
        );
        assert_eq!(c.answered.on_time_share, Some(0.25));
        // Closing is due on 11 December: only the closed one counts yet.
        assert_eq!(
            (c.closed.on_time, c.closed.late, c.closed.missed),
            (1, 0, 0)
        );
        assert_eq!(c.closed.on_time_share, Some(1.0));
        assert_eq!(c.first_answer_hours_median, Some(24.0));
        assert_eq!(c.escalated, 1);
    }

    #[test]
    fn empty_range_has_no_percentiles() {
        let s = compute(
            &[],
            date!(2026 - 11 - 01),
            date!(2026 - 11 - 01),
            date!(2026 - 11 - 01),
        );
        assert_eq!(s.total, 0);
        assert_eq!(s.completion_hours_median, None);
        assert_eq!(s.complaints, ComplaintStats::default());
        assert_eq!(percentile(&[1.0], 90.0), Some(1.0));
    }
}
