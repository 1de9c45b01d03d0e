//! Pure rules about document bytes: what a file is (by its magic bytes, never by the declared
//! type or name), how large it may be, whether it matches the checksum it came with, and how its
//! object key is built. No I/O: the handlers feed bytes in as they stream past.

use base64::Engine as _;
use sha2::{Digest, Sha256};

const MIB: u64 = 1024 * 1024;

/// The only kinds of file the office accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Pdf,
    Jpeg,
    Png,
    /// A WhatsApp voice note (Ogg/Opus): a thread attachment, never a document in a slot.
    Ogg,
}

impl FileKind {
    pub const ALL: [FileKind; 4] = [FileKind::Pdf, FileKind::Jpeg, FileKind::Png, FileKind::Ogg];
    /// What officers may upload (documents, not voice notes).
    pub const DOCUMENTS: [FileKind; 3] = [FileKind::Pdf, FileKind::Jpeg, FileKind::Png];

    pub fn content_type(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
            FileKind::Ogg => "audio/ogg",
        }
    }

    /// The extension of object keys: chosen by the system from the bytes, never from a name.
    pub fn extension(self) -> &'static str {
        match self {
            FileKind::Pdf => "pdf",
            FileKind::Jpeg => "jpg",
            FileKind::Png => "png",
            FileKind::Ogg => "ogg",
        }
    }

    /// WhatsApp's own limits (SPEC 6): images 5 MB, documents 100 MB.
    pub fn max_size(self) -> u64 {
        match self {
            FileKind::Pdf => 100 * MIB,
            FileKind::Jpeg | FileKind::Png => 5 * MIB,
            // WhatsApp's audio limit.
            FileKind::Ogg => 16 * MIB,
        }
    }

    pub fn from_content_type(content_type: &str) -> Option<Self> {
        let essence = content_type.split(';').next().unwrap_or("").trim();
        Self::ALL
            .into_iter()
            .find(|k| k.content_type().eq_ignore_ascii_case(essence))
    }

    pub fn from_extension(extension: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.extension() == extension)
    }
}

/// The largest file of any kind; anything declared bigger is refused before downloading.
pub const ABSOLUTE_MAX_SIZE: u64 = 100 * MIB;
/// Bytes needed to recognise every accepted kind (the PNG signature is the longest).
const SNIFF_LEN: usize = 8;

/// The kind of a file from its first bytes; `None` for anything else (an EXE starts `MZ`).
pub fn sniff(prefix: &[u8]) -> Option<FileKind> {
    if prefix.starts_with(b"%PDF-") {
        Some(FileKind::Pdf)
    } else if prefix.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(FileKind::Jpeg)
    } else if prefix.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some(FileKind::Png)
    } else if prefix.starts_with(b"OggS") {
        Some(FileKind::Ogg)
    } else {
        None
    }
}

/// Why a file is refused. Each maps to a sentence the resident or officer reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("not a PDF, JPEG or PNG file")]
    WrongType,
    #[error("larger than the {} MB allowed for this type", .limit / MIB)]
    TooLarge { limit: u64 },
    #[error("checksum does not match the one sent with the file")]
    HashMismatch,
    #[error("empty file")]
    Empty,
}

impl Rejection {
    /// The resident-facing reason (worded in the message catalog).
    pub fn resend_reason(self) -> domain::messages::documents::ResendReason {
        use domain::messages::documents::ResendReason;
        match self {
            Rejection::WrongType | Rejection::Empty => ResendReason::WrongType,
            Rejection::TooLarge { limit } => ResendReason::TooLarge {
                max_mb: limit / MIB,
            },
            Rejection::HashMismatch => ResendReason::Damaged,
        }
    }
}

/// A file that passed every check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Validated {
    pub kind: FileKind,
    pub size: u64,
    /// Base64 SHA-256, the form WhatsApp uses.
    pub sha256: String,
}

/// Checks a file as it streams past, holding only the first few bytes.
pub struct Validator {
    prefix: Vec<u8>,
    kind: Option<FileKind>,
    size: u64,
    hasher: Sha256,
    /// The kind the file must be (an officer's grant), if any.
    expected_kind: Option<FileKind>,
    /// Base64 SHA-256 the bytes must have, if one was sent.
    expected_sha256: Option<String>,
}

impl Validator {
    pub fn new(expected_kind: Option<FileKind>, expected_sha256: Option<&str>) -> Self {
        Self {
            prefix: Vec::with_capacity(SNIFF_LEN),
            kind: None,
            size: 0,
            hasher: Sha256::new(),
            expected_kind,
            expected_sha256: expected_sha256
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
        }
    }

    /// The kind, once enough bytes were seen.
    pub fn kind(&self) -> Option<FileKind> {
        self.kind
    }

