//! The `msstun_credentials` UAT as [`Credentials`] for the parser's integrity checks.
//! Passwords are only used to compute keys; they never reach the tree.

use msstun::check::Credentials;

use crate::epan::uat;

/// The UAT rows as [`Credentials`]: an empty realm (or `*`) matches any realm and
/// messages without REALM (short-term credentials).
#[derive(Debug, Clone, Copy, Default)]
pub struct UatCredentials;

/// Number of rows.
pub fn count() -> u32 {
    uat::count()
}

impl Credentials for UatCredentials {
    fn password(&self, username: &str, realm: Option<&str>) -> Option<&[u8]> {
        let rows = (0..count()).filter_map(uat::row);
        let mut any = None;
        for (u, r, p) in rows {
            if u != username {
                continue;
            }
            if realm.is_some_and(|m| m == r) {
                return Some(p);
            }
            if any.is_none() && (r.is_empty() || r == "*") {
                any = Some(p);
            }
        }
        any
    }
}
