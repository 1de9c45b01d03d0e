//! Validation of send-message bodies against the Cloud API limits (SPEC section 6).
//!
//! Every rejection names the offending field as a path (`interactive.action.buttons[1].reply.title`)
//! so a failing test points straight at the bad field.

use std::collections::HashSet;

use serde_json::{Map, Value};

const TEXT_BODY_MAX: usize = 4096;
const INTERACTIVE_BODY_MAX: usize = 1024;
const HEADER_TEXT_MAX: usize = 60;
const FOOTER_TEXT_MAX: usize = 60;
const MEDIA_CAPTION_MAX: usize = 1024;
const REPLY_BUTTONS_MAX: usize = 3;
const BUTTON_TITLE_MAX: usize = 20;
const BUTTON_ID_MAX: usize = 256;
const LIST_BUTTON_MAX: usize = 20;
const LIST_SECTIONS_MAX: usize = 10;
const LIST_ROWS_MAX: usize = 10;
const ROW_TITLE_MAX: usize = 24;
const ROW_DESCRIPTION_MAX: usize = 72;
const SECTION_TITLE_MAX: usize = 24;
const ROW_ID_MAX: usize = 200;

/// A rejected body: the field path and what is wrong with it.
#[derive(Debug, PartialEq)]
pub(crate) struct Invalid {
    pub(crate) field: String,
    pub(crate) reason: String,
}

impl Invalid {
    fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// The text for `error_data.details`.
    pub(crate) fn details(&self) -> String {
        format!("Param {} {}", self.field, self.reason)
    }
}

type Result<T> = std::result::Result<T, Invalid>;

/// What a valid body to `/messages` asks for.
#[derive(Debug, PartialEq)]
pub(crate) enum Request {
    Message {
        to: Option<String>,
        recipient: Option<String>,
        r#type: String,
    },
    /// `{"status":"read","message_id":..}` (optionally with a typing indicator) goes to the same
    /// endpoint; it marks an inbound message as read and sends nothing.
    MarkRead,
}

