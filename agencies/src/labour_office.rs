//! Labour, invalids and social affairs office: grants burial support (hỗ trợ chi phí mai táng)
//! for social-protection beneficiaries and people with meritorious services, from its own
//! register of the people it supports. Reversible by a compensation safe to repeat.

mod burial_support;

use crate::operation::Operation;

pub(crate) const OPERATIONS: &[Operation] = &[
    Operation::act::<burial_support::Application>("grant-burial-support"),
    Operation::act::<burial_support::Cancellation>("cancel-burial-support"),
];
