//! One inbound message, exactly once: read the conversation, run the pure engine (loading the
//! facts it asks for), commit everything it decided in one transaction with the message's dedupe
//! record, then send the replies it owes.

use crate::Webhook;
use crate::envelope::{Message, MessagesValue, Status};
use crate::inbound::{inbound, sender};
use domain::conversation::{self, Facts, Input, Need, Write};
use domain::{OpenRequestKey, ResidentId, ServiceCode, reply::Reply};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use shared::ports::appointments::BookingRecord;
use shared::ports::officer::{MessageAuthor, ThreadMessage};
use shared::ports::{
    AuditEvent, Change, CommitOutcome, DeliveryStatus, DeliveryUpdate, InboundCommit, OwedReply,
    ReplyState, StoreError,
};
use shared::privacy::{mask_wamid, wamid_ref};
use shared::store::millis;
use time::OffsetDateTime;

/// Attempts when another message of the same resident changes the conversation concurrently
/// (or a fresh ticket collides).
const COMMIT_ATTEMPTS: usize = 5;
/// Fact loads one engine step may ask for before something is wrong.
const MAX_NEEDS: usize = 6;

pub use shared::ports::ProcessError;

/// The keys of the open-request guard hashes, derived from the secret's `data_key` (never from
/// Meta's app secret, which is rotated after a leak) so no NIK is ever stored in a key. During a
/// rotation of the data key, guards written under the previous one are still found.
pub struct GuardKeys {
    current: Vec<u8>,
    previous: Option<Vec<u8>>,
}

impl GuardKeys {
    pub fn new(data_key: &str, previous: Option<&str>) -> Self {
        Self {
            current: guard_key(data_key),
            previous: previous.map(guard_key),
        }
    }
}

impl GuardKeys {
    /// The guard id of one subject (a NIK, a child) and service under the current key (what a
    /// new guard is written as).
    pub fn current_id(&self, subject: &OpenRequestKey, service: ServiceCode) -> String {
        guard_id(&self.current, subject, service)
    }
}