pub(crate) fn validate(body: &Value) -> Result<Request> {
    let root = body
        .as_object()
        .ok_or_else(|| Invalid::new("(body)", "must be a JSON object"))?;
    match root.get("messaging_product") {
        Some(Value::String(p)) if p == "whatsapp" => {}
        Some(_) => return Err(Invalid::new("messaging_product", "must be \"whatsapp\"")),
        None => return Err(Invalid::new("messaging_product", "is required")),
    }

    if root.contains_key("status") {
        return mark_read(root);
    }

    let to = opt_non_empty_str(root, "to", "to")?;
    let recipient = opt_non_empty_str(root, "recipient", "recipient")?;
    if to.is_some() == recipient.is_some() {
        return Err(Invalid::new(
            "to",
            "exactly one of to and recipient is required",
        ));
    }

    // Meta treats a missing type as "text".
    let r#type = match root.get("type") {
        None => "text",
        Some(Value::String(t)) => t.as_str(),
        Some(_) => return Err(Invalid::new("type", "must be a string")),
    };
    let object = root.get(r#type);
    match r#type {
        "text" => text(as_object(object, "text")?),
        "interactive" => interactive(as_object(object, "interactive")?),
        "image" | "audio" | "video" | "document" | "sticker" => {
            media(as_object(object, r#type)?, r#type)
        }
        "template" => template(as_object(object, "template")?),
        "location" => location(as_object(object, "location")?),
        "reaction" => reaction(as_object(object, "reaction")?),
        "contacts" => contacts(object),
        other => Err(Invalid::new(
            "type",
            format!("has unknown value \"{}\"", truncate(other)),
        )),
    }?;

    Ok(Request::Message {
        to: to.map(str::to_owned),
        recipient: recipient.map(str::to_owned),
        r#type: r#type.to_owned(),
    })
}

fn mark_read(root: &Map<String, Value>) -> Result<Request> {
    if root.get("status").and_then(Value::as_str) != Some("read") {
        return Err(Invalid::new("status", "must be \"read\""));
    }
    req_str(root, "message_id", "message_id")?;
    if let Some(indicator) = root.get("typing_indicator") {
        let indicator = as_object(Some(indicator), "typing_indicator")?;
        if indicator.get("type").and_then(Value::as_str) != Some("text") {
            return Err(Invalid::new("typing_indicator.type", "must be \"text\""));
        }
    }
    Ok(Request::MarkRead)
}

fn text(o: &Map<String, Value>) -> Result<()> {
    let body = req_str(o, "body", "text.body")?;
    max_chars(body, TEXT_BODY_MAX, "text.body")?;
    if let Some(v) = o.get("preview_url")
        && !v.is_boolean()
    {
        return Err(Invalid::new("text.preview_url", "must be a boolean"));
    }
    Ok(())
}

fn interactive(o: &Map<String, Value>) -> Result<()> {
    let kind = req_str(o, "type", "interactive.type")?;
    let body_required = matches!(kind, "button" | "list");
    match o.get("body") {
        Some(body) => {
            let body = as_object(Some(body), "interactive.body")?;
            let text = req_str(body, "text", "interactive.body.text")?;
            max_chars(text, INTERACTIVE_BODY_MAX, "interactive.body.text")?;
        }
        None if body_required => return Err(Invalid::new("interactive.body", "is required")),
        None => {}
    }
    if let Some(header) = o.get("header") {
        let header = as_object(Some(header), "interactive.header")?;
        let header_type = req_str(header, "type", "interactive.header.type")?;
        if kind == "list" && header_type != "text" {
            return Err(Invalid::new(
                "interactive.header.type",
                "must be \"text\" for a list message",
            ));
        }
        if header_type == "text" {
            let text = req_str(header, "text", "interactive.header.text")?;
            max_chars(text, HEADER_TEXT_MAX, "interactive.header.text")?;
        }
    }
    if let Some(footer) = o.get("footer") {
        let footer = as_object(Some(footer), "interactive.footer")?;
        let text = req_str(footer, "text", "interactive.footer.text")?;
        max_chars(text, FOOTER_TEXT_MAX, "interactive.footer.text")?;
    }
    match kind {
        "button" => reply_buttons(as_object(o.get("action"), "interactive.action")?),
        "list" => list(as_object(o.get("action"), "interactive.action")?),
        // Shapes the application does not use today; accepted without deeper checks.
        "cta_url"
        | "flow"
        | "product"
        | "product_list"
        | "catalog_message"
        | "location_request_message"
        | "address_message"
        | "call_permission_request"
        | "voice_call" => Ok(()),
        other => Err(Invalid::new(
            "interactive.type",
            format!("has unknown value \"{}\"", truncate(other)),
        )),
    }
}

fn reply_buttons(action: &Map<String, Value>) -> Result<()> {
    let path = "interactive.action.buttons";
    let buttons = as_array(action.get("buttons"), path)?;
    if buttons.is_empty() || buttons.len() > REPLY_BUTTONS_MAX {
        return Err(Invalid::new(
            path,
            format!(
                "must have between 1 and {REPLY_BUTTONS_MAX} buttons (got {})",
                buttons.len()
            ),
        ));
    }
    let mut ids = HashSet::new();
    for (i, button) in buttons.iter().enumerate() {
        let path = format!("{path}[{i}]");
        let button = as_object(Some(button), &path)?;
        if button.get("type").and_then(Value::as_str) != Some("reply") {
            return Err(Invalid::new(format!("{path}.type"), "must be \"reply\""));
        }
        let reply = as_object(button.get("reply"), &format!("{path}.reply"))?;
        let id_path = format!("{path}.reply.id");
        let id = req_str(reply, "id", &id_path)?;
        max_chars(id, BUTTON_ID_MAX, &id_path)?;
        if !ids.insert(id) {
            return Err(Invalid::new(id_path, "must be unique among the buttons"));
        }
        let title_path = format!("{path}.reply.title");
        let title = req_str(reply, "title", &title_path)?;
        max_chars(title, BUTTON_TITLE_MAX, &title_path)?;
    }
    Ok(())
}

fn list(action: &Map<String, Value>) -> Result<()> {
    let label = req_str(action, "button", "interactive.action.button")?;
    max_chars(label, LIST_BUTTON_MAX, "interactive.action.button")?;

    let path = "interactive.action.sections";
    let sections = as_array(action.get("sections"), path)?;
    if sections.is_empty() || sections.len() > LIST_SECTIONS_MAX {
        return Err(Invalid::new(
            path,
            format!(
                "must have between 1 and {LIST_SECTIONS_MAX} sections (got {})",
                sections.len()
            ),
        ));
    }
    // The row limit is on the whole list, so count before looking at individual rows.
    let total_rows: usize = sections
        .iter()
        .filter_map(|s| s.get("rows").and_then(Value::as_array))
        .map(Vec::len)
        .sum();
    if total_rows > LIST_ROWS_MAX {
        return Err(Invalid::new(
            format!("{path}[].rows"),
            format!("must have at most {LIST_ROWS_MAX} rows in total (got {total_rows})"),
        ));
    }

    let mut ids = HashSet::new();
    for (i, section) in sections.iter().enumerate() {
        let path = format!("{path}[{i}]");
        let section = as_object(Some(section), &path)?;
        let title_path = format!("{path}.title");
        match opt_non_empty_str(section, "title", &title_path)? {
            Some(title) => max_chars(title, SECTION_TITLE_MAX, &title_path)?,
            None if sections.len() > 1 => {
                return Err(Invalid::new(
                    title_path,
                    "is required when there is more than one section",
                ));
            }
            None => {}
        }
        let rows_path = format!("{path}.rows");
        let rows = as_array(section.get("rows"), &rows_path)?;
        if rows.is_empty() {
            return Err(Invalid::new(rows_path, "must have at least 1 row"));
        }
        for (j, row) in rows.iter().enumerate() {
            let path = format!("{rows_path}[{j}]");
            let row = as_object(Some(row), &path)?;
            let id_path = format!("{path}.id");
            let id = req_str(row, "id", &id_path)?;
            max_chars(id, ROW_ID_MAX, &id_path)?;
            if !ids.insert(id) {
                return Err(Invalid::new(id_path, "must be unique among all rows"));
            }
            let title_path = format!("{path}.title");
            let title = req_str(row, "title", &title_path)?;
            max_chars(title, ROW_TITLE_MAX, &title_path)?;
            let description_path = format!("{path}.description");
            if let Some(description) = opt_str(row, "description", &description_path)? {
                max_chars(description, ROW_DESCRIPTION_MAX, &description_path)?;
            }
        }
    }
    Ok(())
}

fn media(o: &Map<String, Value>, kind: &str) -> Result<()> {
    let link = opt_non_empty_str(o, "link", &format!("{kind}.link"))?;
    let id = opt_non_empty_str(o, "id", &format!("{kind}.id"))?;
    if link.is_none() && id.is_none() {
        return Err(Invalid::new(
            format!("{kind}.link"),
            "or id is required (one of link, id)",
        ));
    }
    let caption_path = format!("{kind}.caption");
    if let Some(caption) = opt_str(o, "caption", &caption_path)? {
        max_chars(caption, MEDIA_CAPTION_MAX, &caption_path)?;
    }
    opt_str(o, "filename", &format!("{kind}.filename"))?;
    Ok(())
}

fn template(o: &Map<String, Value>) -> Result<()> {
    req_str(o, "name", "template.name")?;
    let language = as_object(o.get("language"), "template.language")?;
    req_str(language, "code", "template.language.code")?;
    if let Some(components) = o.get("components") {
        as_array(Some(components), "template.components")?;
    }
    Ok(())
}

fn location(o: &Map<String, Value>) -> Result<()> {
    for key in ["latitude", "longitude"] {
        // Meta's examples use both numbers and numeric strings.
        let valid = match o.get(key) {
            Some(Value::Number(_)) => true,
            Some(Value::String(s)) => s.trim().parse::<f64>().is_ok(),
            _ => false,
        };
        if !valid {
            return Err(Invalid::new(
                format!("location.{key}"),
                "is required and must be a number",
            ));
        }
    }
    Ok(())
}

fn reaction(o: &Map<String, Value>) -> Result<()> {
    req_str(o, "message_id", "reaction.message_id")?;
    // An empty emoji removes a reaction, so only the type is checked.
    opt_str(o, "emoji", "reaction.emoji")?;
    Ok(())
}

fn contacts(value: Option<&Value>) -> Result<()> {
    let contacts = as_array(value, "contacts")?;
    if contacts.is_empty() {
        return Err(Invalid::new("contacts", "must have at least 1 contact"));
    }
    for (i, contact) in contacts.iter().enumerate() {
        let path = format!("contacts[{i}]");
        let contact = as_object(Some(contact), &path)?;
        let name = as_object(contact.get("name"), &format!("{path}.name"))?;
        req_str(
            name,
            "formatted_name",
            &format!("{path}.name.formatted_name"),
        )?;
    }
    Ok(())
}

fn as_object<'a>(value: Option<&'a Value>, path: &str) -> Result<&'a Map<String, Value>> {
    match value {
        Some(Value::Object(o)) => Ok(o),
        Some(_) => Err(Invalid::new(path, "must be an object")),
        None => Err(Invalid::new(path, "is required")),
    }
}

