//! Peak memory of one 30 MB document streamed from WhatsApp into S3 (multipart), measured on
//! this test process alone (its own binary, one test): the fake Graph API serves the bytes from
//! memory it already holds, so the figure is what the pipeline itself adds. Run with
//! `--nocapture` to see the figure (docs/performance.md records it).

mod documents_support;

use documents_support::*;
use domain::document::DocumentState;
use integration_tests::Harness;

const SIZE: usize = 30 * 1024 * 1024;

/// A field of /proc/self/status in kB.
fn status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{field} in /proc/self/status"))
}

#[tokio::test]
async fn a_30_mb_document_streams_through_in_bounded_memory() {
    let h = Harness::start().await;
    let request = seed_request(&h, "ABCD-EFGH").await;
    let (slot, _) = two_required_slots(&request);
    let pdf = pdf_bytes(SIZE);
    let sha = sha256_b64(&pdf);
    // The resident sends the PDF: their window opens.
    resident_wrote(&h, &request.resident);
    let media_id = h.stack.whatsapp.register_media(pdf, "application/pdf");
    let document = pending_fetch(
        &request,
        slot,
        &media_id,
        "application/pdf",
        &sha,
        Some("kk.pdf"),
    );

    // Reset the high-water mark: from here on, only what the transfer adds counts.
    std::fs::write("/proc/self/clear_refs", "5").expect("reset VmHWM");
    let baseline = status_kb("VmRSS:");
    let started = std::time::Instant::now();
    use shared::ports::documents::DocumentRepository;
    h.store().create_document(&document).await.unwrap();
    let stored = wait_for_state(&h, &request, &document.document_id, DocumentState::Stored).await;
    let elapsed = started.elapsed();
    let peak = status_kb("VmHWM:");
    let added_mib = (peak.saturating_sub(baseline)) as f64 / 1024.0;
    eprintln!(
        "30 MiB document: RSS baseline {:.1} MiB, peak {:.1} MiB, added {added_mib:.1} MiB, {:.1} s",
        baseline as f64 / 1024.0,
        peak as f64 / 1024.0,
        elapsed.as_secs_f64()
    );

    assert_eq!(stored.size, Some(SIZE as u64));
    assert_eq!(stored.sha256.as_deref(), Some(sha.as_str()));
    let head =
        h.s3.head_object()
            .bucket(h.bucket())
            .key(stored.key.unwrap())
            .send()
            .await
            .unwrap();
    assert_eq!(head.content_length(), Some(SIZE as i64));
    assert!(
        added_mib < 24.0,
        "the pipeline added {added_mib:.1} MiB for a 30 MiB document"
    );
}
