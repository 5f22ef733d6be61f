//! Turn one framed STUN message into an owned, printable [`Record`].

use std::collections::VecDeque;

use msstun::Message;

use msstun::check;
use msstun::framing::Framing;

use crate::creds::{Credentials, Status};

/// Everything the relay prints about one STUN message: the event schema's message
/// record, with MESSAGE-INTEGRITY checked against `--credentials`.
pub type Record = msstun_event::MessageRecord;

/// USERNAME/REALM/PASSWORD-ALGORITHM of a request, owned.
#[derive(Debug)]
pub struct ReqAuth {
    username: Vec<u8>,
    realm: Option<Vec<u8>>,
    algorithm: Option<check::PasswordAlgorithm>,
}

impl ReqAuth {
    fn auth(&self) -> check::AuthInfo<'_> {
        check::AuthInfo {
            username: Some(&self.username),
            realm: self.realm.as_deref(),
            password_algorithm: self.algorithm,
            ..Default::default()
        }
    }
}

/// Per-connection state the inspector needs across messages: the credentials a request
/// used, so its response can be checked (responses carry no USERNAME).
#[derive(Debug, Default)]
pub struct TxKeys {
    recent: VecDeque<([u8; 16], ReqAuth)>,
}

const MAX_TX_KEYS: usize = 64;

impl TxKeys {
    fn remember(&mut self, tid: &[u8], auth: &check::AuthInfo<'_>) {
        let Some(u) = auth.username else { return };
        if self.recent.len() == MAX_TX_KEYS {
            self.recent.pop_front();
        }
        let req = ReqAuth {
            username: u.to_vec(),
            realm: auth.realm.map(<[u8]>::to_vec),
            algorithm: auth.password_algorithm,
        };
        self.recent.push_back((tid16(tid), req));
    }
    fn find(&self, tid: &[u8]) -> Option<&ReqAuth> {
        let t = tid16(tid);
        self.recent
            .iter()
            .rev()
            .find(|(k, _)| *k == t)
            .map(|(_, v)| v)
    }
}

fn tid16(tid: &[u8]) -> [u8; 16] {
    let mut t = [0u8; 16];
    let n = tid.len().min(16);
    t[..n].copy_from_slice(&tid[..n]);
    t
}

pub use msstun_event::hex;

/// Decode a STUN message; `framing` is the framing it arrived in, if known.
pub fn inspect(
    msg: &Message<&[u8]>,
    framing: Option<Framing>,
    creds: Option<&Credentials>,
    keys: &mut TxKeys,
) -> Record {
    let (_, class) = msg.method_class();
    let b = msg.bytes();
    let auth = check::auth_info(b, msg.dialect());
    let tid = msg.transaction_id();
    // Requests and indications carry USERNAME/REALM; a response is checked with those of
    // its request (RFC 8489 §9.2.4), remembered here by transaction id.
    let integrity = |off: usize, keys: &mut TxKeys| -> Status {
        let Some(c) = creds else {
            return Status::Unverified;
        };
        if auth.username.is_some() {
            if !class.is_response() {
                keys.remember(tid, &auth);
            }
            check::integrity_status_for(b, off, &auth, c)
        } else if class.is_response() {
            match keys.find(tid) {
                Some(req) => check::integrity_status_for(b, off, &req.auth(), c),
                None => Status::Unverified,
            }
        } else {
            Status::Unverified
        }
    };
    let mi = auth.integrity.map(|o| integrity(o, keys));
    let mi256 = auth.integrity_sha256.map(|o| integrity(o, keys));
    let integrity = match (mi, mi256) {
        (Some(Status::Bad), _) | (_, Some(Status::Bad)) => Some(Status::Bad),
        (Some(a), _) => Some(a),
        (None, b) => b,
    };
    let mut rec = Record::from_message(msg, framing);
    rec.integrity = integrity;
    rec
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(t: u16, attrs: &[(u16, &[u8])]) -> Vec<u8> {
        let mut v = vec![(t >> 8) as u8, t as u8, 0, 0, 0x21, 0x12, 0xA4, 0x42];
        v.extend_from_slice(&[1; 12]);
        for (c, val) in attrs {
            v.extend_from_slice(&c.to_be_bytes());
            v.extend_from_slice(&(val.len() as u16).to_be_bytes());
            v.extend_from_slice(val);
            v.resize(v.len().div_ceil(4) * 4, 0);
        }
        let l = (v.len() - 20) as u16;
        v[2..4].copy_from_slice(&l.to_be_bytes());
        v
    }

    #[test]
    fn allocate_error_summary() {
        let m = msg(
            0x0113,
            &[
                (0x0009, b"\0\0\x04\x01Unauthorized"),
                (0x0014, b"example.org"),
                (0x0015, b"abc"),
            ],
        );
        let m = Message::new_checked(&m[..]).unwrap();
        let r = inspect(&m, Some(Framing::Plain), None, &mut TxKeys::default());
        assert_eq!(r.method, "Allocate");
        assert_eq!(r.class, Some(msstun::Class::ErrorResponse));
        assert_eq!(
            r.summary,
            "Allocate Error Response error-code: 401 (Unauthenticated) realm: example.org with nonce"
        );
        assert_eq!(r.attributes[0].value, "401 Unauthorized");
        assert_eq!(r.integrity, None);
    }
}