    /// A size announced before the bytes (Graph `file_size`, S3 object size): refuse early.
    pub fn check_declared_size(&self, size: Option<u64>) -> Result<(), Rejection> {
        let limit = self.kind.map_or(ABSOLUTE_MAX_SIZE, FileKind::max_size);
        match size {
            Some(size) if size > limit => Err(Rejection::TooLarge { limit }),
            _ => Ok(()),
        }
    }

    /// Takes the next piece of the file.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), Rejection> {
        self.hasher.update(chunk);
        self.size += chunk.len() as u64;
        if self.kind.is_none() {
            let wanted = SNIFF_LEN - self.prefix.len();
            self.prefix
                .extend_from_slice(&chunk[..wanted.min(chunk.len())]);
            if self.prefix.len() >= SNIFF_LEN {
                self.decide()?;
            }
        }
        let limit = self.kind.map_or(ABSOLUTE_MAX_SIZE, FileKind::max_size);
        if self.size > limit {
            return Err(Rejection::TooLarge { limit });
        }
        Ok(())
    }

    fn decide(&mut self) -> Result<FileKind, Rejection> {
        let kind = sniff(&self.prefix).ok_or(Rejection::WrongType)?;
        if self.expected_kind.is_some_and(|expected| expected != kind) {
            return Err(Rejection::WrongType);
        }
        self.kind = Some(kind);
        Ok(kind)
    }

    /// After the last byte: the verdict.
    pub fn finish(mut self) -> Result<Validated, Rejection> {
        if self.size == 0 {
            return Err(Rejection::Empty);
        }
        let kind = match self.kind {
            Some(kind) => kind,
            None => self.decide()?,
        };
        let sha256 = base64::engine::general_purpose::STANDARD.encode(self.hasher.finalize());
        if let Some(expected) = &self.expected_sha256
            && expected != &sha256
        {
            return Err(Rejection::HashMismatch);
        }
        Ok(Validated {
            kind,
            size: self.size,
            sha256,
        })
    }
}

/// Where a document's bytes live.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Area {
    /// Supporting scans (`requests/`), expiring with the service's retention.
    Scans,
    /// Finished documents (`results/`), kept longer.
    Results,
}

impl Area {
    pub fn prefix(self) -> &'static str {
        match self {
            Area::Scans => "requests",
            Area::Results => "results",
        }
    }
}

/// The object tag the bucket's lifecycle rules select on (template.yaml, `DocumentsBucket`).
pub const RETENTION_TAG: &str = "retention";
/// The retention tag of finished documents, kept `ResultRetentionDays`.
pub const RESULT_RETENTION: &str = "result";

impl Area {
    /// The retention tag value of a document of this area for a request of `service`: scans
    /// follow their service's class (catalog data), results have their own period.
    pub fn retention(self, service: domain::ServiceCode) -> &'static str {
        match self {
            Area::Scans => service.definition().scan_retention.as_str(),
            Area::Results => RESULT_RETENTION,
        }
    }
}

/// The tags an object is written with. Every write under `requests/` and `results/` carries
/// them: an untagged scan falls to the bucket's catch-all rule instead of its service's period.
pub fn object_tags(area: Area, service: domain::ServiceCode) -> Vec<(String, String)> {
    vec![(RETENTION_TAG.to_owned(), area.retention(service).to_owned())]
}

/// `requests/<ticket>/<document id>.<ext>`: built only from values the system chose.
pub fn object_key(
    area: Area,
    ticket: &domain::TicketId,
    document_id: &str,
    kind: FileKind,
) -> String {
    format!(
        "{}/{}/{document_id}.{}",
        area.prefix(),
        ticket.as_str(),
        kind.extension()
    )
}

/// The parts of a key this system built; `None` for any other key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedKey {
    pub area: Area,
    pub ticket: domain::TicketId,
    pub document_id: String,
    pub kind: FileKind,
}

pub fn parse_key(key: &str) -> Option<ParsedKey> {
    let mut parts = key.split('/');
    let area = match parts.next()? {
        "requests" => Area::Scans,
        "results" => Area::Results,
        _ => return None,
    };
    let ticket = domain::TicketId::parse(parts.next()?).ok()?;
    let (document_id, extension) = parts.next()?.split_once('.')?;
    if parts.next().is_some()
        || document_id.is_empty()
        || !document_id.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return None;
    }
    // Keys are built from the canonical ticket form; anything else was not built here.
    if key.split('/').nth(1)? != ticket.as_str() {
        return None;
    }
    Some(ParsedKey {
        area,
        ticket,
        document_id: document_id.to_owned(),
        kind: FileKind::from_extension(extension)?,
    })
}

