//! `GET /requests`: one status queue (GSI1, never a scan), filtered by service, kecamatan and
//! overdue, oldest or newest first, in pages continued by a signed cursor. NIKs are masked.
//!
//! Filters are applied here rather than as DynamoDB filter expressions: the read cost is the same
//! (DynamoDB bills filtered-out items too), and the rules (overdue = open and past the due date
//! in Jakarta) stay in one place with the domain. A page reads batches of `limit + 1` until it has
//! `limit + 1` matches (the extra one says whether there is a next page), at most
//! [`MAX_BATCHES`] batches so a very selective filter cannot run the function into its timeout.

use crate::Status;
use crate::context::Caller;
use crate::cursor::{self, Cursor};
use crate::error::ApiError;
use domain::complaint::{DeadlineState, Milestone};
use domain::{Request as ServiceRequest, RequestStatus, ServiceCode};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};
use serde::Serialize;
use shared::http::json;
use shared::identity::Scope;
use shared::ports::officer::QueuePosition;
use time::Date;

pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 100;
const MAX_BATCHES: usize = 10;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueQuery {
    pub status: RequestStatus,
    pub service: Option<ServiceCode>,
    pub kecamatan: Option<String>,
    pub overdue_only: bool,
    /// Complaints whose most urgent deadline is in this state (`due_soon` or `missed`).
    pub deadline: Option<DeadlineState>,
    /// Complaints the resident asked to escalate.
    pub escalated_only: bool,
    /// Tickets waiting for the resident (`waiting_for_resident`).
    pub waiting_only: bool,
    /// Tickets with resident messages no officer has answered yet.
    pub unanswered_only: bool,
    pub oldest_first: bool,
    pub limit: usize,
    pub cursor: Option<String>,
}

impl QueueQuery {
    /// Parses the query string; every bad value is a 422 naming its parameter.
    pub fn parse(get: impl Fn(&str) -> Option<String>) -> Result<Self, ApiError> {
        let status = match get("status") {
            None => RequestStatus::Submitted,
            Some(s) => s
                .parse()
                .map_err(|_| ApiError::invalid("status", "unknown status"))?,
        };
        let service = get("service")
            .map(|s| s.parse::<ServiceCode>())
            .transpose()
            .map_err(|_| ApiError::invalid("service", "unknown service code"))?;
        let kecamatan = get("kecamatan").filter(|k| !k.is_empty());
        if kecamatan
            .as_ref()
            .is_some_and(|k| k.len() > 16 || !k.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(ApiError::invalid("kecamatan", "a kecamatan code is digits"));
        }
        let flag = |name: &'static str| match get(name).as_deref() {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(_) => Err(ApiError::invalid(name, "true or false")),
        };
        let overdue_only = flag("overdue")?;
        let deadline = match get("deadline").as_deref() {
            None => None,
            Some("due_soon") => Some(DeadlineState::DueSoon),
            Some("missed") => Some(DeadlineState::Missed),
            Some(_) => return Err(ApiError::invalid("deadline", "due_soon or missed")),
        };
        let escalated_only = flag("escalated")?;
        let waiting_only = flag("waiting")?;
        let unanswered_only = flag("unanswered")?;
        let oldest_first = match get("order").as_deref() {
            None | Some("oldest") => true,
            Some("newest") => false,
            Some(_) => return Err(ApiError::invalid("order", "oldest or newest")),
        };
        let limit = match get("limit") {
            None => DEFAULT_LIMIT,
            Some(l) => l
                .parse::<usize>()
                .ok()
                .filter(|l| (1..=MAX_LIMIT).contains(l))
                .ok_or_else(|| ApiError::invalid("limit", format!("1 to {MAX_LIMIT}")))?,
        };
        Ok(Self {
            status,
            service,
            kecamatan,
            overdue_only,
            deadline,
            escalated_only,
            waiting_only,
            unanswered_only,
            oldest_first,
            limit,
            cursor: get("cursor").filter(|c| !c.is_empty()),
        })
    }

    /// What a cursor is bound to: everything but the page size and the cursor itself.
    fn fingerprint(&self) -> String {
        format!(
            "{}|{}|{}|{}|{}|{}|{}|{}|{}",
            self.status,
            self.service.map_or("", |s| s.as_str()),
            self.kecamatan.as_deref().unwrap_or(""),
            self.overdue_only,
            self.oldest_first,
            self.deadline.map_or("", DeadlineState::as_str),
            self.escalated_only,
            self.waiting_only,
            self.unanswered_only
        )
    }

    pub fn matches(&self, request: &ServiceRequest, today: Date, holidays: &[Date]) -> bool {
        self.service.is_none_or(|s| s == request.service)
            && self.kecamatan.as_ref().is_none_or(|k| {
                request
                    .applicant
                    .as_ref()
                    .and_then(|a| a.kecamatan.as_ref())
                    == Some(k)
            })
            && (!self.overdue_only || request.is_overdue(today))
            && self.deadline.is_none_or(|wanted| {
                request
                    .complaint
                    .as_ref()
                    .is_some_and(|t| t.flag(request.completed_at, today, holidays) == wanted)
            })
            && (!self.escalated_only
                || request
                    .complaint
                    .as_ref()
                    .is_some_and(|t| t.escalated_at.is_some()))
            && (!self.waiting_only || request.is_waiting_for_resident())
            && (!self.unanswered_only || request.unanswered_messages > 0)
    }
}

