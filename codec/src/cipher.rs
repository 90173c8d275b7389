//! The payload codec: each payload, metadata and all, is sealed with AES-256-GCM under the writing
//! key and replaced by `nonce || ciphertext` with metadata `encoding: binary/encrypted` and
//! `encryption-key-id: <id>` (the layout of Temporal's own encryption samples, so their tools
//! read it too).

use std::{collections::HashMap, fmt, sync::Arc};

use aes_gcm::{Nonce, aead::Aead};
use futures::{FutureExt, future::BoxFuture};
use prost::Message;
use temporalio_common::{
    data_converters::{
        DataConverter, DefaultFailureConverter, PayloadCodec, PayloadConversionError,
        PayloadConverter, SerializationContextData,
    },
    protos::temporal::api::common::v1::Payload,
};
use zeroize::Zeroizing;

use crate::{CodecError, KeyRing, key_ring::valid_id};

/// The metadata key Temporal reads a payload's encoding from.
pub const ENCODING_KEY: &str = "encoding";
/// The encoding of a payload this codec sealed.
pub const ENCRYPTED_ENCODING: &str = "binary/encrypted";
/// The metadata key naming the key a payload was sealed with.
pub const KEY_ID_KEY: &str = "encryption-key-id";

const NONCE_LEN: usize = 12;

/// Encrypts payloads with the ring's writing key and decrypts them with whichever key they name.
pub struct PayloadCipher {
    ring: KeyRing,
}

impl PayloadCipher {
    pub fn new(ring: KeyRing) -> Self {
        Self { ring }
    }

    pub fn key_ring(&self) -> &KeyRing {
        &self.ring
    }

    /// Seals one payload under the writing key, with a fresh random nonce.
    pub fn encrypt(&self, payload: &Payload) -> Result<Payload, CodecError> {
        let (id, key) = self.ring.writer().ok_or(CodecError::Encrypt)?;
        let plain = Zeroizing::new(payload.encode_to_vec());
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|_| CodecError::Random)?;
        let sealed = key
            .encrypt(Nonce::from_slice(&nonce), plain.as_slice())
            .map_err(|_| CodecError::Encrypt)?;
        let mut data = Vec::with_capacity(NONCE_LEN + sealed.len());
        data.extend_from_slice(&nonce);
        data.extend_from_slice(&sealed);
        Ok(Payload {
            metadata: HashMap::from([
                (
                    ENCODING_KEY.to_owned(),
                    ENCRYPTED_ENCODING.as_bytes().to_vec(),
                ),
                (KEY_ID_KEY.to_owned(), id.as_bytes().to_vec()),
            ]),
            data,
            ..Default::default()
        })
    }

    /// Opens a payload this codec sealed; any other payload is returned as it is, so history
    /// written before encryption was turned on still reads.
    pub fn decrypt(&self, payload: Payload) -> Result<Payload, CodecError> {
        if !is_encrypted(&payload) {
            return Ok(payload);
        }
        let id = payload
            .metadata
            .get(KEY_ID_KEY)
            .ok_or(CodecError::MissingKeyId)?;
        let id = String::from_utf8_lossy(id);
        let key = self.ring.key(&id).ok_or_else(|| CodecError::UnknownKey {
            // The id comes from storage; only a well-formed one is repeated in the error.
            id: if valid_id(&id) {
                id.to_string()
            } else {
                "<invalid>".to_owned()
            },
        })?;
        let (nonce, sealed) = payload
            .data
            .split_at_checked(NONCE_LEN)
            .ok_or(CodecError::Malformed)?;
        let plain = Zeroizing::new(
            key.decrypt(Nonce::from_slice(nonce), sealed)
                .map_err(|_| CodecError::Tampered)?,
        );
        Payload::decode(plain.as_slice()).map_err(|_| CodecError::Malformed)
    }

    /// The SDK's default converters with this codec: what every client and worker is given.
    pub fn data_converter(self: &Arc<Self>) -> DataConverter {
        DataConverter::new(
            PayloadConverter::default(),
            // Failure texts stay readable (the API shows a retrying call's last error); they
            // carry no personal data by design.
            DefaultFailureConverter::default(),
            Arc::clone(self),
        )
    }
}

impl fmt::Debug for PayloadCipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PayloadCipher")
            .field("ring", &self.ring)
            .finish()
    }
}

/// Whether this codec sealed `payload`.
pub fn is_encrypted(payload: &Payload) -> bool {
    payload
        .metadata
        .get(ENCODING_KEY)
        .is_some_and(|encoding| encoding.as_slice() == ENCRYPTED_ENCODING.as_bytes())
}

impl PayloadCodec for PayloadCipher {
    fn encode(
        &self,
        _: &SerializationContextData,
        payloads: Vec<Payload>,
    ) -> BoxFuture<'static, Result<Vec<Payload>, PayloadConversionError>> {
        let result = payloads
            .iter()
            .map(|payload| self.encrypt(payload))
            .collect::<Result<Vec<_>, _>>()
            .map_err(conversion_error);
        async move { result }.boxed()
    }

    fn decode(
        &self,
        _: &SerializationContextData,
        payloads: Vec<Payload>,
    ) -> BoxFuture<'static, Result<Vec<Payload>, PayloadConversionError>> {
        let result = payloads
            .into_iter()
            .map(|payload| self.decrypt(payload))
            .collect::<Result<Vec<_>, _>>()
            .map_err(conversion_error);
        async move { result }.boxed()
    }
}

