//! Signing in to the console and the citizen page through an OpenID Connect issuer: the
//! authorization-code flow with PKCE (S256), a `state` and a `nonce` per attempt.

/// Where the installation's issuer is and who lienthong is to it.
#[derive(Debug, Clone)]
pub struct OidcLogin {
    /// The issuer's URL (its discovery document is `{issuer}/.well-known/openid-configuration`).
    pub issuer: String,
    /// lienthong's client id at the issuer, the audience its tokens name.
    pub client_id: String,
    /// The client secret, for issuers that want confidential clients; PKCE alone otherwise.
    pub client_secret: Option<String>,
}
