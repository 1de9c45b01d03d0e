//! What residents are told about the documents they send and receive: received (and what is
//! still missing), please resend (and why), and the finished document.

use crate::ServiceCode;
use crate::catalog::{ServiceDefinition, service};
use crate::office::Office;
use crate::reply::Reply;
use crate::request::Request;

/// Why an item has to be sent again. The documents function maps its validation outcome onto
/// these; the wording lives here so every resident-facing sentence stays in the catalog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResendReason {
    /// Not a PDF, JPEG or PNG (checked on the bytes, not the declared type).
    WrongType,
    /// Larger than allowed for its type.
    TooLarge { max_mb: u64 },
    /// The bytes did not match WhatsApp's checksum: damaged in transit.
    Damaged,
    /// Could not be downloaded from WhatsApp after several attempts, or the media has expired.
    Unavailable,
}

/// The label residents know a slot by (`KTP-el pemohon`), or a generic word for free attachments.
pub fn slot_label(definition: &ServiceDefinition, slot: &str) -> String {
    definition
        .slot(slot)
        .map(|s| s.label.to_owned())
        .unwrap_or_else(|| "lampiran".to_owned())
}

/// "Received X" plus what is still required, or that everything is complete.
pub fn item_received(request: &Request, slot: &str) -> Reply {
    let definition = service(request.service);
    let received = slot_label(definition, slot);
    let missing: Vec<&str> = definition
        .required_slots()
        .filter(|s| !request.is_filled(s.id))
        .map(|s| s.label)
        .collect();
    let ticket = request.ticket.as_str();
    let body = if definition.slots.is_empty() || definition.slot(slot).is_none() {
        format!(
            "Terima kasih, Bapak/Ibu. Lampiran untuk permohonan {ticket} sudah kami terima dan tersimpan dengan aman."
        )
    } else if missing.is_empty() {
        format!(
            "Terima kasih, Bapak/Ibu. *{received}* untuk permohonan {ticket} sudah kami terima. Semua dokumen wajib sudah lengkap."
        )
    } else {
        let list: Vec<String> = missing.iter().map(|m| format!("- {m}")).collect();
        format!(
            "Terima kasih, Bapak/Ibu. *{received}* untuk permohonan {ticket} sudah kami terima.\n\nDokumen yang masih kami perlukan:\n{}",
            list.join("\n")
        )
    };
    Reply::text(body)
}

/// "Please send X again", with the reason in plain words. The slot stays open.
pub fn resend_item(request: &Request, slot: &str, reason: ResendReason) -> Reply {
    let label = slot_label(service(request.service), slot);
    let why = match reason {
        ResendReason::WrongType => {
            "jenis berkasnya tidak dapat kami terima. Mohon kirim dalam bentuk foto (JPG/PNG) atau PDF".to_owned()
        }
        ResendReason::TooLarge { max_mb } => format!(
            "ukuran berkasnya melebihi batas {max_mb} MB. Mohon kirim berkas yang lebih kecil, misalnya foto dengan resolusi lebih rendah"
        ),
        ResendReason::Damaged => {
            "berkasnya rusak saat dikirim. Mohon kirim ulang berkas yang sama".to_owned()
        }
        ResendReason::Unavailable => {
            "berkasnya tidak dapat kami unduh dari WhatsApp. Mohon kirim ulang berkas tersebut".to_owned()
        }
    };
    Reply::text(format!(
        "Mohon maaf, Bapak/Ibu. *{label}* untuk permohonan {} belum dapat kami terima: {why}.",
        request.ticket.as_str()
    ))
}

/// How the resident uses the finished product: a document signed electronically is printed at
/// home; a card is collected at the counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResultUse {
    /// Signed electronically (TTE) with a QR code: printed on plain A4 HVS paper, valid as is,
    /// no legalisation needed.
    PrintAtHome,
    /// A KTP-el or KIA card, printed at the office and collected there.
    CollectCard,
}