/// One queue row: enough to pick the next request, with the NIK masked.
#[derive(Serialize)]
pub struct QueueItem {
    pub ticket: String,
    pub service: ServiceCode,
    pub service_name: &'static str,
    pub status: RequestStatus,
    pub version: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub submitted_at: Option<time::OffsetDateTime>,
    pub due_date: Option<String>,
    pub overdue: bool,
    pub assigned_to: Option<String>,
    pub applicant: Option<ApplicantSummary>,
    /// The ticket waits for the resident (revision asked, an officer's message unanswered, an
    /// open complaint or consultation): what the resident sends goes to it.
    pub waiting_for_resident: bool,
    /// Messages and attachments from the resident since an officer last wrote.
    pub unanswered_messages: u32,
    /// A complaint's deadlines as they stand today; absent for other services.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub complaint_deadlines: Option<ComplaintDeadlines>,
}

/// A complaint's three deadlines (SP4N-LAPOR!) on a given day, for officers.
#[derive(Serialize)]
pub struct ComplaintDeadlines {
    /// The most urgent of the three: what the queue flags.
    pub flag: DeadlineState,
    #[serde(with = "time::serde::rfc3339::option")]
    pub escalated_at: Option<time::OffsetDateTime>,
    pub deadlines: Vec<DeadlineView>,
}

#[derive(Serialize)]
pub struct DeadlineView {
    pub milestone: Milestone,
    pub due: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub reached_at: Option<time::OffsetDateTime>,
    pub state: DeadlineState,
}

impl ComplaintDeadlines {
    pub fn of(request: &ServiceRequest, today: Date, holidays: &[Date]) -> Option<Self> {
        let timeline = request.complaint.as_ref()?;
        Some(Self {
            flag: timeline.flag(request.completed_at, today, holidays),
            escalated_at: timeline.escalated_at,
            deadlines: timeline
                .deadlines(request.completed_at, today, holidays)
                .iter()
                .map(|d| DeadlineView {
                    milestone: d.milestone,
                    due: d.due.to_string(),
                    reached_at: d.reached_at,
                    state: d.state,
                })
                .collect(),
        })
    }
}

#[derive(Serialize)]
pub struct ApplicantSummary {
    pub name: String,
    pub nik_masked: String,
    pub kecamatan: Option<String>,
}

impl QueueItem {
    pub fn new(request: &ServiceRequest, today: Date, holidays: &[Date]) -> Self {
        Self {
            ticket: request.ticket.as_str().to_owned(),
            service: request.service,
            service_name: domain::service(request.service).name,
            status: request.status,
            version: request.version,
            created_at: request.created_at,
            submitted_at: request.submitted_at,
            due_date: request.due_date.map(|d| d.to_string()),
            overdue: request.is_overdue(today),
            assigned_to: request.assigned_to.clone(),
            waiting_for_resident: request.is_waiting_for_resident(),
            unanswered_messages: request.unanswered_messages,
            complaint_deadlines: ComplaintDeadlines::of(request, today, holidays),
            applicant: request.applicant.as_ref().map(|a| ApplicantSummary {
                name: a.name.clone(),
                nik_masked: a.nik.masked(),
                kecamatan: a.kecamatan.clone(),
            }),
        }
    }
}

#[derive(Serialize)]
struct Page {
    items: Vec<QueueItem>,
    next_cursor: Option<String>,
}

