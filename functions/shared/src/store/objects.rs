//! S3 adapter of [`ObjectEraser`]: erasure deletes every version of a resident's scans and
//! results, because the bucket is versioned and a plain delete would only hide them.

use crate::ports::BlobError;
use crate::ports::officer::ObjectEraser;
use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};

#[derive(Clone)]
pub struct S3ObjectEraser {
    client: Client,
    bucket: String,
}

impl S3ObjectEraser {
    pub fn new(client: Client, bucket: impl Into<String>) -> Self {
        Self {
            client,
            bucket: bucket.into(),
        }
    }
}

fn unavailable(err: impl std::fmt::Display) -> BlobError {
    BlobError::Unavailable(err.to_string())
}

#[async_trait]
impl ObjectEraser for S3ObjectEraser {
    async fn erase_prefix(&self, prefix: &str) -> Result<usize, BlobError> {
        let mut deleted = 0;
        loop {
            // Re-list from the start each round: what was deleted is gone from the listing.
            let page = self
                .client
                .list_object_versions()
                .bucket(&self.bucket)
                .prefix(prefix)
                .send()
                .await
                .map_err(|e| unavailable(aws_sdk_s3::error::DisplayErrorContext(&e)))?;
            let mut targets = Vec::new();
            for v in page.versions() {
                if let Some(key) = v.key() {
                    targets.push((key.to_owned(), v.version_id().map(str::to_owned)));
                }
            }
            for m in page.delete_markers() {
                if let Some(key) = m.key() {
                    targets.push((key.to_owned(), m.version_id().map(str::to_owned)));
                }
            }
            if targets.is_empty() {
                return Ok(deleted);
            }
            let objects = targets
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
            if !output.errors().is_empty() {
                return Err(BlobError::Unavailable(format!(
                    "{} objects could not be deleted",
                    output.errors().len()
                )));
            }
            deleted += targets.len();
        }
    }
}
