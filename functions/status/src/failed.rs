//! `GET /failed-messages` and `POST /failed-messages/{id}/handled`: inbound messages the webhook
//! could not process for good. Regency-wide officers only (a failed message has no kecamatan);
//! each entry names the sender masked and their tickets, which is where an officer answers them.

use crate::Status;
use crate::context::Caller;
use crate::error::ApiError;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};
use serde::Serialize;
use shared::http::json;
use shared::ports::failed::FailedMessage;
use std::collections::HashMap;

pub const DEFAULT_LIMIT: i32 = 20;
pub const MAX_LIMIT: i32 = 50;
/// Tickets listed per sender, newest first.
const TICKETS_SHOWN: usize = 5;

#[derive(Debug, PartialEq, Eq)]
struct ListQuery {
    handled: bool,
    before: Option<String>,
    limit: i32,
}

impl ListQuery {
    fn parse(get: impl Fn(&str) -> Option<String>) -> Result<Self, ApiError> {
        let handled = match get("state").as_deref() {
            None | Some("open") => false,
            Some("handled") => true,
            Some(_) => return Err(ApiError::invalid("state", "open or handled")),
        };
        let limit = match get("limit") {
            None => DEFAULT_LIMIT,
            Some(l) => l
                .parse::<i32>()
                .ok()
                .filter(|l| (1..=MAX_LIMIT).contains(l))
                .ok_or_else(|| ApiError::invalid("limit", format!("1 to {MAX_LIMIT}")))?,
        };
        let before = get("before").filter(|b| !b.is_empty());
        if before.as_ref().is_some_and(|b| !is_id(b)) {
            return Err(ApiError::invalid("before", "the id of a failed message"));
        }
        Ok(Self {
            handled,
            before,
            limit,
        })
    }
}

/// `<microseconds>-<16 hex digits>`, as the store issues them. At most 17 digits (until the year
/// 5138): every such time is one the store can key, while 18 digits reach past the year 9999,
/// which the store refuses (a 503 for what is the client's error).
fn is_id(id: &str) -> bool {
    id.split_once('-').is_some_and(|(micros, hash)| {
        !micros.is_empty()
            && micros.len() <= 17
            && micros.bytes().all(|b| b.is_ascii_digit())
            && hash.len() == 16
            && hash.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

#[derive(Serialize)]
struct Entry {
    id: String,
    #[serde(with = "time::serde::rfc3339")]
    received_at: time::OffsetDateTime,
    reason: String,
    /// The sender, masked; absent when WhatsApp named none.
    #[serde(skip_serializing_if = "Option::is_none")]
    resident: Option<String>,
    /// The sender's tickets, newest first (at most five): where an officer answers them.
    tickets: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    handled: Option<shared::ports::failed::Handled>,
}

#[derive(Serialize)]
struct Page {
    messages: Vec<Entry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_before: Option<String>,
}

fn require_regency_wide(caller: &Caller) -> Result<(), ApiError> {
    if caller.officer.scope != shared::identity::Scope::Regency {
        return Err(ApiError::Forbidden(
            "failed messages have no kecamatan: for regency-wide officers only",
        ));
    }
    Ok(())
}

async fn entries(app: &Status, messages: Vec<FailedMessage>) -> Result<Vec<Entry>, ApiError> {
    let mut tickets: HashMap<String, Vec<String>> = HashMap::new();
    for resident in messages.iter().filter_map(|m| m.resident.as_ref()) {
        if tickets.contains_key(&resident.key()) {
            continue;
        }
        let requests = app.requests.requests_of_resident(resident).await?;
        tickets.insert(
            resident.key(),
            requests
                .iter()
                .take(TICKETS_SHOWN)
                .map(|r| r.ticket.as_str().to_owned())
                .collect(),
        );
    }
    Ok(messages
        .into_iter()
        .map(|m| Entry {
            tickets: m
                .resident
                .as_ref()
                .and_then(|r| tickets.get(&r.key()).cloned())
                .unwrap_or_default(),
            resident: m.resident.as_ref().map(|r| r.masked()),
            id: m.id,
            received_at: m.received_at,
            reason: m.reason,
            handled: m.handled,
        })
        .collect())
}

pub async fn list(
    app: &Status,
    caller: &Caller,
    request: &Request,
) -> Result<Response<Body>, ApiError> {
    require_regency_wide(caller)?;
    let params = request.query_string_parameters_ref();
    let query = ListQuery::parse(|name| params.and_then(|p| p.first(name)).map(str::to_owned))?;
    let page = app
        .failed
        .failed_messages(query.handled, query.before.as_deref(), query.limit)
        .await?;
    // A read of who wrote when: audited in the log (these have no ticket to audit on).
    tracing::info!(audit = "failed_messages_read", officer = %caller.officer.subject, count = page.messages.len(), "failed messages listed");
    let messages = entries(app, page.messages).await?;
    Ok(json(
        StatusCode::OK,
        &Page {
            messages,
            next_before: page.next_before,
        },
    ))
}

pub async fn mark_handled(
    app: &Status,
    caller: &Caller,
    id: Option<&str>,
) -> Result<Response<Body>, ApiError> {
    require_regency_wide(caller)?;
    let id = id
        .filter(|id| is_id(id))
        .ok_or(ApiError::NotFound("no failed message with this id"))?;
    let marked = app
        .failed
        .mark_failed_handled(id, &caller.officer.subject, app.clock.now())
        .await?
        .ok_or(ApiError::NotFound("no failed message with this id"))?;
    tracing::info!(audit = "failed_message_handled", officer = %caller.officer.subject, id = %marked.id, "failed message marked handled");
    let mut entries = entries(app, vec![marked]).await?;
    let entry = entries
        .pop()
        .ok_or(ApiError::NotFound("no failed message with this id"))?;
    Ok(json(StatusCode::OK, &entry))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<ListQuery, ApiError> {
        ListQuery::parse(|name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn defaults_to_the_open_list() {
        assert_eq!(
            parse(&[]).unwrap(),
            ListQuery {
                handled: false,
                before: None,
                limit: DEFAULT_LIMIT
            }
        );
        let q = parse(&[
            ("state", "handled"),
            ("limit", "50"),
            ("before", "1764756900123456-0123456789abcdef"),
        ])
        .unwrap();
        assert!(q.handled);
        assert!(parse(&[("before", "99999999999999999-0123456789abcdef")]).is_ok());
        assert_eq!(q.limit, 50);
    }

    #[test]
    fn bad_parameters_name_themselves() {
        for (pairs, field) in [
            (vec![("state", "all")], "state"),
            (vec![("limit", "0")], "limit"),
            (vec![("limit", "51")], "limit"),
            (vec![("limit", "x")], "limit"),
            (vec![("before", "wamid.HBgN")], "before"),
            (vec![("before", "1-0123")], "before"),
            // Past the year 9999: no time the store can key.
            (
                vec![("before", "10286706461900086120-00bBeFDBCc09C0Aa")],
                "before",
            ),
            (
                vec![("before", "100000000000000000-0123456789abcdef")],
                "before",
            ),
        ] {
            match parse(&pairs) {
                Err(ApiError::Invalid { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{pairs:?}: {other:?}"),
            }
        }
    }
}