pub async fn list(
    app: &Status,
    caller: &Caller,
    request: &Request,
) -> Result<Response<Body>, ApiError> {
    let params = request.query_string_parameters_ref();
    let mut query =
        QueueQuery::parse(|name| params.and_then(|p| p.first(name)).map(str::to_owned))?;
    // An officer limited to a kecamatan sees only that kecamatan's queue; one without a
    // kecamatan sees none.
    caller.require_some_scope()?;
    if let Scope::Kecamatan(scope) = &caller.officer.scope {
        match &query.kecamatan {
            Some(k) if k != scope => {
                return Err(ApiError::Forbidden("kecamatan is outside your scope"));
            }
            _ => query.kecamatan = Some(scope.clone()),
        }
    }
    let (key, previous_key) = cursor_keys(app).await?;
    let mut position = match &query.cursor {
        None => None,
        Some(raw) => {
            // A cursor handed out before the data key's rotation still continues its list.
            let cursor = cursor::decode(&key, raw)
                .or_else(|err| match &previous_key {
                    Some(previous) => cursor::decode(previous, raw),
                    None => Err(err),
                })
                .map_err(|_| ApiError::invalid("cursor", "invalid or tampered cursor"))?;
            if cursor.query != query.fingerprint() {
                return Err(ApiError::invalid(
                    "cursor",
                    "the cursor belongs to a query with other filters",
                ));
            }
            Some(cursor.position)
        }
    };
    let today = domain::jakarta_date(app.clock.now());
    let batch_size = i32::try_from(query.limit + 1).unwrap_or(i32::MAX);
    let mut matched: Vec<ServiceRequest> = Vec::new();
    let mut exhausted = false;
    for _ in 0..MAX_BATCHES {
        let batch = app
            .officer
            .queue_batch(
                query.status,
                query.oldest_first,
                position.as_ref(),
                batch_size,
            )
            .await?;
        for r in batch.requests {
            // Where the next read resumes if the page ends on a budget (the last row read).
            position = Some(QueuePosition {
                sort_key: shared::store::keys::request_queue_sk(&r),
                ticket: r.ticket,
            });
            if query.matches(&r, today, &app.holidays) {
                matched.push(r);
                if matched.len() > query.limit {
                    break;
                }
            }
        }
        if matched.len() > query.limit {
            break;
        }
        if batch.next.is_none() {
            exhausted = true;
            break;
        }
    }
    let next = if matched.len() > query.limit {
        matched.truncate(query.limit);
        matched.last().map(|r| QueuePosition {
            sort_key: shared::store::keys::request_queue_sk(r),
            ticket: r.ticket,
        })
    } else if exhausted {
        None
    } else {
        position
    };
    let next_cursor = next.map(|position| {
        cursor::encode(
            &key,
            &Cursor {
                query: query.fingerprint(),
                position,
            },
        )
    });
    let page = Page {
        items: matched
            .iter()
            .map(|r| QueueItem::new(r, today, &app.holidays))
            .collect(),
        next_cursor,
    };
    Ok(json(StatusCode::OK, &page))
}

