//! Named AES-256 keys, one of which writes. Every key listed still decrypts, so a key is rotated by
//! adding a new one as the writer and keeping the old one until no history needs it.

use std::{fmt, io::Write, path::Path};

use aes_gcm::{Aes256Gcm, KeyInit};
use base64::{Engine, engine::general_purpose::STANDARD};
use zeroize::Zeroizing;

use crate::KeyError;

/// The keys, as `id:<base64 of 32 bytes>` entries separated by commas.
pub const KEYS_ENV: &str = "LIENTHONG_PAYLOAD_KEYS";
/// The id of the key that encrypts; the last key listed when unset.
pub const WRITE_KEY_ENV: &str = "LIENTHONG_PAYLOAD_WRITE_KEY";
/// The file `lienthong dev` keeps its key in, inside its data directory.
pub const DEV_KEY_FILE: &str = "payload-keys";

const KEY_LEN: usize = 32;
const MAX_ID_LEN: usize = 64;

/// Named AES-256-GCM keys and which one encrypts. Its `Debug` shows ids only.
#[derive(Clone)]
pub struct KeyRing {
    /// In the order listed; a handful at most, so a scan finds one.
    keys: Vec<(String, Aes256Gcm)>,
    /// Beside each key, the key for keyed hashes derived from it ([`KeyRing::search_keys`]).
    search: Vec<Zeroizing<[u8; KEY_LEN]>>,
    writer: usize,
}

/// What a search key is derived for: changing it changes every key, so it names a version.
const SEARCH_PURPOSE: &[u8] = b"lienthong issued-number search v1";

/// A key for keyed hashes (HMAC-SHA256), derived from one payload key: whoever holds the payload
/// keys can make it, nobody else can, and it reveals nothing of the key it came from.
fn derive_search_key(key: &[u8]) -> Zeroizing<[u8; KEY_LEN]> {
    use hmac::{Hmac, Mac};
    let mut out = Zeroizing::new([0u8; KEY_LEN]);
    // HMAC takes a key of any length, so this cannot fail.
    if let Ok(mut mac) = <Hmac<sha2::Sha256> as Mac>::new_from_slice(key) {
        mac.update(SEARCH_PURPOSE);
        out.copy_from_slice(&mac.finalize().into_bytes());
    }
    out
}

impl KeyRing {
    /// Reads `id:<base64>,id:<base64>`; the last key listed writes (see [`KeyRing::with_writer`]).
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let mut keys: Vec<(String, Aes256Gcm)> = Vec::new();
        let mut search = Vec::new();
        let entries = text.split(',').map(str::trim).filter(|e| !e.is_empty());
        for (index, entry) in entries.enumerate() {
            let position = index + 1;
            let (id, key) = entry
                .split_once(':')
                .ok_or(KeyError::Malformed { position })?;
            let id = id.trim();
            if !valid_id(id) {
                return Err(KeyError::InvalidId { position });
            }
            if keys.iter().any(|(known, _)| known == id) {
                return Err(KeyError::Duplicate { id: id.to_owned() });
            }
            let invalid = || KeyError::InvalidKey { id: id.to_owned() };
            let bytes = Zeroizing::new(STANDARD.decode(key.trim()).map_err(|_| invalid())?);
            if bytes.len() != KEY_LEN {
                return Err(invalid());
            }
            let cipher = Aes256Gcm::new_from_slice(&bytes).map_err(|_| invalid())?;
            keys.push((id.to_owned(), cipher));
            search.push(derive_search_key(&bytes));
        }
        let writer = keys.len().checked_sub(1).ok_or(KeyError::NotConfigured)?;
        Ok(Self {
            keys,
            search,
            writer,
        })
    }

    /// The same keys, with `id` as the one that encrypts.
    pub fn with_writer(mut self, id: &str) -> Result<Self, KeyError> {
        self.writer = self
            .keys
            .iter()
            .position(|(known, _)| known == id.trim())
            .ok_or(KeyError::UnknownWriter)?;
        Ok(self)
    }

    /// From `LIENTHONG_PAYLOAD_KEYS` and `LIENTHONG_PAYLOAD_WRITE_KEY`; an error when no key is
    /// set, since a deployment must not silently write plaintext.
    pub fn from_env() -> Result<Self, KeyError> {
        Self::from_values(
            std::env::var(KEYS_ENV).ok().as_deref(),
            std::env::var(WRITE_KEY_ENV).ok().as_deref(),
        )
    }

    /// As [`KeyRing::from_env`], from the two values given.
    pub fn from_values(keys: Option<&str>, writer: Option<&str>) -> Result<Self, KeyError> {
        let ring = Self::parse(keys.unwrap_or_default())?;
        match writer.map(str::trim).filter(|w| !w.is_empty()) {
            Some(writer) => ring.with_writer(writer),
            None => Ok(ring),
        }
    }

    /// Reads `<dir>/payload-keys`, creating it (mode 0600, one fresh key) the first time, so a
    /// development stack's history stays readable across restarts without any setup.
    pub fn load_or_create_dev(dir: &Path) -> Result<Self, KeyError> {
        let path = dir.join(DEV_KEY_FILE);
        let file_error = |e: std::io::Error| KeyError::File {
            path: path.display().to_string(),
            reason: e.to_string(),
        };
        std::fs::create_dir_all(dir).map_err(file_error)?;
        match create_private(&path) {
            Ok(mut file) => {
                let entry = Zeroizing::new(generate_key_entry("dev")?);
                file.write_all(format!("{}\n", entry.as_str()).as_bytes())
                    .map_err(file_error)?;
            }
            // Made by an earlier run (or a concurrent one): read it.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(file_error(e)),
        }
        let text = Zeroizing::new(std::fs::read_to_string(&path).map_err(file_error)?);
        Self::parse(&text)
    }

    /// The id of the key that encrypts.
    pub fn writer_id(&self) -> &str {
        self.keys
            .get(self.writer)
            .map(|(id, _)| id.as_str())
            .unwrap_or_default()
    }

    /// Every key id, in the order listed.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|(id, _)| id.as_str())
    }

    /// Each key's search key (see [`derive_search_key`]), the writer's first: a case's issued
    /// numbers are hashed under the writer's, and a search tries them all, so cases filed before
    /// a rotation are still found.
    pub fn search_keys(&self) -> Vec<(&str, &[u8; KEY_LEN])> {
        let mut order: Vec<usize> = (0..self.keys.len()).collect();
        order.sort_by_key(|i| *i != self.writer);
        order
            .into_iter()
            .filter_map(|i| Some((self.keys.get(i)?.0.as_str(), &**self.search.get(i)?)))
            .collect()
    }

    pub(crate) fn writer(&self) -> Option<(&str, &Aes256Gcm)> {
        self.keys
            .get(self.writer)
            .map(|(id, key)| (id.as_str(), key))
    }

    pub(crate) fn key(&self, id: &str) -> Option<&Aes256Gcm> {
        self.keys
            .iter()
            .find(|(known, _)| known == id)
            .map(|(_, key)| key)
    }
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRing")
            .field("ids", &self.ids().collect::<Vec<_>>())
            .field("writer", &self.writer_id())
            .finish()
    }
}