fn as_array<'a>(value: Option<&'a Value>, path: &str) -> Result<&'a Vec<Value>> {
    match value {
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(Invalid::new(path, "must be an array")),
        None => Err(Invalid::new(path, "is required")),
    }
}

/// A required, non-empty string.
fn req_str<'a>(o: &'a Map<String, Value>, key: &str, path: &str) -> Result<&'a str> {
    opt_non_empty_str(o, key, path)?.ok_or_else(|| Invalid::new(path, "is required"))
}

/// An optional string that, when present, must not be empty.
fn opt_non_empty_str<'a>(
    o: &'a Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<&'a str>> {
    match opt_str(o, key, path)? {
        Some("") => Err(Invalid::new(path, "must not be empty")),
        other => Ok(other),
    }
}

/// An optional string, possibly empty.
fn opt_str<'a>(o: &'a Map<String, Value>, key: &str, path: &str) -> Result<Option<&'a str>> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Invalid::new(path, "must be a string")),
    }
}

/// Meta counts characters, not bytes: a 4096-character Indonesian text with accents is fine.
fn max_chars(s: &str, max: usize, path: &str) -> Result<()> {
    let count = s.chars().count();
    if count > max {
        return Err(Invalid::new(
            path,
            format!("must be at most {max} characters long (got {count})"),
        ));
    }
    Ok(())
}

