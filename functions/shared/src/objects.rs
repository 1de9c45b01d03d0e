//! S3 adapter of [`ObjectEraser`], used by the `documents` function when it carries out an
//! erasure (UU PDP). The bucket is versioned, so a plain delete would only hide the data behind a
//! delete marker: every version and every delete marker under the prefix is deleted by id.

use crate::audit_archive::ArchivedAuditEvent;
use crate::ports::erasure::ObjectEraser;
use crate::ports::{AuditArchive, BlobError};
use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};

/// DeleteObjects takes at most 1000 keys per call; ListObjectVersions returns at most 1000 per
/// page.
pub const MAX_BATCH: i32 = 1000;

#[derive(Clone)]
pub struct S3ObjectEraser {
    client: Client,
    bucket: String,
    page_size: i32,
}

impl S3ObjectEraser {
    pub fn new(client: Client, bucket: impl Into<String>) -> Self {
        Self {
            client,
            bucket: bucket.into(),
            page_size: MAX_BATCH,
        }
    }

    /// Smaller listing pages and delete batches (clamped to 1..=1000), so tests can exercise
    /// paging with a handful of objects.
    pub fn with_page_size(mut self, page_size: i32) -> Self {
        self.page_size = page_size.clamp(1, MAX_BATCH);
        self
    }

    /// Every version and delete marker under `prefix`, as (key, version id), all pages.
    async fn list_all(&self, prefix: &str) -> Result<Vec<(String, Option<String>)>, BlobError> {
        let mut targets = Vec::new();
        let mut marker: (Option<String>, Option<String>) = (None, None);
        loop {
            let page = self
                .client
                .list_object_versions()
                .bucket(&self.bucket)
                .prefix(prefix)
                .max_keys(self.page_size)
                .set_key_marker(marker.0.take())
                .set_version_id_marker(marker.1.take())
                .send()
                .await
                .map_err(|e| unavailable(aws_sdk_s3::error::DisplayErrorContext(&e)))?;
            let versions = page.versions().iter().map(|v| (v.key(), v.version_id()));
            let markers = page
                .delete_markers()
                .iter()
                .map(|m| (m.key(), m.version_id()));
            for (key, version) in versions.chain(markers) {
                // The prefix filter is S3's; checked again because what follows deletes.
                if let Some(key) = key.filter(|k| k.starts_with(prefix)) {
                    targets.push((key.to_owned(), version.map(str::to_owned)));
                }
            }
            if page.is_truncated() != Some(true) {
                return Ok(targets);
            }
            marker = (
                page.next_key_marker().map(str::to_owned),
                page.next_version_id_marker().map(str::to_owned),
            );
            if marker.0.is_none() {
                return Err(BlobError::Unavailable(
                    "truncated version listing without a next marker".into(),
                ));
            }
        }
    }

    /// Deletes one batch (at most 1000) by key and version id; an error for any of them fails
    /// the batch (the caller's retry lists again and finds only what is left).
    async fn delete_batch(&self, batch: &[(String, Option<String>)]) -> Result<(), BlobError> {
        let objects = batch
            .iter()
            .map(|(key, version)| {
                ObjectIdentifier::builder()
                    .key(key)
                    .set_version_id(version.clone())
                    .build()
                    .map_err(|e| BlobError::Invalid(e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let delete = Delete::builder()
            .set_objects(Some(objects))
            // Quiet: the response lists only failures.
            .quiet(true)
            .build()
            .map_err(|e| BlobError::Invalid(e.to_string()))?;
        let output = self
            .client
            .delete_objects()
            .bucket(&self.bucket)
            .delete(delete)
            .send()
            .await
            .map_err(|e| unavailable(aws_sdk_s3::error::DisplayErrorContext(&e)))?;
        match output.errors() {
            [] => Ok(()),
            // Codes only: keys are built from tickets and document ids, but a code says enough.
            errors => Err(BlobError::Unavailable(format!(
                "{} of {} object versions could not be deleted (first: {})",
                errors.len(),
                batch.len(),
                errors[0].code().unwrap_or("no code")
            ))),
        }
    }
}

fn unavailable(err: impl std::fmt::Display) -> BlobError {
    BlobError::Unavailable(err.to_string())
}

#[async_trait]
impl ObjectEraser for S3ObjectEraser {
    async fn erase_prefix(&self, prefix: &str) -> Result<u64, BlobError> {
        // Listed whole before deleting: paging with markers while the versions the markers name
        // are being deleted is not something S3 promises to handle.
        let targets = self.list_all(prefix).await?;
        let chunk = usize::try_from(self.page_size).unwrap_or(1).max(1);
        for batch in targets.chunks(chunk) {
            self.delete_batch(batch).await?;
        }
        Ok(u64::try_from(targets.len()).unwrap_or(u64::MAX))
    }
}

/// S3 adapter of [`AuditArchive`]: the archive bucket has Object Lock (governance mode) with a
/// default retention, so every object is locked as it is written, with no retention call (and
/// no `s3:PutObjectRetention` grant) needed.
#[derive(Clone)]
pub struct S3AuditArchive {
    client: Client,
    bucket: String,
}

impl S3AuditArchive {
    pub fn new(client: Client, bucket: impl Into<String>) -> Self {
        Self {
            client,
            bucket: bucket.into(),
        }
    }
}

#[async_trait]
impl AuditArchive for S3AuditArchive {
    async fn archive(&self, event: &ArchivedAuditEvent) -> Result<(), BlobError> {
        // `If-None-Match: *`: a redelivered record finds its copy and writes nothing, where a
        // plain PUT would add a locked version that could never be removed. S3 requires a
        // checksum on a PUT to a bucket with a default retention; the SDK sends its CRC32.
        let sent = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(event.key())
            .if_none_match("*")
            .content_type("application/json")
            .body(event.to_json().into())
            .send()
            .await;
        match sent {
            Ok(_) => Ok(()),
            Err(err)
                if err
                    .raw_response()
                    .is_some_and(|r| r.status().as_u16() == 412) =>
            {
                Ok(())
            }
            Err(err) => Err(crate::blob::classify(err)),
        }
    }
}
