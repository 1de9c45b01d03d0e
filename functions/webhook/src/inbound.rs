//! From the Cloud API message shapes to what the conversation engine decides on.

use crate::envelope::Message;
use domain::ResidentId;
use domain::conversation::{Inbound, MediaRef};

pub fn sender(message: &Message) -> Option<ResidentId> {
    ResidentId::from_sender(message.from.as_deref(), message.from_user_id.as_deref())
}

pub fn inbound(message: &Message) -> Inbound {
    let unsupported = || Inbound::Unsupported {
        kind: message.kind.clone(),
    };
    match message.kind.as_str() {
        "text" => Inbound::Text {
            body: message
                .text
                .as_ref()
                .map(|t| t.body.clone())
                .unwrap_or_default(),
        },
        "interactive" => message
            .interactive
            .as_ref()
            .and_then(|i| i.button_reply.as_ref().or(i.list_reply.as_ref()))
            .map(|choice| Inbound::Choice {
                id: choice.id.clone(),
                title: choice.title.clone(),
            })
            .unwrap_or_else(unsupported),
        // A template's quick-reply button: its payload is one of our ids or a keyword.
        "button" => message
            .button
            .as_ref()
            .and_then(|b| {
                let payload = b.payload.clone().filter(|p| !p.is_empty())?;
                Some(
                    if payload.contains(':') || payload == "submit" || payload == "cancel" {
                        Inbound::Choice {
                            id: payload,
                            title: b.text.clone().unwrap_or_default(),
                        }
                    } else {
                        Inbound::Text { body: payload }
                    },
                )
            })
            .unwrap_or_else(unsupported),
        "image" | "document" | "audio" => message
            .image
            .as_ref()
            .or(message.document.as_ref())
            .or(message.audio.as_ref())
            .map(|media| {
                Inbound::Media(MediaRef {
                    media_id: media.id.clone(),
                    mime_type: media.mime_type.clone().unwrap_or_default(),
                    sha256: media.sha256.clone().unwrap_or_default(),
                    filename: media.filename.clone(),
                    caption: media.caption.clone(),
                })
            })
            .unwrap_or_else(unsupported),
        _ => unsupported(),
    }
}
