//! What the system says to a resident, independent of how WhatsApp encodes it. The Graph API
//! adapter turns each variant into the Cloud API JSON; limits are enforced here so a reply can
//! never be rejected by Meta for its shape.

use serde::{Deserialize, Serialize};

/// Cloud API limits (SPEC 6).
pub const TEXT_MAX: usize = 4096;
pub const INTERACTIVE_BODY_MAX: usize = 1024;
pub const BUTTONS_MAX: usize = 3;
pub const BUTTON_TITLE_MAX: usize = 20;
pub const LIST_ROWS_MAX: usize = 10;
pub const ROW_TITLE_MAX: usize = 24;
pub const ROW_DESCRIPTION_MAX: usize = 72;
pub const LIST_BUTTON_MAX: usize = 20;
pub const SECTION_TITLE_MAX: usize = 24;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reply {
    Text {
        body: String,
    },
    Buttons {
        body: String,
        buttons: Vec<ReplyButton>,
    },
    List {
        body: String,
        button: String,
        sections: Vec<ListSection>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyButton {
    pub id: String,
    pub title: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListSection {
    pub title: String,
    pub rows: Vec<ListRow>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListRow {
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Cuts `text` to at most `max` characters (not bytes), ending with `…` when cut.
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

impl Reply {
    pub fn text(body: impl AsRef<str>) -> Self {
        Reply::Text {
            body: clip(body.as_ref(), TEXT_MAX),
        }
    }

    pub fn buttons(
        body: impl AsRef<str>,
        buttons: impl IntoIterator<Item = (String, String)>,
    ) -> Self {
        Reply::Buttons {
            body: clip(body.as_ref(), INTERACTIVE_BODY_MAX),
            buttons: buttons
                .into_iter()
                .take(BUTTONS_MAX)
                .map(|(id, title)| ReplyButton {
                    id,
                    title: clip(&title, BUTTON_TITLE_MAX),
                })
                .collect(),
        }
    }

    /// A list message; rows beyond the 10-row total are dropped, titles clipped.
    pub fn list(body: impl AsRef<str>, button: &str, sections: Vec<ListSection>) -> Self {
        let mut remaining = LIST_ROWS_MAX;
        let sections = sections
            .into_iter()
            .filter_map(|section| {
                let rows: Vec<ListRow> = section
                    .rows
                    .into_iter()
                    .take(remaining)
                    .map(|row| ListRow {
                        id: row.id,
                        title: clip(&row.title, ROW_TITLE_MAX),
                        description: row.description.map(|d| clip(&d, ROW_DESCRIPTION_MAX)),
                    })
                    .collect();
                remaining -= rows.len();
                (!rows.is_empty()).then(|| ListSection {
                    title: clip(&section.title, SECTION_TITLE_MAX),
                    rows,
                })
            })
            .collect();
        Reply::List {
            body: clip(body.as_ref(), INTERACTIVE_BODY_MAX),
            button: clip(button, LIST_BUTTON_MAX),
            sections,
        }
    }

    /// The text a resident reads, for the outbox and transcripts.
    pub fn body(&self) -> &str {
        match self {
            Reply::Text { body } | Reply::Buttons { body, .. } | Reply::List { body, .. } => body,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_counts_characters() {
        assert_eq!(clip("abc", 3), "abc");
        assert_eq!(clip("abcd", 3), "ab…");
        assert_eq!(clip("éééé", 3).chars().count(), 3);
    }

    #[test]
    fn list_never_exceeds_limits() {
        let rows = |n: usize| {
            (0..n)
                .map(|i| ListRow {
                    id: format!("r{i}"),
                    title: "x".repeat(40),
                    description: Some("y".repeat(100)),
                })
                .collect::<Vec<_>>()
        };
        let reply = Reply::list(
            "pilih",
            "Pilih layanan sekarang juga",
            vec![
                ListSection {
                    title: "a".repeat(30),
                    rows: rows(7),
                },
                ListSection {
                    title: "b".into(),
                    rows: rows(7),
                },
                ListSection {
                    title: "c".into(),
                    rows: rows(2),
                },
            ],
        );
        let Reply::List {
            button, sections, ..
        } = reply
        else {
            panic!("list expected")
        };
        assert!(button.chars().count() <= LIST_BUTTON_MAX);
        assert_eq!(sections.len(), 2);
        assert_eq!(sections.iter().map(|s| s.rows.len()).sum::<usize>(), 10);
        for s in &sections {
            assert!(s.title.chars().count() <= SECTION_TITLE_MAX);
            for r in &s.rows {
                assert!(r.title.chars().count() <= ROW_TITLE_MAX);
                assert!(r.description.as_ref().unwrap().chars().count() <= ROW_DESCRIPTION_MAX);
            }
        }
    }

    #[test]
    fn buttons_capped_at_three() {
        let reply = Reply::buttons(
            "ok?",
            (0..5).map(|i| (format!("b{i}"), "a very long button title".to_owned())),
        );
        let Reply::Buttons { buttons, .. } = reply else {
            panic!()
        };
        assert_eq!(buttons.len(), 3);
        assert!(buttons.iter().all(|b| b.title.chars().count() <= 20));
    }
}
