//! S3 adapter for the blob port. Compiled only with the `s3` feature (the `documents` function),
//! so the other functions never link the S3 SDK.

use crate::ports::{BlobError, BlobStore, PresignedRequest};
use async_trait::async_trait;
use aws_sdk_s3::{Client, presigning::PresigningConfig};
use std::time::{Duration, SystemTime};
use time::OffsetDateTime;

#[derive(Clone)]
pub struct S3BlobStore {
    client: Client,
    bucket: String,
}

impl S3BlobStore {
    pub fn new(client: Client, bucket: impl Into<String>) -> Self {
        Self {
            client,
            bucket: bucket.into(),
        }
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }
}

#[async_trait]
impl BlobStore for S3BlobStore {
    async fn presign_upload(
        &self,
        key: &str,
        content_type: &str,
        content_length: u64,
        now: OffsetDateTime,
        ttl: Duration,
    ) -> Result<PresignedRequest, BlobError> {
        let length = i64::try_from(content_length)
            .map_err(|_| BlobError::Invalid("content length too large".into()))?;
        let config = PresigningConfig::builder()
            .start_time(SystemTime::from(now))
            .expires_in(ttl)
            .build()
            .map_err(|e| BlobError::Invalid(e.to_string()))?;
        // Content type and length are signed headers: S3 refuses an upload of any other type or
        // size, which is how the presigned URL enforces the limit.
        let presigned = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .content_length(length)
            .presigned(config)
            .await
            .map_err(|e| BlobError::Unavailable(e.to_string()))?;
        let headers = presigned
            .headers()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.to_owned()))
            .collect();
        Ok(PresignedRequest {
            method: presigned.method().to_owned(),
            url: presigned.uri().to_owned(),
            headers,
            expires_at: now + ttl,
        })
    }
}
