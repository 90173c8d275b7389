//! Police residence database: registers a child's permanent residence at a parent's address,
//! and deletes a deceased person's. Both are reversible, by compensations safe to repeat.

mod deletion;
mod registration;

use crate::operation::Operation;

pub(crate) const OPERATIONS: &[Operation] = &[
    Operation::act::<registration::Registration>("register-permanent-residence"),
    Operation::act::<registration::Cancellation>("cancel-permanent-residence"),
    Operation::act::<deletion::Deletion>("delete-permanent-residence"),
    Operation::act::<deletion::Restoration>("restore-permanent-residence"),
];
