//! S3 adapter for the blob ports. Compiled only with the `s3` feature (the `documents` function),
//! so the other functions never link the S3 SDK.

use crate::ports::documents::{ObjectMeta, ObjectStore, ObjectStream, ObjectUpload};
use crate::ports::{BlobError, BlobStore, PresignedRequest};
use async_trait::async_trait;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use aws_sdk_s3::{Client, presigning::PresigningConfig};
use std::collections::HashMap;
use std::time::{Duration, SystemTime};
use time::OffsetDateTime;

/// Size of one multipart part, and the size below which an object goes up in one `PutObject`.
/// S3 requires parts of at least 5 MiB (except the last); memory held per upload is about one
/// part, whatever the document's size.
pub const PART_SIZE: usize = 8 * 1024 * 1024;

#[derive(Clone)]
pub struct S3BlobStore {
    client: Client,
    bucket: String,
    part_size: usize,
}

impl S3BlobStore {
    pub fn new(client: Client, bucket: impl Into<String>) -> Self {
        Self {
            client,
            bucket: bucket.into(),
            part_size: PART_SIZE,
        }
    }

    /// A different part size (at least S3's 5 MiB minimum), for measurements.
    pub fn with_part_size(mut self, part_size: usize) -> Self {
        self.part_size = part_size.max(5 * 1024 * 1024);
        self
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }
}

/// Throttling, 5xx and network errors are worth retrying; the rest is a bad request.
pub(crate) fn classify<E>(err: SdkError<E, aws_sdk_s3::config::http::HttpResponse>) -> BlobError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let retryable = matches!(
        err,
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_)
    ) || err.raw_response().is_some_and(|r| {
        let status = r.status().as_u16();
        status == 429 || status == 503 || status >= 500
    }) || matches!(err.code(), Some("SlowDown" | "RequestTimeout"));
    let message = DisplayErrorContext(&err).to_string();
    if retryable {
        BlobError::Unavailable(message)
    } else {
        BlobError::Invalid(message)
    }
}

#[async_trait]
impl BlobStore for S3BlobStore {
    async fn presign_upload(
        &self,
        key: &str,
        content_type: &str,
        content_length: u64,
        tags: &[(String, String)],
        now: OffsetDateTime,
        ttl: Duration,
    ) -> Result<PresignedRequest, BlobError> {
        let length = i64::try_from(content_length)
            .map_err(|_| BlobError::Invalid("content length too large".into()))?;
        // Content type, length and tagging are signed headers: S3 refuses an upload of any other
        // type or size, which is how the presigned URL enforces the limit, and one without the
        // tags, so an officer's upload cannot escape the retention its tags select.
        // `If-None-Match: *` (signed too) makes S3 refuse a second PUT to the key (412): the URL
        // stays usable for its whole TTL, and a validated document must never be replaced by
        // bytes nobody checked.
        let presigned = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .if_none_match("*")
            .content_type(content_type)
            .content_length(length)
            .set_tagging(tagging(tags))
            .presigned(presigning(now, ttl)?)
            .await
            .map_err(|e| BlobError::Unavailable(e.to_string()))?;
        Ok(to_presigned(&presigned, now, ttl))
    }
}

/// Tags in the `x-amz-tagging` form (a URL query string); `None` for no tags.
fn tagging(tags: &[(String, String)]) -> Option<String> {
    fn encode(out: &mut String, text: &str) {
        for b in text.bytes() {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                out.push(char::from(b));
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    if tags.is_empty() {
        return None;
    }
    let mut out = String::new();
    for (i, (key, value)) in tags.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        encode(&mut out, key);
        out.push('=');
        encode(&mut out, value);
    }
    Some(out)
}

fn presigning(now: OffsetDateTime, ttl: Duration) -> Result<PresigningConfig, BlobError> {
    PresigningConfig::builder()
        .start_time(SystemTime::from(now))
        .expires_in(ttl)
        .build()
        .map_err(|e| BlobError::Invalid(e.to_string()))
}

fn to_presigned(
    presigned: &aws_sdk_s3::presigning::PresignedRequest,
    now: OffsetDateTime,
    ttl: Duration,
) -> PresignedRequest {
    PresignedRequest {
        method: presigned.method().to_owned(),
        url: presigned.uri().to_owned(),
        headers: presigned
            .headers()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.to_owned()))
            .collect(),
        expires_at: now + ttl,
    }
}

#[async_trait]
impl ObjectStore for S3BlobStore {
    async fn begin_upload(
        &self,
        key: &str,
        meta: &ObjectMeta,
    ) -> Result<Box<dyn ObjectUpload>, BlobError> {
        Ok(Box::new(S3Upload {
            client: self.client.clone(),
            bucket: self.bucket.clone(),
            key: key.to_owned(),
            meta: meta.clone(),
            part_size: self.part_size,
            buffer: Vec::new(),
            multipart: None,
        }))
    }

    async fn open(
        &self,
        key: &str,
        version: Option<&str>,
    ) -> Result<Option<Box<dyn ObjectStream>>, BlobError> {
        match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .set_version_id(version.map(str::to_owned))
            .send()
            .await
        {
            Ok(output) => Ok(Some(Box::new(S3Stream(output.body)))),
            Err(err) if err.as_service_error().is_some_and(|e| e.is_no_such_key()) => Ok(None),
            // A version deleted meanwhile (an invalid upload's, an erasure's).
            Err(err)
                if err
                    .raw_response()
                    .is_some_and(|r| r.status().as_u16() == 404) =>
            {
                Ok(None)
            }
            Err(err) => Err(classify(err)),
        }
    }