pub fn result_use(code: ServiceCode) -> ResultUse {
    match code {
        ServiceCode::KtpLostDamaged
        | ServiceCode::KtpDataChange
        | ServiceCode::KtpMoveIn
        | ServiceCode::KtpNew
        | ServiceCode::Kia => ResultUse::CollectCard,
        _ => ResultUse::PrintAtHome,
    }
}

/// Caption of the finished document sent to the resident: what it is and how to use it
/// (WhatsApp caps captions at 1024).
pub fn result_caption(request: &Request, office: &Office) -> String {
    let definition = service(request.service);
    let ticket = request.ticket.as_str();
    let text = match result_use(request.service) {
        ResultUse::PrintAtHome => format!(
            "Bapak/Ibu, dokumen hasil permohonan {} (tiket {ticket}) sudah selesai dan ditandatangani secara elektronik (TTE) dengan kode QR.\n\nSilakan cetak berkas ini pada kertas HVS putih ukuran A4. Hasil cetakan tersebut sah, tidak perlu dilegalisasi, dan keasliannya dapat diperiksa dengan memindai kode QR-nya. Terima kasih telah menggunakan layanan {}.",
            definition.short_name, office.name
        ),
        ResultUse::CollectCard => {
            // The service point serving the applicant's kecamatan, if any, else the office.
            let kecamatan = request
                .applicant
                .as_ref()
                .and_then(|a| a.kecamatan.as_deref());
            let place = office.place_for(kecamatan);
            let at = if place.name == office.name {
                place.address.to_owned()
            } else {
                format!("{} ({})", place.name, place.address)
            };
            format!(
                "Bapak/Ibu, {} untuk tiket {ticket} sudah selesai dicetak. Silakan ambil di {at} pada {}, dengan menunjukkan pesan ini. Terima kasih telah menggunakan layanan {}.",
                definition.short_name, place.hours, office.name
            )
        }
    };
    crate::reply::clip(&text, 1024)
}

/// Body parameters of the result template outside the 24-hour window (`{{1}}` ticket, `{{2}}`
/// what the document is); the document itself is the template's header.
pub fn result_template_params(request: &Request) -> Vec<String> {
    vec![
        request.ticket.as_str().to_owned(),
        super::notifications::template_param(service(request.service).short_name),
    ]
}

/// What the finished document is called, as residents know it (no spaces: it starts the file
/// name). Every service names its product here, so a new service cannot ship without one.
pub fn result_document_name(code: ServiceCode) -> &'static str {
    match code {
        ServiceCode::KtpLostDamaged
        | ServiceCode::KtpDataChange
        | ServiceCode::KtpMoveIn
        | ServiceCode::KtpNew => "KTP-el",
        ServiceCode::KkNew
        | ServiceCode::KkAddMember
        | ServiceCode::KkDataChange
        | ServiceCode::KkSplit
        | ServiceCode::KkLostDamaged
        | ServiceCode::MoveIn => "KK",
        ServiceCode::Birth => "Akta-Kelahiran",
        ServiceCode::Death => "Akta-Kematian",
        ServiceCode::MoveOut => "SKPWNI",
        ServiceCode::Kia => "KIA",
        ServiceCode::Legalization => "Legalisasi",
        ServiceCode::Marriage => "Akta-Perkawinan",
        ServiceCode::Divorce => "Akta-Perceraian",
        ServiceCode::Correction => "Akta-Pembetulan",
        ServiceCode::Complaint => "Jawaban-Aduan",
        ServiceCode::Consultation => "Jawaban-Konsultasi",
    }
}