/// A fresh `id:<base64 of 32 random bytes>` entry, for provisioning `LIENTHONG_PAYLOAD_KEYS`.
pub fn generate_key_entry(id: &str) -> Result<String, KeyError> {
    if !valid_id(id) {
        return Err(KeyError::InvalidId { position: 1 });
    }
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    getrandom::fill(key.as_mut_slice()).map_err(|_| KeyError::Random)?;
    Ok(format!("{id}:{}", STANDARD.encode(key.as_slice())))
}

/// Ids travel in payload metadata and error texts, so they are kept to a plain, short alphabet.
pub(crate) fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn entry(id: &str) -> String {
        generate_key_entry(id).unwrap()
    }

    #[test]
    fn the_last_key_listed_writes_unless_named() {
        let text = format!("{},{}", entry("k1"), entry("k2"));
        let ring = KeyRing::parse(&text).unwrap();
        assert_eq!(ring.writer_id(), "k2");
        assert_eq!(ring.ids().collect::<Vec<_>>(), ["k1", "k2"]);
        let ring = KeyRing::from_values(Some(&text), Some("k1")).unwrap();
        assert_eq!(ring.writer_id(), "k1");
        assert!(matches!(
            KeyRing::from_values(Some(&text), Some("k3")),
            Err(KeyError::UnknownWriter)
        ));
    }

    #[test]
    fn bad_configurations_are_refused_without_echoing_key_text() {
        let secret = STANDARD.encode([7u8; 32]);
        let short = STANDARD.encode([7u8; 16]);
        let cases = [
            (String::new(), "payload_keys_missing"),
            (" , ".to_owned(), "payload_keys_missing"),
            (secret.clone(), "payload_key_malformed"),
            (format!("{secret}:{secret}"), "payload_key_id_invalid"),
            (format!("k 1:{secret}"), "payload_key_id_invalid"),
            (format!("k1:{short}"), "payload_key_invalid"),
            ("k1:not base64!".to_owned(), "payload_key_invalid"),
            (format!("k1:{secret},k1:{secret}"), "payload_key_duplicate"),
        ];
        for (text, code) in cases {
            let error = KeyRing::parse(&text).unwrap_err();
            assert_eq!(error.code(), code, "{text}");
            assert!(!error.to_string().contains(&secret), "{error}");
        }
        let missing = KeyRing::from_values(None, None).unwrap_err();
        assert!(missing.to_string().contains(KEYS_ENV), "{missing}");
    }

    #[test]
    fn search_keys_come_from_their_payload_keys_writer_first() {
        let text = format!("{},{}", entry("k1"), entry("k2"));
        let ring = KeyRing::from_values(Some(&text), Some("k1")).unwrap();
        let keys = ring.search_keys();
        assert_eq!(
            keys.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
            ["k1", "k2"]
        );
        assert_ne!(keys[0].1, keys[1].1);
        // The same key text gives the same search key, so every replica finds the same cases.
        let again = KeyRing::parse(&text).unwrap();
        let again = again.search_keys();
        assert_eq!(again[0].0, "k2");
        assert_eq!(again[1].1, keys[0].1);
        let (_, secret) = text.split(',').next().unwrap().split_once(':').unwrap();
        let raw = STANDARD.decode(secret).unwrap();
        assert_ne!(keys[0].1.as_slice(), raw.as_slice());
    }

    #[test]
    fn debug_shows_ids_only() {
        let text = entry("k1");
        let ring = KeyRing::parse(&text).unwrap();
        let shown = format!("{ring:?}");
        assert_eq!(shown, r#"KeyRing { ids: ["k1"], writer: "k1" }"#);
        let (_, key) = text.split_once(':').unwrap();
        assert!(!shown.contains(key));
    }

    #[test]
    fn the_dev_key_is_made_once_privately_and_then_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = KeyRing::load_or_create_dev(dir.path()).unwrap();
        let text = std::fs::read_to_string(dir.path().join(DEV_KEY_FILE)).unwrap();
        let second = KeyRing::load_or_create_dev(dir.path()).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join(DEV_KEY_FILE)).unwrap(),
            text
        );
        assert_eq!(first.writer_id(), "dev");
        assert_eq!(second.writer_id(), "dev");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(DEV_KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
