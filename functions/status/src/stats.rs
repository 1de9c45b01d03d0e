//! `GET /stats?from=YYYY-MM-DD&to=YYYY-MM-DD`: requests queued in a date range (Jakarta days,
//! both ends included): counts by status and service, overdue counts, and the median and 90th
//! percentile of the time from submission to completion. One GSI1 query per status (8), never
//! a scan; the arithmetic is the pure [`compute`].

use crate::Status;
use crate::context::Caller;
use crate::error::ApiError;
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
    };
    let mut hours = Vec::new();
    for r in requests {
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
        assert_eq!(percentile(&[1.0], 90.0), Some(1.0));
    }
}
