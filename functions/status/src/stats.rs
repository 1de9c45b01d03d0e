//! `GET /stats?from=YYYY-MM-DD&to=YYYY-MM-DD`: requests queued in a date range (Jakarta days,
//! both ends included): counts by status and service, overdue counts, and the median and 90th
//! percentile of the time from submission to completion. One GSI1 query per status (8), never
//! a scan; the arithmetic is the pure [`compute`].

use crate::Status;
use crate::context::Caller;
use crate::error::ApiError;
use domain::complaint::{DeadlineState, Milestone};
use domain::survey::{self, Grade, Scores, SurveyState};
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
    /// The satisfaction survey (SKM) of the requests in the range.
    pub survey: SurveyStats,
    /// Appointments per day and place with at least one booking, over the whole range.
    pub appointments: Vec<AppointmentDay>,
}

/// Day-and-place reads of the appointment counts in flight at once: a year at a few places is
/// a few thousand small queries, about a second this way.
const APPOINTMENT_READS_IN_FLIGHT: usize = 16;

/// One day's appointments at one place: every booking made (arrived or not, cancelled ones
/// left out), arrivals and no-shows.
#[derive(Debug, PartialEq, Serialize)]
pub struct AppointmentDay {
    pub date: String,
    pub place: String,
    pub booked: u32,
    pub arrived: u32,
    pub no_show: u32,
}

/// The appointment counts of the days `from..=to` at every place, one query a day and place
/// (bookings are indexed by their day; a range has no index of its own).
async fn appointment_days(
    app: &Status,
    from: Date,
    to: Date,
) -> Result<Vec<AppointmentDay>, ApiError> {
    use futures_util::{StreamExt, TryStreamExt};
    let mut keys = Vec::new();
    for (place, _) in domain::appointment::places(&app.office) {
        let mut day = from;
        while day <= to {
            keys.push((place.clone(), day));
            day += Duration::days(1);
        }
    }
    let counted: Vec<Option<AppointmentDay>> = futures_util::stream::iter(keys)
        .map(|(place, day)| async move {
            let bookings: Vec<_> = app
                .appointments
                .day_bookings(&place, day)
                .await?
                .into_iter()
                .map(|r| r.booking)
                .collect();
            let counts = domain::appointment::count(&bookings);
            Ok::<_, ApiError>((counts.booked > 0).then(|| AppointmentDay {
                date: day.to_string(),
                place: place.as_str().to_owned(),
                booked: counts.booked,
                arrived: counts.arrived,
                no_show: counts.no_show,
            }))
        })
        .buffer_unordered(APPOINTMENT_READS_IN_FLIGHT)
        .try_collect()
        .await?;
    let mut days: Vec<AppointmentDay> = counted.into_iter().flatten().collect();
    days.sort_by(|a, b| (&a.date, &a.place).cmp(&(&b.date, &b.place)));
    Ok(days)
}

/// The satisfaction survey's index (IKM) over the range, and per service.
#[derive(Debug, Default, PartialEq, Serialize)]
pub struct SurveyStats {
    pub offered: usize,
    pub declined: usize,
    pub respondents: usize,
    /// `U1` … `U9`: each element's mean score (NRR), `null` when nobody answered it.
    pub element_means: BTreeMap<&'static str, Option<f64>>,
    /// 25-100 (`null` without respondents).
    pub ikm: Option<f64>,
    pub grade: Option<Grade>,
    /// `Sangat baik`, `Baik`, `Kurang baik`, `Tidak baik`.
    pub performance: Option<&'static str>,
    pub by_service: BTreeMap<String, ServiceSurvey>,
}

#[derive(Debug, PartialEq, Serialize)]
pub struct ServiceSurvey {
    pub respondents: usize,
    pub ikm: Option<f64>,
    pub grade: Option<Grade>,
}