/// An original file name made safe to keep as object metadata (ASCII header value): path parts
/// dropped, anything outside a conservative set percent-encoded, length bounded. It is metadata
/// only; it never reaches a key.
pub fn metadata_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let mut out = String::new();
    for c in base.chars().take(200) {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ' | '(' | ')') {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PDF: &[u8] = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n";
    const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0];
    const PNG: &[u8] = &[
        0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D,
    ];
    const EXE: &[u8] = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00";

    fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(bytes))
    }

    fn validate(bytes: &[u8], chunk: usize, sha: Option<&str>) -> Result<Validated, Rejection> {
        let mut v = Validator::new(None, sha);
        for piece in bytes.chunks(chunk) {
            v.push(piece)?;
        }
        v.finish()
    }

    #[test]
    fn kinds_are_recognised_by_their_bytes() {
        assert_eq!(sniff(PDF), Some(FileKind::Pdf));
        assert_eq!(sniff(JPEG), Some(FileKind::Jpeg));
        assert_eq!(sniff(PNG), Some(FileKind::Png));
        assert_eq!(sniff(EXE), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn any_chunking_gives_the_same_verdict() {
        for chunk in [1, 2, 3, 7, 8, 1000] {
            let ok = validate(PDF, chunk, Some(&b64(PDF))).unwrap();
            assert_eq!(ok.kind, FileKind::Pdf);
            assert_eq!(ok.size, PDF.len() as u64);
            assert_eq!(ok.sha256, b64(PDF));
            assert_eq!(validate(EXE, chunk, None), Err(Rejection::WrongType));
            assert_eq!(
                validate(JPEG, chunk, Some(&b64(PDF))),
                Err(Rejection::HashMismatch)
            );
        }
    }

    #[test]
    fn short_and_empty_files() {
        assert_eq!(validate(b"", 4, None), Err(Rejection::Empty));
        assert_eq!(
            validate(&[0xFF, 0xD8, 0xFF], 1, None).unwrap().kind,
            FileKind::Jpeg
        );
        assert_eq!(validate(b"MZ", 1, None), Err(Rejection::WrongType));
    }

    #[test]
    fn size_limits_depend_on_the_real_kind() {
        let mut big_jpeg = JPEG.to_vec();
        big_jpeg.resize(5 * 1024 * 1024 + 1, 0);
        assert_eq!(
            validate(&big_jpeg, 64 * 1024, None),
            Err(Rejection::TooLarge {
                limit: 5 * 1024 * 1024
            })
        );
        let mut big_pdf = PDF.to_vec();
        big_pdf.resize(5 * 1024 * 1024 + 1, b' ');
        assert!(validate(&big_pdf, 64 * 1024, None).is_ok());

        let mut v = Validator::new(None, None);
        assert!(v.check_declared_size(Some(ABSOLUTE_MAX_SIZE + 1)).is_err());
        v.push(JPEG).unwrap();
        assert!(v.check_declared_size(Some(6 * 1024 * 1024)).is_err());
        assert!(v.check_declared_size(Some(1024)).is_ok());
    }

    #[test]
    fn an_officer_grant_fixes_the_kind() {
        let mut v = Validator::new(Some(FileKind::Pdf), None);
        assert_eq!(v.push(PNG), Err(Rejection::WrongType));
    }

    #[test]
    fn keys_round_trip_and_refuse_anything_else() {
        let ticket = domain::TicketId::parse("ABCD-EFGH").unwrap();
        let key = object_key(Area::Results, &ticket, "0199aa", FileKind::Pdf);
        assert_eq!(key, "results/ABCD-EFGH/0199aa.pdf");
        let parsed = parse_key(&key).unwrap();
        assert_eq!(parsed.area, Area::Results);
        assert_eq!(parsed.document_id, "0199aa");
        for bad in [
            "results/ABCD-EFGH/../x.pdf",
            "other/ABCD-EFGH/01.pdf",
            "requests/ABCD-EFGH/01.exe",
            "requests/ABCD-EFGH/01.pdf/x",
            "requests/abcd-efgh/01.pdf",
            "requests/ABCD-EFGH/.pdf",
        ] {
            assert_eq!(parse_key(bad), None, "{bad}");
        }
    }

    #[test]
    fn objects_are_tagged_with_their_retention() {
        use domain::ServiceCode;
        assert_eq!(
            object_tags(Area::Scans, ServiceCode::Birth),
            [("retention".to_owned(), "long".to_owned())]
        );
        assert_eq!(Area::Scans.retention(ServiceCode::Complaint), "short");
        assert_eq!(Area::Scans.retention(ServiceCode::KkAddMember), "standard");
        // A result is kept for its own period, whatever the service.
        for code in ServiceCode::ALL {
            assert_eq!(Area::Results.retention(code), "result");
            assert_eq!(
                Area::Scans.retention(code),
                code.definition().scan_retention.as_str()
            );
        }
    }

    #[test]
    fn filenames_become_safe_metadata() {
        assert_eq!(metadata_filename("../../etc/KK Siti.pdf"), "KK Siti.pdf");
        assert_eq!(metadata_filename("C:\\x\\akta\"é.pdf"), "akta%22%C3%A9.pdf");
        assert_eq!(metadata_filename("a\r\nb"), "a%0D%0Ab");
    }
}
