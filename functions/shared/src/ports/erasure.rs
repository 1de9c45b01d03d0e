//! Ports of the object half of a UU PDP erasure, used by the `documents` function: `status`
//! schedules the deletion of an erased ticket's objects in the table (see
//! [`super::officer::ErasureRepository::erase_ticket`]); the documents function receives it from
//! the table's stream, purges the bucket and records that it did.

use super::{BlobError, StoreError};
use async_trait::async_trait;
use domain::erasure::ObjectErasure;
use time::OffsetDateTime;

/// Deletion of stored document bytes, every version and delete marker (the bucket is versioned:
/// a plain delete would only hide them).
#[async_trait]
pub trait ObjectEraser: Send + Sync {
    /// Deletes every object version and delete marker under `prefix`; returns how many were
    /// deleted (0 when there was nothing, e.g. a repeated delivery).
    async fn erase_prefix(&self, prefix: &str) -> Result<u64, BlobError>;
}

/// The scheduled object erasures (`ERASE#<erasure id>` / `OBJECTS#<ticket>`).
#[async_trait]
pub trait ObjectErasureRepository: Send + Sync {
    /// Marks a pending erasure done with how many versions the purge deleted. `false` when it
    /// was already done (a repeated delivery) or no longer exists.
    async fn finish_object_erasure(
        &self,
        erasure: &ObjectErasure,
        deleted_versions: u64,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError>;
}