/// Keeps echoed client input short in error messages.
fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn field_of(body: Value) -> String {
        match validate(&body) {
            Err(invalid) => invalid.field,
            Ok(request) => panic!("expected a rejection, got {request:?}"),
        }
    }

    fn list_body(sections: Value) -> Value {
        json!({
            "messaging_product": "whatsapp",
            "to": "6281234567890",
            "type": "interactive",
            "interactive": {
                "type": "list",
                "body": {"text": "Pilih layanan"},
                "action": {"button": "Layanan", "sections": sections}
            }
        })
    }

    #[test]
    fn missing_type_defaults_to_text() {
        let request = validate(&json!({
            "messaging_product": "whatsapp", "to": "62812", "text": {"body": "hai"}
        }));
        assert_eq!(
            request,
            Ok(Request::Message {
                to: Some("62812".into()),
                recipient: None,
                r#type: "text".into()
            })
        );
    }

    #[test]
    fn to_and_recipient_are_exclusive() {
        assert_eq!(
            field_of(json!({
                "messaging_product": "whatsapp", "to": "62812", "recipient": "ID.1",
                "type": "text", "text": {"body": "hai"}
            })),
            "to"
        );
        assert_eq!(
            field_of(
                json!({"messaging_product": "whatsapp", "type": "text", "text": {"body": "x"}})
            ),
            "to"
        );
    }

    #[test]
    fn wrong_messaging_product_is_rejected() {
        assert_eq!(
            field_of(json!({"messaging_product": "sms", "to": "1", "text": {"body": "x"}})),
            "messaging_product"
        );
    }

    #[test]
    fn section_title_is_required_with_several_sections() {
        let row = |id: &str| json!({"id": id, "title": "Baris"});
        assert_eq!(
            field_of(list_body(json!([
                {"title": "A", "rows": [row("a")]},
                {"rows": [row("b")]}
            ]))),
            "interactive.action.sections[1].title"
        );
        assert!(validate(&list_body(json!([{"rows": [row("a")]}]))).is_ok());
    }

    #[test]
    fn row_ids_must_be_unique_across_sections() {
        let row = json!({"id": "same", "title": "Baris"});
        assert_eq!(
            field_of(list_body(json!([
                {"title": "A", "rows": [row.clone()]},
                {"title": "B", "rows": [row]}
            ]))),
            "interactive.action.sections[1].rows[0].id"
        );
    }

    #[test]
    fn section_title_limit() {
        assert_eq!(
            field_of(list_body(json!([
                {"title": "x".repeat(25), "rows": [{"id": "a", "title": "t"}]}
            ]))),
            "interactive.action.sections[0].title"
        );
    }

    #[test]
    fn eleven_sections_are_rejected() {
        let sections: Vec<Value> = (0..11)
            .map(|i| json!({"title": format!("S{i}"), "rows": [{"id": format!("r{i}"), "title": "t"}]}))
            .collect();
        assert_eq!(
            field_of(list_body(Value::Array(sections))),
            "interactive.action.sections"
        );
    }

    #[test]
    fn duplicate_button_ids_are_rejected() {
        let button = json!({"type": "reply", "reply": {"id": "ya", "title": "Ya"}});
        assert_eq!(
            field_of(json!({
                "messaging_product": "whatsapp", "to": "62812", "type": "interactive",
                "interactive": {
                    "type": "button", "body": {"text": "Lanjut?"},
                    "action": {"buttons": [button.clone(), button]}
                }
            })),
            "interactive.action.buttons[1].reply.id"
        );
    }

    #[test]
    fn interactive_body_limit() {
        assert_eq!(
            field_of(json!({
                "messaging_product": "whatsapp", "to": "62812", "type": "interactive",
                "interactive": {
                    "type": "button", "body": {"text": "x".repeat(1025)},
                    "action": {"buttons": [{"type": "reply", "reply": {"id": "a", "title": "A"}}]}
                }
            })),
            "interactive.body.text"
        );
    }

    #[test]
    fn document_needs_link_or_id() {
        assert_eq!(
            field_of(json!({
                "messaging_product": "whatsapp", "to": "62812", "type": "document",
                "document": {"filename": "kk.pdf"}
            })),
            "document.link"
        );
        assert!(
            validate(&json!({
                "messaging_product": "whatsapp", "to": "62812", "type": "document",
                "document": {"id": "1000000000000001", "filename": "kk.pdf"}
            }))
            .is_ok()
        );
    }

    #[test]
    fn template_needs_name_and_language_code() {
        assert_eq!(
            field_of(json!({
                "messaging_product": "whatsapp", "to": "62812", "type": "template",
                "template": {"language": {"code": "id"}}
            })),
            "template.name"
        );
        assert_eq!(
            field_of(json!({
                "messaging_product": "whatsapp", "to": "62812", "type": "template",
                "template": {"name": "status_update", "language": {}}
            })),
            "template.language.code"
        );
    }

    #[test]
    fn mark_read_is_accepted() {
        assert_eq!(
            validate(&json!({
                "messaging_product": "whatsapp", "status": "read", "message_id": "wamid.X",
                "typing_indicator": {"type": "text"}
            })),
            Ok(Request::MarkRead)
        );
    }

    #[test]
    fn unknown_type_is_rejected() {
        assert_eq!(
            field_of(json!({"messaging_product": "whatsapp", "to": "1", "type": "fax", "fax": {}})),
            "type"
        );
    }
}
