//! The approved-template registry and Meta's checks of a template send against it.
//!
//! Meta sends only templates approved for the business account, in the language they were
//! approved in, with exactly the variables they were approved with. The fake keeps what matters
//! for that: (name, language) → number of body parameters and whether the header is a DOCUMENT.

use std::collections::HashMap;

use axum::http::StatusCode;
use serde_json::{Map, Value};

use crate::error::GraphError;

/// Graph codes of template refusals.
pub(crate) const PARAM_COUNT_MISMATCH: i64 = 132_000;
pub(crate) const TEMPLATE_DOES_NOT_EXIST: i64 = 132_001;
pub(crate) const PARAM_FORMAT_MISMATCH: i64 = 132_012;
pub(crate) const PARAM_TEXT_INVALID: i64 = 132_018;

/// Meta's rule for a text parameter: no more than this many consecutive spaces.
const MAX_CONSECUTIVE_SPACES: usize = 4;

/// One approved template.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Approved {
    pub(crate) body_params: usize,
    pub(crate) document_header: bool,
}

/// Approved templates by (name, language code).
#[derive(Debug, Default)]
pub(crate) struct Registry {
    templates: HashMap<(String, String), Approved>,
}

impl Registry {
    /// What `FakeWhatsApp::new` registers: the application's templates as the deploy notes
    /// have them submitted (`status_update`, `officer_message`, `result_document`, language `id`).
    pub(crate) fn application_defaults() -> Self {
        let mut registry = Self::default();
        registry.register("status_update", "id", 2, false);
        registry.register("officer_message", "id", 2, false);
        registry.register("result_document", "id", 2, true);
        registry
    }

    pub(crate) fn register(
        &mut self,
        name: &str,
        language: &str,
        body_params: usize,
        document_header: bool,
    ) {
        self.templates.insert(
            (name.to_owned(), language.to_owned()),
            Approved {
                body_params,
                document_header,
            },
        );
    }

    /// Checks a `template` object that passed `validate` (name and language code present,
    /// components an array when present) the way Meta does before it accepts the send.
    pub(crate) fn check(&self, template: &Map<String, Value>) -> Result<(), GraphError> {
        let name = template.get("name").and_then(Value::as_str).unwrap_or("");
        let language = template
            .get("language")
            .and_then(|l| l.get("code"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let approved = self
            .templates
            .get(&(name.to_owned(), language.to_owned()))
            .ok_or_else(|| {
                GraphError::refused(
                    StatusCode::NOT_FOUND,
                    TEMPLATE_DOES_NOT_EXIST,
                    Some(format!(
                        "template name ({}) does not exist in {}",
                        shorten(name),
                        shorten(language)
                    )),
                )
            })?;

        let components: &[Value] = template
            .get("components")
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice);
        let body = parameters_of(components, "body");
        if body.len() != approved.body_params {
            return Err(GraphError::refused(
                StatusCode::BAD_REQUEST,
                PARAM_COUNT_MISMATCH,
                Some(format!(
                    "body: number of localizable_params ({}) does not match the expected number \
                     of params ({})",
                    body.len(),
                    approved.body_params
                )),
            ));
        }

        let header = parameters_of(components, "header");
        let has_header_component = components.iter().any(|c| is_component(c, "header"));
        if approved.document_header {
            let carries_document =
                matches!(header.as_slice(), [parameter] if is_document(parameter));
            if !carries_document {
                return Err(format_mismatch(
                    "header: the template's header is a DOCUMENT; send one header parameter \
                     of type document with a link",
                ));
            }
        } else if has_header_component {
            return Err(format_mismatch(
                "header: the template has no header with variables",
            ));
        }

        for (i, parameter) in body.iter().enumerate() {
            check_body_parameter(i, parameter)?;
        }
        Ok(())
    }
}

/// Whether a component is of `kind` (`body`, `header`, ...; Meta takes either case).
fn is_component(component: &Value, kind: &str) -> bool {
    component
        .get("type")
        .and_then(Value::as_str)
        .is_some_and(|t| t.eq_ignore_ascii_case(kind))
}

/// The parameters of every component of `kind`, in order.
fn parameters_of<'a>(components: &'a [Value], kind: &str) -> Vec<&'a Value> {
    components
        .iter()
        .filter(|c| is_component(c, kind))
        .flat_map(|c| {
            c.get("parameters")
                .and_then(Value::as_array)
                .map_or(&[][..], Vec::as_slice)
        })
        .collect()
}