/// Two decimals, as the regulation's tables print an index.
fn two_decimals(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The answered surveys of `requests`, with their service and day of answer.
fn answered(requests: &[ServiceRequest]) -> Vec<(&ServiceRequest, Scores, Date)> {
    let mut rows: Vec<(&ServiceRequest, Scores, Date)> = requests
        .iter()
        .filter_map(|r| {
            let survey = r.survey.as_ref()?;
            let scores = survey.scores?;
            (survey.state == SurveyState::Answered && survey::validate(&scores).is_ok()).then(
                || {
                    let at = survey.answered_at.unwrap_or(survey.offered_at);
                    (r, scores, domain::jakarta_date(at))
                },
            )
        })
        .collect();
    rows.sort_by(|a, b| a.2.cmp(&b.2).then(a.0.ticket.cmp(&b.0.ticket)));
    rows
}

fn survey_stats(requests: &[ServiceRequest]) -> SurveyStats {
    let rows = answered(requests);
    let all: Vec<Scores> = rows.iter().map(|(_, s, _)| *s).collect();
    let index = survey::index(&all);
    let mut by_service: BTreeMap<String, Vec<Scores>> = BTreeMap::new();
    for (r, scores, _) in &rows {
        by_service
            .entry(r.service.as_str().to_owned())
            .or_default()
            .push(*scores);
    }
    SurveyStats {
        offered: requests.iter().filter(|r| r.survey.is_some()).count(),
        declined: requests
            .iter()
            .filter(|r| {
                r.survey
                    .as_ref()
                    .is_some_and(|s| s.state == SurveyState::Declined)
            })
            .count(),
        respondents: index.respondents,
        element_means: survey::ELEMENTS
            .iter()
            .zip(index.element_means)
            .map(|(e, m)| (e.code, m.map(|m| (m * 1000.0).round() / 1000.0)))
            .collect(),
        ikm: index.ikm.map(two_decimals),
        grade: index.grade,
        performance: index.grade.map(Grade::performance),
        by_service: by_service
            .into_iter()
            .map(|(code, scores)| {
                let i = survey::index(&scores);
                (
                    code,
                    ServiceSurvey {
                        respondents: i.respondents,
                        ikm: i.ikm.map(two_decimals),
                        grade: i.grade,
                    },
                )
            })
            .collect(),
    }
}

/// The SKM tabulation an office reports (PermenPANRB 14/2017): one row per respondent (no
/// ticket, no identity: service and day only) with the nine scores (empty: not applicable),
/// then the sum, mean (NRR) and weighted mean of each element, the IKM and its grade.
/// Comments are not exported: they are free text and may name people.
pub fn survey_csv(requests: &[ServiceRequest]) -> String {
    let rows = answered(requests);
    let codes: Vec<&str> = survey::ELEMENTS.iter().map(|e| e.code).collect();
    let mut out = format!("No,Layanan,Tanggal,{}\r\n", codes.join(","));
    let quote = |text: &str| format!("\"{}\"", text.replace('"', "\"\""));
    for (n, (r, scores, day)) in rows.iter().enumerate() {
        let cells: Vec<String> = scores
            .iter()
            .map(|s| s.map(|v| v.to_string()).unwrap_or_default())
            .collect();
        out.push_str(&format!(
            "{},{},{day},{}\r\n",
            n + 1,
            quote(domain::service(r.service).name),
            cells.join(",")
        ));
    }
    let all: Vec<Scores> = rows.iter().map(|(_, s, _)| *s).collect();
    let index = survey::index(&all);
    let weight = {
        let answered = index.element_means.iter().flatten().count();
        if answered == 0 {
            0.0
        } else {
            1.0 / answered as f64
        }
    };
    let line =
        |label: &str, cells: Vec<String>| format!("{},,,{}\r\n", quote(label), cells.join(","));
    let sums: Vec<String> = (0..9)
        .map(|i| {
            let answered: Vec<u32> = all.iter().filter_map(|s| s[i]).map(u32::from).collect();
            if answered.is_empty() {
                String::new()
            } else {
                answered.iter().sum::<u32>().to_string()
            }
        })
        .collect();
    out.push_str(&line("Jumlah nilai per unsur", sums));
    let fmt =
        |m: Option<f64>, digits: usize| m.map(|m| format!("{m:.digits$}")).unwrap_or_default();
    out.push_str(&line(
        "NRR per unsur",
        index.element_means.iter().map(|m| fmt(*m, 3)).collect(),
    ));
    out.push_str(&line(
        "NRR tertimbang per unsur",
        index
            .element_means
            .iter()
            .map(|m| fmt(m.map(|m| m * weight), 3))
            .collect(),
    ));
    out.push_str(&line(
        "IKM (nilai rata-rata tertimbang)",
        vec![fmt(index.weighted, 3)],
    ));
    out.push_str(&line("IKM unit pelayanan (x 25)", vec![fmt(index.ikm, 2)]));
    let grade = index
        .grade
        .map(|g| format!("{g:?} ({})", g.performance()))
        .unwrap_or_default();
    out.push_str(&line("Mutu pelayanan", vec![grade]));
    out
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
        survey: survey_stats(requests),
        appointments: Vec::new(),
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

/// The range asked (`from`, `to`; default the last 30 days) and the requests queued in it that
/// the caller may count.
async fn in_range(
    app: &Status,
    caller: &Caller,
    request: &Request,
) -> Result<(Date, Date, Date, Vec<ServiceRequest>), ApiError> {
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
    Ok((from, to, today, requests))
}

pub async fn get(
    app: &Status,
    caller: &Caller,
    request: &Request,
) -> Result<Response<Body>, ApiError> {
    let (from, to, today, requests) = in_range(app, caller, request).await?;
    let mut stats = compute(&requests, from, to, today);
    stats.appointments = appointment_days(app, from, to).await?;
    Ok(json(StatusCode::OK, &stats))
}

/// `GET /stats/survey`: the SKM tabulation of the range as CSV (see [`survey_csv`]).
pub async fn survey_report(
    app: &Status,
    caller: &Caller,
    request: &Request,
) -> Result<Response<Body>, ApiError> {
    let (from, to, _, requests) = in_range(app, caller, request).await?;
    let mut response = Response::new(Body::Text(survey_csv(&requests)));
    *response.status_mut() = StatusCode::OK;
    let headers = response.headers_mut();
    headers.insert(
        lambda_http::http::header::CONTENT_TYPE,
        lambda_http::http::HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(value) = lambda_http::http::HeaderValue::from_str(&format!(
        "attachment; filename=\"skm-{from}-{to}.csv\""
    )) {
        headers.insert(lambda_http::http::header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
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

    fn surveyed(
        n: u64,
        code: ServiceCode,
        scores: Option<Scores>,
        declined: bool,
    ) -> ServiceRequest {
        use domain::survey::Survey;
        let mut r = request(n, RequestStatus::Completed, Some(24), None);
        r.service = code;
        let mut survey = Survey::offered(datetime!(2026-11-03 09:00 +7));
        if declined {
            survey.state = SurveyState::Declined;
        }
        if let Some(scores) = scores {
            survey.state = SurveyState::Answered;
            survey.scores = Some(scores);
            survey.answered_at = Some(datetime!(2026-11-03 09:05 +7));
            survey.comment = Some("Petugas bernama Budi sangat membantu".into());
        }
        r.survey = Some(survey);
        r
    }

    /// The worked example of `domain::survey` (IKM 84.03, B) through the statistics and the
    /// CSV, with one declined and one abandoned survey that count as offered only.
    fn survey_sample() -> Vec<ServiceRequest> {
        use domain::survey::WORKED_EXAMPLE;
        vec![
            surveyed(1, ServiceCode::KkNew, Some(WORKED_EXAMPLE[0]), false),
            surveyed(2, ServiceCode::KkNew, Some(WORKED_EXAMPLE[1]), false),
            surveyed(3, ServiceCode::Birth, Some(WORKED_EXAMPLE[2]), false),
            surveyed(4, ServiceCode::Birth, Some(WORKED_EXAMPLE[3]), false),
            surveyed(5, ServiceCode::Birth, None, true),
            surveyed(6, ServiceCode::Birth, None, false),
            request(7, RequestStatus::Completed, Some(5), None),
        ]
    }

    #[test]
    fn the_survey_index_over_the_range_and_per_service() {
        let s = compute(
            &survey_sample(),
            date!(2026 - 11 - 01),
            date!(2026 - 11 - 30),
            date!(2026 - 11 - 10),
        );
        let v = &s.survey;
        assert_eq!((v.offered, v.declined, v.respondents), (6, 1, 4));
        assert_eq!(v.ikm, Some(84.03));
        assert_eq!(v.grade, Some(Grade::B));
        assert_eq!(v.performance, Some("Baik"));
        assert_eq!(v.element_means["U3"], Some(2.75));
        assert_eq!(v.element_means["U9"], Some(3.5));
        assert_eq!(v.by_service["KK_NEW"].respondents, 2);
        assert_eq!(v.by_service["BIRTH"].respondents, 2);
        let json = serde_json::to_value(&s).unwrap();
        assert!(
            !json.to_string().contains("Budi"),
            "comments stay out of reports"
        );
    }

    #[test]
    fn the_survey_csv_is_the_skm_tabulation_without_identities() {
        let csv = survey_csv(&survey_sample());
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines[0], "No,Layanan,Tanggal,U1,U2,U3,U4,U5,U6,U7,U8,U9");
        assert_eq!(lines.len(), 1 + 4 + 6 + 1, "{csv}");
        assert!(
            lines[1].starts_with("1,\"") && lines[1].ends_with(",2026-11-03,3,3,2,4,3,3,4,3,4"),
            "{}",
            lines[1]
        );
        assert!(
            lines[2].ends_with(",4,3,3,4,4,4,4,3,"),
            "not applicable is empty: {}",
            lines[2]
        );
        assert_eq!(
            lines[5],
            "\"Jumlah nilai per unsur\",,,13,12,11,16,14,14,15,12,7"
        );
        assert_eq!(
            lines[6],
            "\"NRR per unsur\",,,3.250,3.000,2.750,4.000,3.500,3.500,3.750,3.000,3.500"
        );
        assert!(
            lines[7].starts_with("\"NRR tertimbang per unsur\",,,0.361,0.333,0.306,"),
            "{}",
            lines[7]
        );
        assert_eq!(lines[8], "\"IKM (nilai rata-rata tertimbang)\",,,3.361");
        assert_eq!(lines[9], "\"IKM unit pelayanan (x 25)\",,,84.03");
        assert_eq!(lines[10], "\"Mutu pelayanan\",,,B (Baik)");
        for private in ["Budi", "628"] {
            assert!(!csv.contains(private), "{private}");
        }
        for r in survey_sample() {
            assert!(!csv.contains(r.ticket.as_str()));
        }
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
