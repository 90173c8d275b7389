//! Everything lienthong writes into Temporal history (the citizen's application in the workflow
//! input, agency calls and answers, signals, query results, the case's result) passes through
//! [`PayloadCipher`]: AES-256-GCM under a named key from a [`KeyRing`]. Temporal, its database and
//! anyone reading history without the keys see only ciphertext. [`codec_router`] lets the
//! Temporal UI and CLI decrypt through an authenticated lienthong endpoint instead of holding keys.

mod cipher;
mod error;
mod key_ring;
mod server;

pub use cipher::{ENCODING_KEY, ENCRYPTED_ENCODING, KEY_ID_KEY, PayloadCipher, is_encrypted};
pub use error::{CodecError, KeyError};
pub use key_ring::{DEV_KEY_FILE, KEYS_ENV, KeyRing, WRITE_KEY_ENV, generate_key_entry};
pub use server::codec_router;