/// `{"type":"document","document":{"link":"https://...","filename":...}}`. Meta also takes an
/// uploaded media `id` in place of the link.
fn is_document(parameter: &Value) -> bool {
    let non_empty = |v: Option<&Value>| v.and_then(Value::as_str).is_some_and(|s| !s.is_empty());
    parameter.get("type").and_then(Value::as_str) == Some("document")
        && parameter
            .get("document")
            .is_some_and(|d| non_empty(d.get("link")) || non_empty(d.get("id")))
}

fn check_body_parameter(index: usize, parameter: &Value) -> Result<(), GraphError> {
    let kind = parameter.get("type").and_then(Value::as_str).unwrap_or("");
    match kind {
        "text" => {
            let Some(text) = parameter.get("text").and_then(Value::as_str) else {
                return Err(GraphError::invalid_parameter(format!(
                    "Param template.components[body].parameters[{index}].text is required"
                )));
            };
            if let Some(problem) = text_problem(text) {
                return Err(GraphError::refused(
                    StatusCode::BAD_REQUEST,
                    PARAM_TEXT_INVALID,
                    Some(format!(
                        "body: parameter {} {problem}: a text parameter may not contain new \
                         lines, tabs or more than {MAX_CONSECUTIVE_SPACES} consecutive spaces",
                        index + 1
                    )),
                ));
            }
            Ok(())
        }
        // Localised values and media are not variables of the application's templates; Meta
        // checks them against the template's own variable types.
        "currency" | "date_time" => Ok(()),
        _ => Err(format_mismatch(&format!(
            "body: parameter {} has type \"{}\", expected text",
            index + 1,
            shorten(kind)
        ))),
    }
}

/// Why a text parameter breaks Meta's rule, if it does.
fn text_problem(text: &str) -> Option<&'static str> {
    if text.contains('\n') || text.contains('\r') {
        return Some("contains a new line");
    }
    if text.contains('\t') {
        return Some("contains a tab");
    }
    let mut run = 0;
    for c in text.chars() {
        run = if c == ' ' { run + 1 } else { 0 };
        if run > MAX_CONSECUTIVE_SPACES {
            return Some("contains more than 4 consecutive spaces");
        }
    }
    None
}

fn format_mismatch(details: &str) -> GraphError {
    GraphError::refused(
        StatusCode::BAD_REQUEST,
        PARAM_FORMAT_MISMATCH,
        Some(details.to_owned()),
    )
}

/// Keeps echoed client input short in error details.
fn shorten(s: &str) -> String {
    s.chars().take(60).collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn code(template: Value) -> Option<i64> {
        let registry = Registry::application_defaults();
        registry
            .check(template.as_object().expect("object"))
            .err()
            .map(|e| e.code())
    }

    fn body(params: &[&str]) -> Value {
        json!({
            "type": "body",
            "parameters": params.iter().map(|p| json!({"type": "text", "text": p})).collect::<Vec<_>>()
        })
    }

    #[test]
    fn the_applications_templates_pass() {
        assert_eq!(
            code(json!({"name": "status_update", "language": {"code": "id"},
                        "components": [body(&["ABCD-EFGH", "Disetujui."])]})),
            None
        );
        assert_eq!(
            code(
                json!({"name": "result_document", "language": {"code": "id"},
                        "components": [
                            {"type": "header", "parameters": [{"type": "document",
                             "document": {"link": "https://x/y.pdf", "filename": "KK.pdf"}}]},
                            body(&["ABCD-EFGH", "KK baru"])]})
            ),
            None
        );
    }

    #[test]
    fn text_rules() {
        assert_eq!(text_problem("a    b"), None);
        assert!(text_problem("a     b").is_some());
        assert!(text_problem("a\nb").is_some());
        assert!(text_problem("a\tb").is_some());
        assert_eq!(
            code(
                json!({"name": "officer_message", "language": {"code": "id"},
                        "components": [body(&["ABCD-EFGH", "baris\nbaru"])]})
            ),
            Some(PARAM_TEXT_INVALID)
        );
    }

    #[test]
    fn component_types_are_case_insensitive() {
        assert_eq!(
            code(json!({"name": "status_update", "language": {"code": "id"},
                        "components": [{"type": "BODY", "parameters": [
                            {"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}]})),
            None
        );
    }

    #[test]
    fn a_non_text_body_parameter_is_a_format_mismatch() {
        assert_eq!(
            code(json!({"name": "status_update", "language": {"code": "id"},
                        "components": [{"type": "body", "parameters": [
                            {"type": "text", "text": "a"},
                            {"type": "image", "image": {"link": "https://x"}}]}]})),
            Some(PARAM_FORMAT_MISMATCH)
        );
    }
}
