//! Load and fault-injection benchmark of the local stack (issue #6): a crowd of residents and
//! officers (`traffic`), a counting and fault-injecting proxy in front of the emulator
//! (`aws_proxy`), the emulator's own speed for the same calls (`raw`), the exactly-once checks
//! (`verify`) and the report (`report`).

pub mod aws_proxy;
pub mod bench;
pub mod raw;
pub mod report;
pub mod traffic;
pub mod verify;
