use std::{
    path::Path,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use base64::{Engine, engine::general_purpose::STANDARD};
use jsonwebtoken::{EncodingKey, Header};

use crate::{
    AuthError, Claims, Verifier,
    verifier::{LOCAL_AUDIENCE, LOCAL_ISSUER},
};

/// The installation's own HS256 signing key: `lienthong dev` makes one and prints a token per
/// role with it, so a newcomer can try everything; tests sign their callers' tokens with one.
#[derive(Clone)]
pub struct DevKey {
    secret: Vec<u8>,
}

impl std::fmt::Debug for DevKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DevKey(..)")
    }
}

/// A ready-to-paste token and whom it stands for.
#[derive(Debug, Clone)]
pub struct DevToken {
    pub label: &'static str,
    pub claims: Claims,
    pub token: String,
}

impl DevKey {
    /// A fresh random key.
    pub fn generate() -> Self {
        let secret: [u8; 32] = rand::random();
        Self {
            secret: secret.to_vec(),
        }
    }

    /// The key written as text (base64), as `LIENTHONG_TOKEN_KEY` takes it.
    pub fn to_text(&self) -> String {
        STANDARD.encode(&self.secret)
    }

    /// Reads a key from its text form.
    pub fn from_text(text: &str) -> Result<Self, AuthError> {
        let secret = STANDARD
            .decode(text.trim())
            .map_err(|_| AuthError::Config("the token key is not base64".into()))?;
        if secret.len() < 32 {
            return Err(AuthError::Config(
                "the token key must be at least 32 bytes".into(),
            ));
        }
        Ok(Self { secret })
    }

    /// The key in `<dir>/token-key`, made on first use (readable by its owner only).
    pub fn load_or_create(dir: &Path) -> Result<Self, AuthError> {
        let path = dir.join("token-key");
        let io = |e: std::io::Error| AuthError::Config(format!("{}: {e}", path.display()));
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::from_text(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(dir).map_err(io)?;
                let key = Self::generate();
                write_private(&path, key.to_text().as_bytes()).map_err(io)?;
                Ok(key)
            }
            Err(e) => Err(io(e)),
        }
    }

    pub fn verifier(&self) -> Result<Verifier, AuthError> {
        Verifier::shared(&self.secret)
    }

    /// Signs `claims`, valid for `valid_for`, as the installation's key signs them: issuer
    /// `lienthong`, audience `lienthong-api` (what the API's verifier of this key asks for).
    pub fn mint(&self, claims: &Claims, valid_for: Duration) -> Result<String, AuthError> {
        #[derive(serde::Serialize)]
        struct Signed<'a> {
            #[serde(flatten)]
            claims: &'a Claims,
            iss: &'static str,
            aud: &'static str,
            iat: u64,
            exp: u64,
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let body = Signed {
            claims,
            iss: LOCAL_ISSUER,
            aud: LOCAL_AUDIENCE,
            iat: now,
            exp: now + valid_for.as_secs(),
        };
        jsonwebtoken::encode(
            &Header::default(),
            &body,
            &EncodingKey::from_secret(&self.secret),
        )
        .map_err(|e| AuthError::Config(e.to_string()))
    }

    /// One token per role, for trying the engine: a citizen (the example application's
    /// applicant), Hà Nội's operator (personal data masked), a national supervisor (every
    /// office, unmasked: holds agencies, decodes history), the civil status agency's
    /// administrator, and an auditor.
    pub fn dev_tokens(&self, valid_for: Duration) -> Result<Vec<DevToken>, AuthError> {
        let people = [
            (
                "citizen",
                Claims {
                    sub: "citizen-001190012345".into(),
                    roles: vec!["citizen".into()],
                    personal_id: Some("001190012345".into()),
                    ..Claims::default()
                },
            ),
            (
                "operator",
                Claims {
                    sub: "operator-hanoi".into(),
                    roles: vec!["operator".into()],
                    offices: vec!["01".into()],
                    ..Claims::default()
                },
            ),
            (
                "supervisor",
                Claims {
                    sub: "supervisor-national".into(),
                    roles: vec!["operator".into()],
                    offices: vec![crate::EVERY_OFFICE.into()],
                    personal_data: true,
                    ..Claims::default()
                },
            ),
            (
                "agency-admin",
                Claims {
                    sub: "admin-civil-status".into(),
                    roles: vec!["agency-admin".into()],
                    agencies: vec!["civil-status".into()],
                    ..Claims::default()
                },
            ),
            (
                "auditor",
                Claims {
                    sub: "auditor".into(),
                    roles: vec!["auditor".into()],
                    ..Claims::default()
                },
            ),
        ];
        people
            .into_iter()
            .map(|(label, claims)| {
                let token = self.mint(&claims, valid_for)?;
                Ok(DevToken {
                    label,
                    claims,
                    token,
                })
            })
            .collect()
    }
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::{io::Write, os::unix::fs::OpenOptionsExt};
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}