/// File name the resident sees for the finished document (`Akta-Kelahiran-ABCD-EFGH.pdf`): the
/// document's name and the ticket, no personal data and no internal code.
pub fn result_filename(request: &Request, extension: &str) -> String {
    format!(
        "{}-{}.{extension}",
        result_document_name(request.service),
        request.ticket.as_str()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ResidentId, ServiceCode, SlotFill, TicketId};
    use time::macros::datetime;

    fn request(service: ServiceCode) -> Request {
        Request::open(
            TicketId::parse("ABCD-EFGH").unwrap(),
            service,
            ResidentId::Phone("6281234567890".into()),
            datetime!(2026-11-28 02:00 UTC),
        )
    }

    #[test]
    fn received_lists_what_is_still_missing() {
        let mut r = request(ServiceCode::KkNew);
        let first = service(r.service).required_slots().next().unwrap();
        r.slots.push(SlotFill {
            slot: first.id.into(),
            document_id: "d1".into(),
        });
        let body = item_received(&r, first.id).body().to_owned();
        assert!(body.contains(first.label), "{body}");
        assert!(body.contains("Bapak/Ibu"));
        for other in service(r.service).required_slots().skip(1) {
            assert!(body.contains(other.label), "{body}");
        }
    }

    #[test]
    fn received_says_complete_when_nothing_is_missing() {
        let mut r = request(ServiceCode::KkNew);
        for slot in service(r.service).required_slots() {
            r.slots.push(SlotFill {
                slot: slot.id.into(),
                document_id: slot.id.into(),
            });
        }
        let first = service(r.service).required_slots().next().unwrap();
        assert!(item_received(&r, first.id).body().contains("sudah lengkap"));
    }

    #[test]
    fn resend_names_the_item_and_the_reason() {
        let r = request(ServiceCode::KkNew);
        let slot = service(r.service).required_slots().next().unwrap();
        let body = resend_item(&r, slot.id, ResendReason::TooLarge { max_mb: 5 })
            .body()
            .to_owned();
        assert!(body.contains(slot.label) && body.contains("5 MB"), "{body}");
        let body = resend_item(&r, "attachment", ResendReason::WrongType)
            .body()
            .to_owned();
        assert!(body.contains("lampiran") && body.contains("PDF"), "{body}");
    }

    #[test]
    fn result_texts_carry_no_personal_data() {
        let r = request(ServiceCode::KkNew);
        assert_eq!(result_filename(&r, "pdf"), "KK-ABCD-EFGH.pdf");
        let mut birth = r.clone();
        birth.service = ServiceCode::Birth;
        assert_eq!(
            result_filename(&birth, "pdf"),
            "Akta-Kelahiran-ABCD-EFGH.pdf"
        );
        for code in ServiceCode::ALL {
            let name = result_document_name(code);
            assert!(
                name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
                "{name}"
            );
        }
        let office = Office::default();
        let caption = result_caption(&r, &office);
        assert!(caption.contains("ABCD-EFGH"));
        assert!(caption.contains("HVS") && caption.contains("tidak perlu dilegalisasi"));
        let mut kia = r.clone();
        kia.service = ServiceCode::Kia;
        let caption = result_caption(&kia, &office);
        assert!(caption.contains(&office.address) && caption.contains(&office.hours));
        assert!(!caption.contains("HVS"));
        // A service point serving the applicant's kecamatan is where the card is collected.
        let with_point = Office {
            service_points: vec![crate::office::ServicePoint {
                name: "UPT Kabawetan".into(),
                address: "Jl. Desa Bandung Baru".into(),
                hours: "Selasa dan Kamis 08.00–12.00 WIB".into(),
                kecamatan: vec!["170806".into()],
            }],
            ..Office::default()
        };
        let mut far = kia.clone();
        far.applicant = Some(crate::Applicant {
            name: "Siti".into(),
            nik: crate::Nik::parse("1708064508900001", time::macros::date!(2026 - 11 - 28))
                .unwrap(),
            kecamatan: Some("170806".into()),
        });
        let caption = result_caption(&far, &with_point);
        assert!(
            caption.contains("UPT Kabawetan (Jl. Desa Bandung Baru)")
                && caption.contains("Selasa dan Kamis"),
            "{caption}"
        );
        assert!(!caption.contains(&office.address), "{caption}");
        // Other kecamatan still collect at the office.
        assert!(result_caption(&kia, &with_point).contains(&office.address));
    }
}
