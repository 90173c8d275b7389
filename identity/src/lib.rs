//! Who is calling the engine, and what they may do.
//!
//! Every request to the API (but health, the procedure list and the agencies' signed callbacks)
//! carries a bearer token. A token is verified either with the installation's own HS256 key (the
//! development key `lienthong dev` makes, or one a deployment's gateway signs with) or against a
//! standard OIDC issuer's published keys. Its claims become a [`Principal`]: roles, and the
//! scope each role acts in.

mod dev_key;
mod error;
mod oidc;
mod principal;
mod secrets;
mod sign_in;
pub mod signature;
mod verifier;

pub use dev_key::{DevKey, DevToken};
pub use error::AuthError;
pub use principal::{Claims, EVERY_OFFICE, Principal, Role};
pub use secrets::read_secret;
pub use sign_in::{Attempt, SignIn};
pub use verifier::Verifier;