fn guard_key(data_key: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(data_key.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(b"adminduk open-request guard v1");
    mac.finalize().into_bytes().to_vec()
}

/// The guard item's id: a keyed hash of what the guard identifies (a NIK's digits, or a child's
/// normalised name and date of birth) and the service.
fn guard_id(key: &[u8], subject: &OpenRequestKey, service: ServiceCode) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(subject.as_str().as_bytes());
    mac.update(b"#");
    mac.update(service.as_str().as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

pub async fn message(
    app: &Webhook,
    guard_key: &GuardKeys,
    value: &MessagesValue,
    message: &Message,
) -> Result<(), ProcessError> {
    // System notices are not the resident talking: no reply. A number change moves the
    // resident's conversation and open requests to the new number.
    if message.kind == "system" {
        return number_change(app, message).await;
    }
    let resident = sender(message)
        .ok_or_else(|| ProcessError::Permanent("message without a usable sender id".into()))?;
    let display_name = value
        .contact_for(message)
        .and_then(|c| c.profile.as_ref())
        .and_then(|p| p.name.clone());
    let inbound = inbound(message);
    // This delivery of the message, as the holder of its replies' sending leases.
    let holder = format!("{:016x}", rand::random::<u64>());

    for _ in 0..COMMIT_ATTEMPTS {
        let now = app.clock.now();
        let state = app.conversations.get_conversation(&resident, now).await?;
        let input = Input {
            inbound: &inbound,
            wamid: &message.id,
            quoted: message
                .context
                .as_ref()
                .and_then(|c| c.id.as_deref())
                .filter(|id| !id.is_empty()),
            now,
            display_name: display_name.as_deref(),
            entropy: rand::random(),
            region: &app.region,
            office: &app.office,
            holidays: &app.holidays,
            idle_expiry: app.idle_expiry,
        };
        let outcome = run_engine(app, guard_key, state.as_ref(), &resident, &input).await?;
        let replies = owed_replies(
            &message.id,
            &resident,
            outcome.replies,
            &holder,
            now + app.reply_lease,
        );
        let commit = InboundCommit {
            wamid: message.id.clone(),
            received_at: now,
            previous_version: state.as_ref().map(|s| s.version),
            conversation: outcome.conversation,
            replies: replies.clone(),
            changes: changes(guard_key, &message.id, &resident, outcome.writes),
        };
        match app.conversations.commit_inbound(&commit).await {
            Ok(CommitOutcome::Committed) => {
                tracing::info!(wamid = %mask_wamid(&message.id), resident = %resident, kind = %message.kind, "message committed");
                for reply in &replies {
                    deliver(app, reply).await?;
                }
                return Ok(());
            }
            Ok(CommitOutcome::Duplicate) => {
                return resume_owed_replies(app, &message.id, &holder).await;
            }
            // Another message of the same resident moved the conversation first, or the new
            // ticket was taken: re-read and decide again.
            Err(StoreError::Conflict) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(ProcessError::Temporary(
        "conversation kept changing concurrently".into(),
    ))
}

/// Calls the engine until it has every fact it asked for.
async fn run_engine(
    app: &Webhook,
    guard_key: &GuardKeys,
    state: Option<&conversation::Conversation>,
    resident: &ResidentId,
    input: &Input<'_>,
) -> Result<conversation::Outcome, ProcessError> {
    let mut facts = Facts::default();
    for _ in 0..MAX_NEEDS {
        match conversation::step(state, resident, input, &facts) {
            Ok(outcome) => return Ok(outcome),
            Err(need) => load(app, guard_key, resident, need, &mut facts).await?,
        }
    }
    Err(ProcessError::Permanent(
        "the engine kept asking for facts".into(),
    ))
}

async fn load(
    app: &Webhook,
    guard_key: &GuardKeys,
    resident: &ResidentId,
    need: Need,
    facts: &mut Facts,
) -> Result<(), StoreError> {
    match need {
        Need::Availability(code) => {
            let availability = app.services.service_availability(code).await?;
            facts.availability.insert(code, availability);
        }
        Need::Request(ticket) => {
            let request = app.requests.get_request(&ticket).await?;
            facts.requests.insert(ticket, request);
        }
        Need::OpenRequest { key, service } => {
            let mut holder = app
                .conversations
                .get_guard(&guard_id(&guard_key.current, &key, service))
                .await?
                .map(|g| g.ticket);
            if let (None, Some(previous)) = (&holder, &guard_key.previous) {
                holder = app
                    .conversations
                    .get_guard(&guard_id(previous, &key, service))
                    .await?
                    .map(|g| g.ticket);
            }
            let holder_request = match holder {
                Some(ticket) => app.requests.get_request(&ticket).await?,
                None => None,
            };
            facts.record_guard(&key, service, holder, holder_request.as_ref());
        }
        Need::ResidentRequests => {
            facts.resident_requests = Some(app.requests.requests_of_resident(resident).await?);
        }
        Need::Documents(ticket) => {
            let documents = app.requests.documents_of(&ticket).await?;
            facts.documents.insert(ticket, documents);
        }
        Need::QuotedTicket(id) => {
            let ticket = app
                .conversations
                .ticket_of_outbound(&id, app.clock.now())
                .await?;
            facts.quoted.insert(id, ticket);
        }
        // One query a day (slots are keyed by place and day): 14 for the days offered.
        Need::Slots { place, from, to } => {
            let mut day = from;
            while day <= to {
                let slots = app.appointments.slots(&place, day).await?;
                facts.slots.insert((place.clone(), day), slots);
                day += time::Duration::days(1);
            }
        }
        Need::Booking(ticket) => {
            let booking = app.appointments.booking(&ticket).await?;
            facts.bookings.insert(ticket, booking.map(|r| r.booking));
        }
    }
    Ok(())
}

/// The engine's writes as store changes: NIKs become keyed hashes, resident actions become audit
/// events whose ids derive from the wamid (so a retried commit cannot duplicate them) through
/// its hash (the wamid encodes the number, and event ids stay after an erasure).
fn changes(
    guard_key: &GuardKeys,
    wamid: &str,
    resident: &ResidentId,
    writes: Vec<Write>,
) -> Vec<Change> {
    writes
        .into_iter()
        .enumerate()
        .map(|(i, write)| match write {
            Write::CreateRequest(request) => Change::CreateRequest(request),
            Write::UpdateRequest {
                request,
                expected_version,
            } => Change::UpdateRequest {
                request,
                expected_version,
            },
            Write::ClaimGuard {
                key,
                service,
                ticket,
                replaces,
            } => Change::ClaimGuard {
                guard_id: guard_key.current_id(&key, service),
                ticket,
                replaces,
            },
            Write::Document(document) => Change::Document(document),
            Write::ThreadMessage(message) => Change::ThreadMessage(ThreadMessage {
                ticket: message.ticket,
                message_id: message.message_id,
                at: message.at,
                author: MessageAuthor::Resident,
                actor: resident.key(),
                text: message.body,
            }),
            Write::PrivacyConsent(consent) => Change::PrivacyConsent {
                resident: resident.clone(),
                consent,
            },
            Write::Book {
                booking,
                previous,
                applicant_masked,
            } => Change::Book {
                record: BookingRecord {
                    booking,
                    resident: resident.clone(),
                    applicant_masked,
                },
                previous,
            },
            Write::CancelBooking {
                previous,
                cancelled,
                applicant_masked,
            } => Change::CancelBooking {
                record: BookingRecord {
                    booking: cancelled,
                    resident: resident.clone(),
                    applicant_masked,
                },
                previous,
            },
            Write::Event(event) => Change::Audit(AuditEvent {
                ticket: event.ticket,
                event_id: format!("{}.{i}", wamid_ref(wamid)),
                at: event.at,
                actor: resident.key(),
                role: "resident".into(),
                action: event.action.into(),
                from_status: event.from.map(|s| s.as_str().to_owned()),
                to_status: event.to.map(|s| s.as_str().to_owned()),
                note: event.note,
                source_ip: None,
                request_id: Some(wamid_ref(wamid)),
            }),
        })
        .collect()
}

fn owed_replies(
    wamid: &str,
    to: &ResidentId,
    replies: Vec<Reply>,
    holder: &str,
    lease_until: OffsetDateTime,
) -> Vec<OwedReply> {
    replies
        .into_iter()
        .enumerate()
        .map(|(i, reply)| OwedReply {
            wamid: wamid.to_owned(),
            seq: u8::try_from(i).unwrap_or(u8::MAX),
            to: to.clone(),
            reply,
            state: ReplyState::Sending,
            lease_until_ms: millis(lease_until),
            lease_holder: holder.to_owned(),
            graph_message_id: None,
        })
        .collect()
}

/// A duplicate delivery: the effects are committed, but a reply may still be owed if the
/// attempt that committed them could not send it.
async fn resume_owed_replies(app: &Webhook, wamid: &str, holder: &str) -> Result<(), ProcessError> {
    let mut still_owed = false;
    for reply in app.conversations.owed_replies(wamid).await? {
        if reply.state != ReplyState::Sending {
            continue;
        }
        let now = app.clock.now();
        if app
            .conversations
            .claim_reply(wamid, reply.seq, holder, now, now + app.reply_lease)
            .await?
        {
            let reply = OwedReply {
                lease_holder: holder.to_owned(),
                ..reply
            };
            deliver(app, &reply).await?;
        } else {
            // Another delivery holds the lease and may yet fail: keep Meta retrying.
            still_owed = true;
        }
    }
    if still_owed {
        return Err(ProcessError::Temporary(
            "a reply is being sent by another delivery".into(),
        ));
    }
    Ok(())
}

async fn deliver(app: &Webhook, owed: &OwedReply) -> Result<(), ProcessError> {
    match app.messenger.send(&owed.to, &owed.reply).await {
        Ok(graph_id) => record_sent(app, owed, &graph_id).await,
        Err(err) if err.is_transient() => {
            // Not sent (a rate limit, a 5xx, a timeout): let Meta's retry send it straight away.
            // Best effort: if this fails too, the lease simply runs out.
            if let Err(release) = app
                .conversations
                .release_reply(&owed.wamid, owed.seq, &owed.lease_holder)
                .await
            {
                tracing::warn!(error = %release, "reply lease not released");
            }
            Err(ProcessError::Temporary(err.to_string()))
        }
        Err(err) => {
            // Meta refuses this reply for good (e.g. outside the 24-hour window): record it so
            // it is not retried forever.
            tracing::warn!(wamid = %mask_wamid(&owed.wamid), seq = owed.seq, error = %err, "reply not deliverable");
            app.conversations
                .finish_reply(&owed.wamid, owed.seq, ReplyState::Failed, None)
                .await?;
            Ok(())
        }
    }
}

/// Pauses between attempts to record a sent reply through a store outage: about 4 s in all,
/// well inside the function's 15 s timeout.
const RECORD_SENT_BACKOFF_MS: [u64; 4] = [250, 500, 1_000, 2_000];

/// Records a reply as sent. The message has left by now, so this record is all that stops a
/// retried delivery from sending it again once the lease runs out: the update is idempotent and
/// is tried again through a short store outage instead of handing the message straight back to
/// Meta.
async fn record_sent(app: &Webhook, owed: &OwedReply, graph_id: &str) -> Result<(), ProcessError> {
    let mut pauses = RECORD_SENT_BACKOFF_MS.iter();
    loop {
        match app
            .conversations
            .finish_reply(&owed.wamid, owed.seq, ReplyState::Sent, Some(graph_id))
            .await
        {
            Ok(()) => return Ok(()),
            Err(StoreError::Unavailable(reason)) => match pauses.next() {
                Some(ms) => {
                    tracing::warn!(wamid = %mask_wamid(&owed.wamid), seq = owed.seq, %reason, "sent reply not recorded yet; trying again");
                    tokio::time::sleep(std::time::Duration::from_millis(*ms)).await;
                }
                None => return Err(StoreError::Unavailable(reason).into()),
            },
            Err(err) => return Err(err.into()),
        }
    }
}

/// `user_changed_number`: the resident's open requests and conversation follow the new number.
/// Each step is idempotent (a request already moved is no longer listed under the old number),
/// so a retried delivery finishes what a failed one started.
async fn number_change(app: &Webhook, message: &Message) -> Result<(), ProcessError> {
    let Some(system) = &message.system else {
        return Ok(());
    };
    if system.kind.as_deref() != Some("user_changed_number") {
        return Ok(());
    }
    let (Some(old), Some(new)) = (
        sender(message),
        ResidentId::from_sender(system.wa_id.as_deref(), None),
    ) else {
        return Err(ProcessError::Permanent(
            "number change without both numbers".into(),
        ));
    };
    let now = app.clock.now();
    for listed in app.requests.requests_of_resident(&old).await? {
        if listed.status.is_open() {
            move_request(app, listed.ticket, &old, &new, &message.id, now).await?;
        }
    }
    if let Some(mut conversation) = app.conversations.get_conversation(&old, now).await? {
        let existing = app.conversations.get_conversation(&new, now).await?;
        conversation.resident = new.clone();
        conversation.version = existing.as_ref().map_or(1, |c| c.version + 1);
        let commit = InboundCommit {
            wamid: message.id.clone(),
            received_at: now,
            previous_version: existing.map(|c| c.version),
            conversation,
            replies: Vec::new(),
            changes: Vec::new(),
        };
        match app.conversations.commit_inbound(&commit).await {
            Ok(_) | Err(StoreError::Conflict) => {}
            Err(err) => return Err(err.into()),
        }
    }
    tracing::info!(from = %old, to = %new, "resident changed number");
    Ok(())
}

/// WhatsApp's "outside the 24-hour window" error: only templates reach the resident now.
const OUTSIDE_WINDOW: i64 = 131047;

/// A delivery status of a message we sent: recorded so that only a later state wins; a 131047
/// failure closes the resident's window so the next notification is a template.
pub async fn delivery_status(app: &Webhook, status: &Status) -> Result<(), StoreError> {
    let Some(delivery) = DeliveryStatus::parse(&status.status) else {
        tracing::info!(status = %status.status, "unknown delivery status ignored");
        return Ok(());
    };
    let at = status
        .timestamp
        .as_deref()
        .and_then(|t| t.trim().parse::<i64>().ok())
        .and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok())
        .unwrap_or_else(|| app.clock.now());
    let error_code = status.errors.first().map(|e| e.code);
    let applied = app
        .conversations
        .record_delivery(&DeliveryUpdate {
            message_id: status.id.clone(),
            status: delivery,
            at,
            error_code,
        })
        .await?;
    if delivery == DeliveryStatus::Failed {
        tracing::warn!(outbound = %mask_wamid(&status.id), code = ?error_code, "outbound message failed");
        if error_code == Some(OUTSIDE_WINDOW)
            && let Some(resident) = ResidentId::from_sender(status.recipient_id.as_deref(), None)
        {
            app.conversations.close_window(&resident, at).await?;
        }
    } else if !applied {
        tracing::debug!(outbound = %mask_wamid(&status.id), "stale or duplicate status ignored");
    }
    Ok(())
}

/// Re-keys one request to the resident's new number, re-reading it when something else (an
/// officer, the documents function) changed it in between.
async fn move_request(
    app: &Webhook,
    ticket: domain::TicketId,
    old: &ResidentId,
    new: &ResidentId,
    wamid: &str,
    now: OffsetDateTime,
) -> Result<(), ProcessError> {
    for _ in 0..COMMIT_ATTEMPTS {
        let Some(request) = app.requests.get_request(&ticket).await? else {
            return Ok(());
        };
        if &request.resident != old {
            // Already moved by an earlier delivery of this notice.
            return Ok(());
        }
        let expected = request.version;
        let mut moved = request;
        moved.resident = new.clone();
        moved.version += 1;
        moved.updated_at = now;
        let event = AuditEvent {
            ticket,
            event_id: format!("{}.moved", wamid_ref(wamid)),
            at: now,
            actor: "system".into(),
            role: "system".into(),
            action: "resident_number_changed".into(),
            from_status: None,
            to_status: None,
            note: None,
            source_ip: None,
            request_id: Some(wamid_ref(wamid)),
        };
        match app
            .requests
            .update_request(&moved, expected, &[event])
            .await
        {
            Ok(()) => return Ok(()),
            Err(StoreError::Conflict) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(ProcessError::Temporary(format!(
        "request {} kept changing while moving it",
        ticket.as_str()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::Nik;
    use time::macros::date;

    /// Audit events outlive an erasure; the wamid encodes the resident's number.
    #[test]
    fn a_residents_audit_event_names_the_message_only_by_its_hash() {
        let wamid = "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFjNFQjA";
        let event = |wamid: &str| {
            let write = Write::Event(domain::conversation::RequestEvent {
                ticket: domain::TicketId::parse("ABCD-EFGH").unwrap(),
                at: OffsetDateTime::UNIX_EPOCH,
                action: "submitted",
                from: None,
                to: None,
                note: None,
            });
            let resident = ResidentId::Phone("6281234567890".into());
            match changes(&GuardKeys::new("k", None), wamid, &resident, vec![write]).pop() {
                Some(Change::Audit(event)) => event,
                other => panic!("{other:?}"),
            }
        };
        let first = event(wamid);
        assert!(!first.event_id.contains("HBgN"), "{}", first.event_id);
        assert!(!format!("{:?}", first.request_id).contains("HBgN"));
        assert_eq!(first.event_id, event(wamid).event_id, "the same on a retry");
        assert_ne!(first.event_id, event("wamid.other").event_id);
    }

    #[test]
    fn a_nik_guard_keeps_the_id_it_had_before_children_were_keyed() {
        // Stored guards were keyed on `hmac(nik digits # service)`; a NIK key must hash the same.
        let key = guard_key("secret");
        let nik = Nik::parse("1708014508900001", date!(2026 - 01 - 01)).unwrap();
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
        mac.update(b"1708014508900001#KTP_NEW");
        let before = hex::encode(mac.finalize().into_bytes());
        assert_eq!(
            guard_id(&key, &OpenRequestKey::nik(&nik), ServiceCode::KtpNew),
            before
        );
        // A child's key is another id, and one per child.
        let born = date!(2025 - 08 - 17);
        let a = guard_id(
            &key,
            &OpenRequestKey::child("Putri", born),
            ServiceCode::Birth,
        );
        let b = guard_id(
            &key,
            &OpenRequestKey::child("Putra", born),
            ServiceCode::Birth,
        );
        let a_again = guard_id(
            &key,
            &OpenRequestKey::child(" putri. ", born),
            ServiceCode::Birth,
        );
        assert_ne!(a, b);
        assert_eq!(a, a_again);
        assert!(!a.contains("putri"));
    }
}