    async fn delete(&self, key: &str, version: Option<&str>) -> Result<(), BlobError> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .set_version_id(version.map(str::to_owned))
            .send()
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn presign_download(
        &self,
        key: &str,
        version: Option<&str>,
        filename: &str,
        now: OffsetDateTime,
        ttl: Duration,
    ) -> Result<PresignedRequest, BlobError> {
        // The name is ours (built from the ticket), but quote it anyway.
        let safe: String = filename
            .chars()
            .filter(|c| c.is_ascii_graphic() && *c != '"' && *c != '\\')
            .collect();
        let presigned = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .set_version_id(version.map(str::to_owned))
            .response_content_disposition(format!("attachment; filename=\"{safe}\""))
            .presigned(presigning(now, ttl)?)
            .await
            .map_err(|e| BlobError::Unavailable(e.to_string()))?;
        Ok(to_presigned(&presigned, now, ttl))
    }
}

struct S3Stream(ByteStream);

#[async_trait]
impl ObjectStream for S3Stream {
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, BlobError> {
        self.0
            .try_next()
            .await
            .map(|chunk| chunk.map(|b| b.to_vec()))
            .map_err(|e| BlobError::Unavailable(e.to_string()))
    }
}

struct Multipart {
    upload_id: String,
    parts: Vec<CompletedPart>,
}

/// Buffers up to one part; a document smaller than a part is one `PutObject`, a larger one a
/// multipart upload completed only by `finish` (until then nothing is visible under the key).
struct S3Upload {
    client: Client,
    bucket: String,
    key: String,
    meta: ObjectMeta,
    part_size: usize,
    buffer: Vec<u8>,
    multipart: Option<Multipart>,
}

impl S3Upload {
    fn metadata(&self) -> HashMap<String, String> {
        self.meta.metadata.iter().cloned().collect()
    }

    async fn upload_part(&mut self, bytes: Vec<u8>) -> Result<(), BlobError> {
        if self.multipart.is_none() {
            let created = self
                .client
                .create_multipart_upload()
                .bucket(&self.bucket)
                .key(&self.key)
                .content_type(&self.meta.content_type)
                .set_metadata(Some(self.metadata()))
                .set_tagging(tagging(&self.meta.tags))
                .send()
                .await
                .map_err(classify)?;
            let upload_id = created
                .upload_id()
                .ok_or_else(|| BlobError::Unavailable("no multipart upload id".into()))?
                .to_owned();
            self.multipart = Some(Multipart {
                upload_id,
                parts: Vec::new(),
            });
        }
        let Some(multipart) = self.multipart.as_mut() else {
            return Err(BlobError::Invalid("multipart upload not started".into()));
        };
        let number = i32::try_from(multipart.parts.len() + 1)
            .map_err(|_| BlobError::Invalid("too many parts".into()))?;
        let part = self
            .client
            .upload_part()
            .bucket(&self.bucket)
            .key(&self.key)
            .upload_id(&multipart.upload_id)
            .part_number(number)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(classify)?;
        multipart.parts.push(
            CompletedPart::builder()
                .part_number(number)
                .set_e_tag(part.e_tag().map(str::to_owned))
                .build(),
        );
        Ok(())
    }
}

#[async_trait]
impl ObjectUpload for S3Upload {
    async fn write(&mut self, mut chunk: &[u8]) -> Result<(), BlobError> {
        while !chunk.is_empty() {
            if self.buffer.capacity() == 0 {
                self.buffer.reserve_exact(self.part_size);
            }
            let room = self.part_size - self.buffer.len();
            let (now, rest) = chunk.split_at(room.min(chunk.len()));
            self.buffer.extend_from_slice(now);
            chunk = rest;
            if self.buffer.len() == self.part_size {
                let full = std::mem::take(&mut self.buffer);
                self.upload_part(full).await?;
            }
        }
        Ok(())
    }

    async fn finish(mut self: Box<Self>) -> Result<Option<String>, BlobError> {
        if self.multipart.is_none() {
            let body = std::mem::take(&mut self.buffer);
            let written = self
                .client
                .put_object()
                .bucket(&self.bucket)
                .key(&self.key)
                .content_type(&self.meta.content_type)
                .set_metadata(Some(self.metadata()))
                .set_tagging(tagging(&self.meta.tags))
                .body(ByteStream::from(body))
                .send()
                .await
                .map_err(classify)?;
            return Ok(written.version_id().map(str::to_owned));
        }
        if !self.buffer.is_empty() {
            let last = std::mem::take(&mut self.buffer);
            self.upload_part(last).await?;
        }
        let Some(multipart) = self.multipart.take() else {
            return Err(BlobError::Invalid("multipart upload not started".into()));
        };
        let written = self
            .client
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(&self.key)
            .upload_id(&multipart.upload_id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(multipart.parts))
                    .build(),
            )
            .send()
            .await
            .map_err(classify)?;
        Ok(written.version_id().map(str::to_owned))
    }

    async fn abort(mut self: Box<Self>) -> Result<(), BlobError> {
        if let Some(multipart) = self.multipart.take() {
            self.client
                .abort_multipart_upload()
                .bucket(&self.bucket)
                .key(&self.key)
                .upload_id(&multipart.upload_id)
                .send()
                .await
                .map_err(classify)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_encoded_as_a_query_string() {
        assert_eq!(tagging(&[]), None);
        let one = [("retention".to_owned(), "long".to_owned())];
        assert_eq!(tagging(&one).as_deref(), Some("retention=long"));
        let odd = [
            ("a b".to_owned(), "x=y&z".to_owned()),
            ("k".to_owned(), "é".to_owned()),
        ];
        assert_eq!(tagging(&odd).as_deref(), Some("a%20b=x%3Dy%26z&k=%C3%A9"));
    }
}
