//! `--credentials FILE`: passwords for MESSAGE-INTEGRITY checks.
//!
//! File format, one credential per line: `username:realm:password`; in the username and
//! realm `\:` stands for a colon and `\\` for a backslash (ICE usernames are
//! `ufrag:ufrag`), the password is the rest of the line as is. An empty realm
//! (`user::password`) is a short-term credential (ICE, RFC 8489 §9.1) whose key is the
//! password itself; otherwise the long-term key `MD5(username ":" realm ":" password)`
//! (RFC 8489 §9.2.2) is used. Empty lines and lines starting with `#` are ignored. The
//! password may contain `:`. Secrets are never printed: [`Credentials`]'s `Debug` shows
//! user names and realms only.
//!
//! Verification itself is `msstun::check`, shared with the Wireshark plugin's UAT.

pub use msstun::check::Status;

struct Entry {
    user: String,
    realm: String,
    password: Vec<u8>,
}

/// Parsed credentials file.
#[derive(Default)]
pub struct Credentials {
    entries: Vec<Entry>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(
                self.entries
                    .iter()
                    .map(|e| format!("{}@{}", e.user, e.realm)),
            )
            .finish()
    }
}

impl Credentials {
    /// Parse the file's text. Errors name the line, never its content.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut entries = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            let Some((user, realm, password)) = split_line(line) else {
                return Err(format!("line {}: expected username:realm:password", i + 1));
            };
            if user.is_empty() {
                return Err(format!("line {}: empty username", i + 1));
            }
            entries.push(Entry {
                user,
                realm,
                password: password.as_bytes().to_vec(),
            });
        }
        Ok(Credentials { entries })
    }

    /// Number of credentials.
    pub fn len(&self) -> usize {
        self.entries.len()
    }
}

/// Split `username:realm:password`; `\:` and `\\` escape in username and realm (ICE
/// usernames contain `:`), the password is the rest of the line, taken literally.
fn split_line(line: &str) -> Option<(String, String, &str)> {
    let mut fields = [String::new(), String::new()];
    let mut idx = 0;
    let mut chars = line.char_indices();
    while let Some((_, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, n)) => fields[idx].push(n),
                None => return None,
            },
            ':' => {
                idx += 1;
                if idx == 2 {
                    let rest = chars.as_str();
                    let [u, r] = fields;
                    return Some((u, r, rest));
                }
            }
            c => fields[idx].push(c),
        }
    }
    None
}

impl msstun::check::Credentials for Credentials {
    /// Exact (username, realm) first; an entry with an empty realm is a short-term
    /// password and also matches any realm.
    fn password(&self, username: &str, realm: Option<&str>) -> Option<&[u8]> {
        let exact = realm.and_then(|r| {
            self.entries
                .iter()
                .find(|e| e.user == username && e.realm == r)
        });
        exact
            .or_else(|| {
                self.entries
                    .iter()
                    .find(|e| e.user == username && e.realm.is_empty())
            })
            .map(|e| e.password.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use msstun::check::Credentials as _;

    #[test]
    fn parse_and_lookup() {
        let text = "# comment\nalice:example.org:wonder:land\n\nice1::pw\nevtj\\:h6vY::x\\y\n";
        let c = Credentials::parse(text).unwrap();
        assert_eq!(c.len(), 3);
        assert_eq!(c.password("evtj:h6vY", None).unwrap(), b"x\\y");
        assert_eq!(
            c.password("alice", Some("example.org")).unwrap(),
            b"wonder:land"
        );
        assert!(c.password("alice", Some("other")).is_none());
        assert_eq!(c.password("ice1", None).unwrap(), b"pw");
        assert_eq!(c.password("ice1", Some("other")).unwrap(), b"pw");
        assert!(c.password("bob", None).is_none());
        assert!(!format!("{c:?}").contains("wonder"));
        assert!(Credentials::parse("nocolon\n")
            .unwrap_err()
            .contains("line 1"));
    }
}
