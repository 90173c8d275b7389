//! `lienthong token`: a token for one caller, signed with the installation's own key (the
//! development key `lienthong dev` keeps in its data folder, or `--token-key`), so an
//! administrator of a new agency, a test operator or a script can sign in without an identity
//! provider. An installation that signs in through OIDC gets its tokens from its issuer.

use std::{path::PathBuf, time::Duration};

use anyhow::{Context, Result, bail};
use lienthong_identity::{Claims, DevKey};

#[derive(clap::Args, Debug)]
pub struct TokenArgs {
    /// The caller's role: citizen, operator, agency-admin or auditor.
    #[arg(long, value_parser = ["citizen", "operator", "agency-admin", "auditor"])]
    pub role: String,
    /// The account the token stands for (recorded in the audit log); by default the role and
    /// its scope, e.g. `agency-admin-tax-office`.
    #[arg(long)]
    pub subject: Option<String>,
    /// An agency administrator's agency (its catalogue id), repeatable.
    #[arg(long = "agency")]
    pub agencies: Vec<String>,
    /// An operator's province (`01`) or office (`01-BD`), repeatable; `*` is every office.
    #[arg(long = "office")]
    pub offices: Vec<String>,
    /// A citizen's personal ID number: which cases are theirs.
    #[arg(long)]
    pub personal_id: Option<String>,
    /// The operator may see personal data unmasked (each read is recorded).
    #[arg(long)]
    pub personal_data: bool,
    /// How long the token is valid.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=90))]
    pub valid_for_days: u64,
    /// The data folder of `lienthong dev`, where its development key is kept.
    #[arg(long, default_value = ".lienthong")]
    pub data_dir: PathBuf,
    /// The installation's own HS256 key (base64), as `lienthong api --token-key` takes it;
    /// instead of the development key.
    #[arg(long, env = "LIENTHONG_TOKEN_KEY", hide_env_values = true)]
    pub token_key: Option<String>,
}

impl TokenArgs {
    /// The claims asked for, refused when the role's scope is missing: a token that signs in
    /// but may do nothing would only puzzle its holder.
    pub fn claims(&self) -> Result<Claims> {
        let scope_needed = match self.role.as_str() {
            "agency-admin" if self.agencies.is_empty() => {
                Some("an agency administrator needs --agency NAME (its catalogue id)")
            }
            "operator" if self.offices.is_empty() => {
                Some("an operator needs --office CODE (a province like 01, an office, or *)")
            }
            "citizen" if self.personal_id.is_none() => {
                Some("a citizen needs --personal-id (12 digits): it says which cases are theirs")
            }
            _ => None,
        };
        if let Some(needed) = scope_needed {
            bail!("{needed}");
        }
        if let Some(id) = &self.personal_id
            && !(id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()))
        {
            bail!("--personal-id must be 12 digits");
        }
        let scope = [
            self.agencies.join("+"),
            self.offices.join("+"),
            self.personal_id.clone().unwrap_or_default(),
        ]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-");
        let subject = self.subject.clone().unwrap_or_else(|| {
            if scope.is_empty() {
                self.role.clone()
            } else {
                format!("{}-{scope}", self.role)
            }
        });
        Ok(Claims {
            sub: subject,
            roles: vec![self.role.clone()],
            personal_id: self.personal_id.clone(),
            offices: self.offices.clone(),
            agencies: self.agencies.clone(),
            personal_data: self.personal_data,
            ..Claims::default()
        })
    }

    fn key(&self) -> Result<DevKey> {
        if let Some(text) = self.token_key.as_deref().filter(|t| !t.trim().is_empty()) {
            return DevKey::from_text(text)
                .context("--token-key is not a base64 key of 32 bytes or more");
        }
        let file = self.data_dir.join("token-key");
        if !file.exists() {
            bail!(
                "no token key: {} does not exist. Start `lienthong dev` once (it makes the \
                 development key there), or give the installation's key with --token-key",
                file.display()
            );
        }
        Ok(DevKey::load_or_create(&self.data_dir)?)
    }
}

/// Prints the token alone on stdout, so `TOKEN=$(lienthong token …)` works.
pub fn run(args: &TokenArgs) -> Result<()> {
    let claims = args.claims()?;
    let token = args.key()?.mint(
        &claims,
        Duration::from_secs(args.valid_for_days * 24 * 3600),
    )?;
    println!("{token}");
    Ok(())
}