fn conversion_error(error: CodecError) -> PayloadConversionError {
    PayloadConversionError::EncodingError(Box::new(error))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use temporalio_common::data_converters::WorkflowSerializationContext;

    use super::*;
    use crate::generate_key_entry;

    const SECRET: &str = r#"{"child":"Trần Minh An","id":"001190012345"}"#;

    fn plain() -> Payload {
        Payload {
            metadata: HashMap::from([("encoding".to_owned(), b"json/plain".to_vec())]),
            data: SECRET.as_bytes().to_vec(),
            ..Default::default()
        }
    }

    fn cipher(text: &str) -> PayloadCipher {
        PayloadCipher::new(KeyRing::parse(text).unwrap())
    }

    fn context() -> SerializationContextData {
        SerializationContextData::Workflow(WorkflowSerializationContext::new())
    }

    #[tokio::test]
    async fn a_payload_round_trips_through_the_codec_and_is_ciphertext_between() {
        let cipher = cipher(&generate_key_entry("k1").unwrap());
        let sealed = cipher.encode(&context(), vec![plain()]).await.unwrap();
        assert_eq!(sealed.len(), 1);
        let stored = &sealed[0];
        assert_eq!(stored.metadata[ENCODING_KEY], b"binary/encrypted");
        assert_eq!(stored.metadata[KEY_ID_KEY], b"k1");
        let bytes = stored.encode_to_vec();
        for needle in ["Minh", "001190012345", "json/plain"] {
            assert!(!bytes.windows(needle.len()).any(|w| w == needle.as_bytes()));
        }
        // A fresh nonce each time: the same payload never seals to the same bytes.
        assert_ne!(cipher.encrypt(&plain()).unwrap().data, stored.data);
        let opened = cipher.decode(&context(), sealed).await.unwrap();
        assert_eq!(opened, vec![plain()]);
    }

    #[test]
    fn a_rotated_ring_still_reads_what_the_old_key_wrote() {
        let (k1, k2) = (
            generate_key_entry("k1").unwrap(),
            generate_key_entry("k2").unwrap(),
        );
        let before = cipher(&k1).encrypt(&plain()).unwrap();
        let after = cipher(&format!("{k1},{k2}"));
        assert_eq!(after.key_ring().writer_id(), "k2");
        let written = after.encrypt(&plain()).unwrap();
        assert_eq!(written.metadata[KEY_ID_KEY], b"k2");
        assert_eq!(after.decrypt(before).unwrap(), plain());
        assert_eq!(after.decrypt(written).unwrap(), plain());
    }

    #[test]
    fn an_altered_payload_is_refused() {
        let cipher = cipher(&generate_key_entry("k1").unwrap());
        let sealed = cipher.encrypt(&plain()).unwrap();
        for index in [0, NONCE_LEN, sealed.data.len() - 1] {
            let mut altered = sealed.clone();
            altered.data[index] ^= 1;
            assert_eq!(cipher.decrypt(altered).unwrap_err(), CodecError::Tampered);
        }
        let mut truncated = sealed.clone();
        truncated.data.truncate(NONCE_LEN - 1);
        assert_eq!(
            cipher.decrypt(truncated).unwrap_err(),
            CodecError::Malformed
        );
        // The same id under another key is still caught.
        let impostor = self::cipher(&generate_key_entry("k1").unwrap());
        assert_eq!(impostor.decrypt(sealed).unwrap_err(), CodecError::Tampered);
    }

    #[tokio::test]
    async fn an_unknown_key_is_refused_with_a_stable_text_and_no_content() {
        let writer = cipher(&generate_key_entry("old").unwrap());
        let reader = cipher(&generate_key_entry("new").unwrap());
        let sealed = writer.encrypt(&plain()).unwrap();
        let error = reader.decrypt(sealed.clone()).unwrap_err();
        assert_eq!(error.code(), "payload_key_unknown");
        let through_sdk = reader
            .decode(&context(), vec![sealed.clone()])
            .await
            .unwrap_err()
            .to_string();
        assert_eq!(
            through_sdk,
            "Encoding error: payload_key_unknown: payload was encrypted with key `old`, \
             which is not configured here"
        );
        let mut nameless = sealed;
        nameless.metadata.remove(KEY_ID_KEY);
        assert_eq!(
            reader.decrypt(nameless).unwrap_err(),
            CodecError::MissingKeyId
        );
    }

    #[test]
    fn payloads_written_before_encryption_pass_through() {
        let cipher = cipher(&generate_key_entry("k1").unwrap());
        assert_eq!(cipher.decrypt(plain()).unwrap(), plain());
        let bare = Payload::default();
        assert_eq!(cipher.decrypt(bare.clone()).unwrap(), bare);
    }
}
