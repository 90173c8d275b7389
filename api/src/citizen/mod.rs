//! What a citizen does (and an officer filing for one): file an application, read and withdraw
//! a case, answer an agency's request for documents.

pub(crate) mod applications;
pub(crate) mod cases;
pub(crate) mod supplements;
pub(crate) mod words;
