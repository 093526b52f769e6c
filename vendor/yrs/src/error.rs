use crate::ID;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum Error {
    #[error("{0}")]
    ReadError(#[from] crate::encoding::read::Error),
    #[error("failed to apply update: {0}")]
    UpdateError(#[from] UpdateError),
    #[error("Cannot execute this operation when document garbage collection is set")]
    Gc,
}

#[derive(Debug, Error)]
pub enum UpdateError {
    #[error("block parent {0} must be deleted or shared ref type. Type: {1}")]
    InvalidParent(ID, u8),
    /// PATCHED (vendor/yrs/PATCHES.md, 5): the item's right origin lies at or
    /// before its origin (in one run of the origin's client).
    #[error("malformed update: block {0} has its right origin at or before its origin")]
    RightOriginNotAfterOrigin(ID),
}
