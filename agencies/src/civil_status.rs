//! Civil-status software of the Ministry of Justice: registers births and deaths, both
//! irreversible, asking population for what only it knows.

mod births;
mod deaths;

use crate::operation::{self, Operation};

pub(crate) const OPERATIONS: &[Operation] = &[
    Operation {
        name: "register-birth",
        check: births::check_request,
        perform: |state, request, body| Box::pin(births::register_birth(state, request, body)),
    },
    Operation {
        name: "register-death",
        check: operation::check::<deaths::RegisterDeath>,
        perform: |state, request, body| Box::pin(deaths::register_death(state, request, body)),
    },
];