/// The cursor key from the secret's data key (not Meta's app secret), and the previous one
/// during a rotation.
async fn cursor_keys(app: &Status) -> Result<(Vec<u8>, Option<Vec<u8>>), ApiError> {
    let secrets = app
        .secrets
        .get()
        .await
        .map_err(|e| ApiError::Store(shared::ports::StoreError::Unavailable(e.to_string())))?;
    Ok((
        cursor::derive_key(&secrets.data_key),
        secrets.data_key_previous.as_deref().map(cursor::derive_key),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn parse(pairs: &[(&str, &str)]) -> Result<QueueQuery, ApiError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        QueueQuery::parse(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_and_bad_values() {
        let q = parse(&[]).unwrap();
        assert_eq!(q.status, RequestStatus::Submitted);
        assert!(q.oldest_first);
        assert_eq!(q.limit, DEFAULT_LIMIT);
        for (k, v) in [
            ("status", "x"),
            ("service", "x"),
            ("overdue", "yes"),
            ("order", "up"),
            ("limit", "0"),
            ("limit", "101"),
            ("kecamatan", "abc"),
            ("deadline", "late"),
            ("escalated", "1"),
            ("waiting", "yes"),
            ("unanswered", "0"),
        ] {
            match parse(&[(k, v)]) {
                Err(ApiError::Invalid { field, .. }) => assert_eq!(field, k),
                other => panic!("{k}={v}: {other:?}"),
            }
        }
    }

    #[test]
    fn fingerprints_differ_by_filter() {
        let a = parse(&[("service", "KK_NEW")]).unwrap();
        let b = parse(&[("service", "BIRTH")]).unwrap();
        let c = parse(&[("service", "KK_NEW"), ("limit", "5")]).unwrap();
        assert_ne!(a.fingerprint(), b.fingerprint());
        assert_eq!(a.fingerprint(), c.fingerprint());
        let missed = parse(&[("deadline", "missed")]).unwrap();
        let soon = parse(&[("deadline", "due_soon")]).unwrap();
        let escalated = parse(&[("escalated", "true")]).unwrap();
        let none = parse(&[]).unwrap();
        assert_ne!(missed.fingerprint(), soon.fingerprint());
        assert_ne!(missed.fingerprint(), none.fingerprint());
        assert_ne!(escalated.fingerprint(), none.fingerprint());
        let waiting = parse(&[("waiting", "true")]).unwrap();
        let unanswered = parse(&[("unanswered", "true")]).unwrap();
        assert_ne!(waiting.fingerprint(), unanswered.fingerprint());
        assert_ne!(waiting.fingerprint(), none.fingerprint());
    }

    #[test]
    fn waiting_and_unanswered_filter_on_the_request() {
        let mut r = ServiceRequest::open(
            domain::TicketId::from_random(3),
            ServiceCode::KkNew,
            domain::ResidentId::Phone("6281234567890".into()),
            time::macros::datetime!(2026-11-27 09:00 +7),
        );
        r.status = RequestStatus::InReview;
        let today = time::macros::date!(2026 - 11 - 30);
        let waiting = parse(&[("waiting", "true")]).unwrap();
        let unanswered = parse(&[("unanswered", "true")]).unwrap();
        assert!(!waiting.matches(&r, today, &[]));
        assert!(!unanswered.matches(&r, today, &[]));
        r.awaiting_resident_reply = true;
        r.unanswered_messages = 2;
        assert!(waiting.matches(&r, today, &[]));
        assert!(unanswered.matches(&r, today, &[]));
    }

    #[test]
    fn complaints_match_by_their_most_urgent_deadline_and_escalation() {
        use domain::complaint::ComplaintTimeline;
        use time::macros::{date, datetime};
        let filed = datetime!(2026-11-27 09:00 +7);
        let mut complaint = ServiceRequest::open(
            domain::TicketId::from_random(1),
            ServiceCode::Complaint,
            domain::ResidentId::Phone("6281234567890".into()),
            filed,
        );
        complaint.status = RequestStatus::Submitted;
        complaint.complaint = Some(ComplaintTimeline::filed(filed, &[]));
        let other = ServiceRequest::open(
            domain::TicketId::from_random(2),
            ServiceCode::KkNew,
            domain::ResidentId::Phone("6281234567890".into()),
            filed,
        );
        let missed = parse(&[("deadline", "missed")]).unwrap();
        let soon = parse(&[("deadline", "due_soon")]).unwrap();
        let escalated = parse(&[("escalated", "true")]).unwrap();
        // Tuesday 1 December: handling is due on Wednesday 2.
        let tuesday = date!(2026 - 12 - 01);
        assert!(soon.matches(&complaint, tuesday, &[]));
        assert!(!missed.matches(&complaint, tuesday, &[]));
        assert!(!soon.matches(&other, tuesday, &[]));
        // Thursday 3: missed.
        let thursday = date!(2026 - 12 - 03);
        assert!(missed.matches(&complaint, thursday, &[]));
        assert!(!escalated.matches(&complaint, thursday, &[]));
        let item = serde_json::to_value(QueueItem::new(&complaint, thursday, &[])).unwrap();
        assert_eq!(item["complaint_deadlines"]["flag"], "missed");
        assert_eq!(
            item["complaint_deadlines"]["deadlines"][0]["due"],
            "2026-12-02"
        );
        assert_eq!(
            item["complaint_deadlines"]["deadlines"][1]["state"],
            "due_soon"
        );
        assert!(
            serde_json::to_value(QueueItem::new(&other, thursday, &[]))
                .unwrap()
                .get("complaint_deadlines")
                .is_none()
        );
        complaint.complaint.as_mut().unwrap().escalated_at = Some(datetime!(2026-12-07 09:00 +7));
        assert!(escalated.matches(&complaint, thursday, &[]));
    }
}
