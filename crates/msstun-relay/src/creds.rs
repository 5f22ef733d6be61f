//! `--credentials FILE`: keys for MESSAGE-INTEGRITY checks, and the checks themselves.
//!
//! File format, one credential per line: `username:realm:password`. An empty realm
//! (`user::password`) is a short-term credential (ICE, RFC 8489 §9.1) whose key is the
//! password itself; otherwise the long-term key is `MD5(username ":" realm ":" password)`
//! (RFC 8489 §9.2.2). Empty lines and lines starting with `#` are ignored. The password
//! may contain `:`. Secrets are never printed: [`Credentials`]'s `Debug` shows user names only.
//!
//! TODO(msstun::check): the HMAC/CRC code below is the relay's placeholder until the
//! shared `msstun::check` module lands; then call it instead.

use hmac::{Hmac, Mac};
use md5::{Digest, Md5};

/// Verification outcome, as in the JSON `integrity`/`fingerprint` keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The check passed.
    Good,
    /// The check failed.
    Bad,
    /// No key to check with.
    Unverified,
}

impl Status {
    /// JSON key.
    pub const fn key(self) -> &'static str {
        match self {
            Status::Good => "good",
            Status::Bad => "bad",
            Status::Unverified => "unverified",
        }
    }
    /// Display name, as Wireshark's checksum status.
    pub const fn name(self) -> &'static str {
        match self {
            Status::Good => "Good",
            Status::Bad => "Bad",
            Status::Unverified => "Unverified",
        }
    }
}

struct Entry {
    user: String,
    realm: String,
    key: Vec<u8>,
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
            let mut it = line.splitn(3, ':');
            let (Some(user), Some(realm), Some(password)) = (it.next(), it.next(), it.next())
            else {
                return Err(format!("line {}: expected username:realm:password", i + 1));
            };
            if user.is_empty() {
                return Err(format!("line {}: empty username", i + 1));
            }
            let key = if realm.is_empty() {
                password.as_bytes().to_vec()
            } else {
                Md5::digest(format!("{user}:{realm}:{password}").as_bytes()).to_vec()
            };
            entries.push(Entry {
                user: user.to_string(),
                realm: realm.to_string(),
                key,
            });
        }
        Ok(Credentials { entries })
    }

    /// Number of credentials.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The key for a message carrying USERNAME `user` and, for long-term credentials, REALM `realm`.
    pub fn key(&self, user: &str, realm: Option<&str>) -> Option<&[u8]> {
        if let Some(r) = realm {
            if let Some(e) = self.entries.iter().find(|e| e.user == user && e.realm == r) {
                return Some(&e.key);
            }
        }
        self.entries
            .iter()
            .find(|e| e.user == user && e.realm.is_empty())
            .map(|e| e.key.as_slice())
    }
}

/// Check MESSAGE-INTEGRITY (0x0008, HMAC-SHA1) or MESSAGE-INTEGRITY-SHA256 (0x001C) at
/// `offset` in `msg` with `key`. RFC 5389 rule first (length field covering the
/// attribute); for classic/legacy dialects also the RFC 3489 rule (length as sent,
/// text zero-padded to 64 bytes).
pub fn verify_integrity(msg: &[u8], offset: usize, code: u16, value: &[u8], key: &[u8]) -> bool {
    if offset < 20 || offset > msg.len() {
        return false;
    }
    let end = offset + 4 + value.len().div_ceil(4) * 4;
    let mut text = msg[..offset].to_vec();
    let new_len = (end - 20) as u16;
    text[2..4].copy_from_slice(&new_len.to_be_bytes());
    if hmac_matches(code, key, &text, value) {
        return true;
    }
    // RFC 3489 §11.2.8: length as sent, zero padding to a multiple of 64.
    let mut text = msg[..offset].to_vec();
    text.resize(offset.div_ceil(64) * 64, 0);
    hmac_matches(code, key, &text, value)
}

fn hmac_matches(code: u16, key: &[u8], text: &[u8], value: &[u8]) -> bool {
    if code == 0x001C {
        let Ok(mut m) = Hmac::<sha2::Sha256>::new_from_slice(key) else {
            return false;
        };
        m.update(text);
        let full = m.finalize().into_bytes();
        value.len() >= 16 && value.len() <= 32 && full[..value.len()] == *value
    } else {
        let Ok(mut m) = Hmac::<sha1::Sha1>::new_from_slice(key) else {
            return false;
        };
        m.update(text);
        m.verify_slice(value).is_ok()
    }
}

/// Check FINGERPRINT (RFC 8489 §14.7) whose attribute starts at `offset`.
pub fn verify_fingerprint(msg: &[u8], offset: usize, value: &[u8]) -> Status {
    if value.len() != 4 || offset < 20 || offset > msg.len() {
        return Status::Bad;
    }
    let mut h = crc32fast::Hasher::new();
    h.update(&msg[..2]);
    h.update(&((offset + 8 - 20) as u16).to_be_bytes());
    h.update(&msg[4..offset]);
    let crc = h.finalize() ^ 0x5354_554e;
    if crc.to_be_bytes() == value {
        Status::Good
    } else {
        Status::Bad
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_lookup() {
        let c =
            Credentials::parse("# comment\nalice:example.org:wonder:land\n\nice1::pw\n").unwrap();
        assert_eq!(c.len(), 2);
        let k = c.key("alice", Some("example.org")).unwrap();
        assert_eq!(k, Md5::digest(b"alice:example.org:wonder:land").as_slice());
        assert_eq!(c.key("ice1", None).unwrap(), b"pw");
        assert_eq!(c.key("ice1", Some("other")).unwrap(), b"pw");
        assert!(c.key("bob", None).is_none());
        assert!(!format!("{c:?}").contains("wonder"));
        assert!(Credentials::parse("nocolon\n")
            .unwrap_err()
            .contains("line 1"));
    }

    /// RFC 5769 §2.1 sample request (short-term, password "VOkJxbRl1RmTxUk/WvJxBt").
    #[test]
    fn rfc5769_sample_request() {
        let hex = "000100582112a442b7e7a701bc34d686fa87dfae802200105354554e2074657374\
                   20636c69656e74\
                   002400046e0001ff80290008932ff9b151263b36000600096576746a3a6836765920202000080014\
                   9aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a280280004e57a3bcf";
        let hex: String = hex.chars().filter(|c| !c.is_whitespace()).collect();
        let msg: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        let mi_off = msg.len() - 8 - 24;
        assert!(verify_integrity(
            &msg,
            mi_off,
            8,
            &msg[mi_off + 4..mi_off + 24],
            b"VOkJxbRl1RmTxUk/WvJxBt"
        ));
        assert!(!verify_integrity(
            &msg,
            mi_off,
            8,
            &msg[mi_off + 4..mi_off + 24],
            b"wrong"
        ));
        let fp_off = msg.len() - 8;
        assert_eq!(
            verify_fingerprint(&msg, fp_off, &msg[fp_off + 4..]),
            Status::Good
        );
    }
}
