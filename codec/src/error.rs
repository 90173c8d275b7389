//! The two ways this crate fails: keys that cannot be configured, and a payload that cannot be
//! sealed or opened. Neither text ever carries key material or payload content.

/// Why the payload keys could not be read or made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// No key is configured at all.
    #[error(
        "no payload encryption key is configured: set LIENTHONG_PAYLOAD_KEYS to \
         `id:<base64 of 32 random bytes>` (comma-separated for several)"
    )]
    NotConfigured,
    /// An entry of the key list is not `id:<base64>`.
    #[error("payload key entry {position} is not `id:<base64 of 32 random bytes>`")]
    Malformed {
        /// 1-based position in the list.
        position: usize,
    },
    /// An entry's id is empty, too long or has characters outside `[A-Za-z0-9._-]`.
    #[error(
        "payload key entry {position} has an invalid id: use 1 to 64 letters, digits, `.`, `_` or `-`"
    )]
    InvalidId {
        /// 1-based position in the list.
        position: usize,
    },
    /// The key text is not base64 of exactly 32 bytes.
    #[error("payload key `{id}` is not base64 of exactly 32 bytes")]
    InvalidKey {
        /// The key's id.
        id: String,
    },
    /// The same id is listed twice, so which key it means would be ambiguous.
    #[error("payload key `{id}` is listed twice")]
    Duplicate {
        /// The repeated id.
        id: String,
    },
    /// LIENTHONG_PAYLOAD_WRITE_KEY names a key that is not listed.
    #[error("the writing payload key (LIENTHONG_PAYLOAD_WRITE_KEY) is not among the listed keys")]
    UnknownWriter,
    /// The development key file could not be read or created.
    #[error("cannot read or create the payload key file {path}: {reason}")]
    File {
        /// The file.
        path: String,
        /// The operating system's reason.
        reason: String,
    },
    /// The operating system's random source failed.
    #[error("the operating system's random source failed")]
    Random,
}

impl KeyError {
    /// A stable code for logs and documentation.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotConfigured => "payload_keys_missing",
            Self::Malformed { .. } => "payload_key_malformed",
            Self::InvalidId { .. } => "payload_key_id_invalid",
            Self::InvalidKey { .. } => "payload_key_invalid",
            Self::Duplicate { .. } => "payload_key_duplicate",
            Self::UnknownWriter => "payload_write_key_unknown",
            Self::File { .. } => "payload_key_file",
            Self::Random => "random_source_failed",
        }
    }
}

/// Why a payload could not be encrypted or decrypted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CodecError {
    /// The payload was encrypted with a key this process does not hold.
    #[error(
        "payload_key_unknown: payload was encrypted with key `{id}`, which is not configured here"
    )]
    UnknownKey {
        /// The key id the payload names (only shown when it is a well-formed id).
        id: String,
    },
    /// The payload says it is encrypted but names no key.
    #[error("payload_key_missing: encrypted payload names no encryption-key-id")]
    MissingKeyId,
    /// Authentication failed: the ciphertext or nonce was altered, or the key is not the one used.
    #[error("payload_tampered: encrypted payload failed authentication (altered or wrong key)")]
    Tampered,
    /// The payload is too short to hold a nonce, or what decrypted is not a payload.
    #[error("payload_malformed: encrypted payload is not nonce || ciphertext of a payload")]
    Malformed,
    /// The operating system's random source failed, so no nonce could be drawn.
    #[error("payload_encrypt_failed: no random nonce could be drawn")]
    Random,
    /// The cipher refused the plaintext (larger than AES-GCM allows).
    #[error("payload_encrypt_failed: the payload could not be encrypted")]
    Encrypt,
}

impl CodecError {
    /// A stable code for logs, API answers and documentation.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownKey { .. } => "payload_key_unknown",
            Self::MissingKeyId => "payload_key_missing",
            Self::Tampered => "payload_tampered",
            Self::Malformed => "payload_malformed",
            Self::Random | Self::Encrypt => "payload_encrypt_failed",
        }
    }
}
