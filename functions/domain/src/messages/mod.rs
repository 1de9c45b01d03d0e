//! The message catalog: every sentence the system says to a resident, in Bahasa Indonesia, in the
//! polite "Bapak/Ibu" register. Nothing resident-facing is written anywhere else.

use crate::catalog::{Category, ServiceDefinition, services_in};
use crate::reply::{ListRow, ListSection, Reply};

/// Name of the service as residents know it, used in greetings.
pub const OFFICE_NAME: &str = "Disdukcapil";

pub fn greeting(display_name: Option<&str>) -> String {
    match display_name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(name) => format!(
            "Selamat datang di layanan administrasi kependudukan {OFFICE_NAME} melalui WhatsApp, Bapak/Ibu {name}."
        ),
        None => format!(
            "Selamat datang di layanan administrasi kependudukan {OFFICE_NAME} melalui WhatsApp, Bapak/Ibu."
        ),
    }
}

/// The main menu: one row per category, so it always fits WhatsApp's 10-row limit.
pub fn main_menu(display_name: Option<&str>) -> Reply {
    let rows = Category::ALL
        .iter()
        .map(|category| ListRow {
            id: format!("cat:{}", category.as_str()),
            title: category.title().to_owned(),
            description: Some(category.description().to_owned()),
        })
        .collect();
    Reply::list(
        format!(
            "{}\n\nSilakan pilih jenis layanan yang Bapak/Ibu perlukan. Semua layanan adminduk gratis.\n\nKetik *status* untuk melihat permohonan Bapak/Ibu, atau *bantuan* untuk petunjuk.",
            greeting(display_name)
        ),
        "Pilih layanan",
        vec![ListSection {
            title: "Jenis layanan".into(),
            rows,
        }],
    )
}

/// The services of one category.
pub fn category_menu(category: Category) -> Reply {
    let rows = services_in(category)
        .map(|service: &ServiceDefinition| ListRow {
            id: format!("svc:{}", service.code.as_str()),
            title: service.short_name.to_owned(),
            description: Some(service.name.to_owned()),
        })
        .collect();
    Reply::list(
        format!(
            "Layanan {}. Silakan pilih layanan yang Bapak/Ibu perlukan.",
            category.title()
        ),
        "Pilih layanan",
        vec![ListSection {
            title: category.title().to_owned(),
            rows,
        }],
    )
}

/// For stickers, voice notes, locations and anything else the service cannot read.
pub fn unsupported_input() -> Reply {
    Reply::text(
        "Mohon maaf, Bapak/Ibu, pesan jenis ini belum dapat kami proses. Silakan kirim teks, foto atau PDF. Ketik *menu* untuk melihat layanan.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn main_menu_lists_every_category() {
        let Reply::List { sections, body, .. } = main_menu(Some("Siti")) else {
            panic!("list expected")
        };
        assert!(body.contains("Bapak/Ibu Siti"));
        assert_eq!(sections[0].rows.len(), Category::ALL.len());
    }

    #[test]
    fn category_menus_fit_whatsapp_limits() {
        for category in Category::ALL {
            let Reply::List { sections, .. } = category_menu(category) else {
                panic!("list expected")
            };
            let rows: usize = sections.iter().map(|s| s.rows.len()).sum();
            assert!((1..=10).contains(&rows), "{category:?} has {rows} rows");
        }
    }
}
