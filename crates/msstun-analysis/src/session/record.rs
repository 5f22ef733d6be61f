//! What one message teaches the session state, and what the tree shows of it: requests,
//! responses and retransmissions; the allocation; RFC 6062 connection attempts, Connect
//! responses and data connections.

use msstun::registry::method::{
    ALLOCATE as M_ALLOCATE, CONNECT as M_CONNECT, CONNECTION_ATTEMPT as M_CONNECTION_ATTEMPT,
    CONNECTION_BIND as M_CONNECTION_BIND,
};
use msstun::{Class, Message, Role};

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use super::{txid_key, Addr, Attempt, ConnKey, DataConn, Extra, State, Transaction};

/// Where a message was seen: its flow, its frame, whether the frame was seen before, and
/// the packet's ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct At {
    /// Flow key (see [`State::convs`]).
    pub flow: u64,
    /// Frame number.
    pub frame: u32,
    /// The frame was dissected before (nothing is recorded then).
    pub visited: bool,
    /// The packet's source and destination (`None`: not IP); the TURN server's address
    /// keys the RFC 6062 connections ([`super::Connections`]).
    pub ends: Option<(SocketAddr, SocketAddr)>,
}

impl At {
    /// The TURN server's IP address for a message of `class` (a request goes to it, the
    /// rest comes from it): with a CONNECTION-ID, the key of its RFC 6062 connection.
    #[inline]
    fn server(&self, class: Class) -> IpAddr {
        match self.ends {
            Some((_, dst)) if class == Class::Request => dst.ip(),
            Some((src, _)) => src.ip(),
            None => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        }
    }
}

pub(crate) fn addr_of(a: &msstun::Attribute<'_>) -> Option<Addr> {
    match a.address() {
        Some(Ok(x)) => Some(Addr {
            ip: x.ip,
            port: x.port,
        }),
        _ => None,
    }
}

/// What the first pass learns from one message.
#[derive(Default)]
struct Learned {
    connection_id: Option<u32>,
    peer: Option<Addr>,
    relayed: Option<Addr>,
    username: Option<String>,
    realm: Option<String>,
}

fn learn<T: AsRef<[u8]>>(msg: &Message<T>, names: bool) -> Learned {
    let mut l = Learned::default();
    for a in msg.attributes().map_while(Result::ok) {
        match a.role() {
            Role::ConnectionId => l.connection_id = l.connection_id.or(a.as_u32()),
            Role::PeerAddress => l.peer = l.peer.or(addr_of(&a)),
            Role::RelayedAddress => l.relayed = l.relayed.or(addr_of(&a)),
            // [MS-TURN] Allocate responses carry the relayed address in MAPPED-ADDRESS.
            Role::MappedAddress if msg.dialect().is_ms_turn() => {
                l.relayed = l.relayed.or(addr_of(&a))
            }
            Role::Username if names => {
                l.username = l.username.take().or(a.as_str().map(str::to_owned))
            }
            Role::Realm if names => l.realm = l.realm.take().or(a.as_str().map(str::to_owned)),
            _ => {}
        }
    }
    l
}

/// What the tree shows of the capture-wide state for one message, read under the lock
/// that records what the message teaches (first pass).
#[derive(Default)]
pub struct Seen {
    /// Request frame, request time and first response frame of its transaction.
    pub txn: Option<Txn>,
    /// The request this one retransmits.
    pub retrans: Option<u32>,
    /// RFC 6062 data-connection state of this connection.
    pub data: Option<DataConn>,
    /// Allocation of this connection (for a data connection: of its control connection).
    pub alloc: Option<(u32, Option<Addr>)>,
    /// Control-connection messages announcing the CONNECTION-ID.
    pub origins: Origins,
    /// CONNECTION-ID of a ConnectionAttempt, Connect or ConnectionBind message.
    pub cid: Option<u32>,
    /// The message announces an RFC 6062 connection: a ConnectionAttempt indication or a
    /// Connect success response.
    pub announces: bool,
}

impl State {
    /// Record what `msg`, seen `at` time `now`, teaches (first pass only) and read what the
    /// tree shows, in one visit of the state. `names`: keep the request's USERNAME and REALM
    /// (for the integrity check of its response; only worth it with credentials configured).
    pub fn record_and_read<T: AsRef<[u8]>>(
        &mut self,
        at: &At,
        msg: &Message<T>,
        now: (i64, i32),
        names: bool,
    ) -> Seen {
        let (method, class) = msg.method_class();
        let key = (at.flow, txid_key(msg.header()));
        // Only walk the attributes when this message can teach something.
        let names = names && !at.visited && class == Class::Request;
        let linked = matches!(
            (method.code, class),
            (M_ALLOCATE, Class::SuccessResponse)
                | (M_CONNECTION_ATTEMPT, Class::Indication)
                | (M_CONNECT, Class::Request | Class::SuccessResponse)
                | (M_CONNECTION_BIND, _)
        );
        let l = if linked || names {
            learn(msg, names)
        } else {
            Learned::default()
        };
        let announces = (method.code == M_CONNECTION_ATTEMPT && class == Class::Indication)
            || (method.code == M_CONNECT && class == Class::SuccessResponse);
        let cid = if announces || method.code == M_CONNECTION_BIND {
            l.connection_id
        } else {
            None
        };
        {
            let s = self;
            let recorded = if at.visited {
                None
            } else {
                record_in(s, at, key, msg, &l, now)
            };
            let txn =
                recorded.unwrap_or_else(|| s.analysis.pending.txns.get(key.0, &key.1).map(txn_of));
            let retrans = if class == Class::Request && !s.retransmissions.is_empty() {
                s.retransmissions.get(&at.frame).copied()
            } else {
                None
            };
            let c = s.convs.get(&at.flow);
            let data = c.and_then(|c| c.data.as_deref().copied());
            let own_alloc = c.and_then(|c| c.allocation);
            let key = match data {
                Some(d) => Some((d.server, d.connection_id)),
                None => cid.map(|id| (at.server(class), id)),
            };
            let origins = Origins::of(s, key);
            // A data connection's allocation is its control connection's.
            let alloc = own_alloc.or_else(|| {
                data.and(origins.any())
                    .and_then(|a| s.convs.get(&a.conv).and_then(|c| c.allocation))
            });
            Seen {
                txn,
                retrans,
                data,
                alloc,
                origins,
                cid,
                announces,
            }
        }
    }
}

/// Request frame, request time and first response frame of a transaction.
pub type Txn = (u32, (i64, i32), Option<u32>);

#[inline]
fn txn_of(t: &Transaction) -> Txn {
    (t.request_frame, t.request_time, t.response_frame)
}

/// Record what one message teaches. Returns the transaction as it now stands when the
/// message is a request or response (`Some(None)`: a response to no known request).
#[inline]
fn record_in<T: AsRef<[u8]>>(
    s: &mut State,
    at: &At,
    key: (u64, [u8; 16]),
    msg: &Message<T>,
    l: &Learned,
    now: (i64, i32),
) -> Option<Option<Txn>> {
    let txn = record_transaction(s, at, key, msg, l, now);
    record_links(s, at, key, msg, l);
    if s.live.is_some() {
        // Nothing reads an answered transaction again.
        if matches!(msg.class(), Class::SuccessResponse | Class::ErrorResponse) {
            s.analysis.pending.txns.forget_if(key.0, &key.1, |_| false);
        }
        s.prune(now);
    }
    txn
}

/// Record a request or response in its transaction.
#[inline]
fn record_transaction<T: AsRef<[u8]>>(
    s: &mut State,
    at: &At,
    key: (u64, [u8; 16]),
    msg: &Message<T>,
    l: &Learned,
    now: (i64, i32),
) -> Option<Option<Txn>> {
    let (method, class) = msg.method_class();
    let mut txn = None;
    match class {
        Class::Request => {
            let peer = if method.code == M_CONNECT {
                l.peer
            } else {
                None
            };
            let (t, fresh) = s
                .analysis
                .pending
                .txns
                .request(key.0, key.1, || Transaction {
                    request_frame: at.frame,
                    request_time: now,
                    response_frame: None,
                    extra: (l.username.is_some() || l.realm.is_some() || peer.is_some()).then(
                        || {
                            Box::new(Extra {
                                username: l.username.clone(),
                                realm: l.realm.clone(),
                                peer,
                            })
                        },
                    ),
                    ..Transaction::default()
                });
            txn = Some(Some(txn_of(t)));
            if t.request_frame != at.frame && s.live.is_none() {
                let orig = t.request_frame;
                s.retransmissions.insert(at.frame, orig);
            }
            if let Some(live) = s.live.as_mut().filter(|_| fresh) {
                live.order.push_back((now, key));
            }
        }
        Class::SuccessResponse | Class::ErrorResponse => {
            txn = Some(None);
            if let Some(t) = s.analysis.pending.txns.get_mut(key.0, &key.1) {
                if t.response_frame.is_none() {
                    t.response_frame = Some(at.frame);
                }
                txn = Some(Some(txn_of(t)));
            }
        }
        Class::Indication => {}
    }
    txn
}

/// Record the allocation and the RFC 6062 links `msg` sets up.
fn record_links<T: AsRef<[u8]>>(
    s: &mut State,
    at: &At,
    key_txn: (u64, [u8; 16]),
    msg: &Message<T>,
    l: &Learned,
) {
    let (method, class) = msg.method_class();
    let code = method.code;
    if code == M_ALLOCATE && class == Class::SuccessResponse {
        let c = s.convs.entry(at.flow).or_default();
        if c.allocation.is_none() {
            c.allocation = Some((at.frame, l.relayed));
        }
    }
    if msg.dialect().is_ms_turn() {
        return;
    }
    let attempt = |peer| Attempt {
        frame: at.frame,
        conv: at.flow,
        peer,
        bind_frame: None,
        bound_frame: None,
    };
    let key = l.connection_id.map(|id| (at.server(class), id));
    if code == M_CONNECTION_ATTEMPT && class == Class::Indication {
        if let Some(k) = key {
            let c = s.analysis.conns.entry(k);
            c.attempt.get_or_insert(attempt(l.peer));
        }
    }
    if code == M_CONNECT && class == Class::SuccessResponse {
        if let Some(k) = key {
            // The peer is the Connect request's XOR-PEER-ADDRESS.
            let peer = s
                .analysis
                .pending
                .txns
                .get(key_txn.0, &key_txn.1)
                .and_then(|t| t.peer());
            let c = s.analysis.conns.entry(k);
            c.connect.get_or_insert(attempt(peer));
        }
    }
    if code == M_CONNECTION_BIND && class == Class::Request {
        if let Some(cid) = l.connection_id {
            let server = at.server(class);
            let c = s.convs.entry(at.flow).or_default();
            if c.data.is_none() {
                c.data = Some(Box::new(DataConn {
                    connection_id: cid,
                    server,
                    bind_frame: at.frame,
                    bound_frame: None,
                }));
            }
            bound(s, (server, cid), |a| {
                a.bind_frame.get_or_insert(at.frame);
            });
        }
    }
    if code == M_CONNECTION_BIND && class == Class::SuccessResponse {
        let c = s.convs.entry(at.flow).or_default();
        if let Some(d) = c.data.as_mut() {
            if d.bound_frame.is_none() {
                d.bound_frame = Some(at.frame);
            }
            let key = (d.server, d.connection_id);
            bound(s, key, |a| {
                a.bound_frame.get_or_insert(at.frame);
            });
        }
    }
}

/// Mark the announcements of connection `key` as bound (`set`: the ConnectionBind frame).
#[inline]
fn bound(s: &mut State, key: ConnKey, set: impl Fn(&mut Attempt)) {
    if let Some(c) = s.analysis.conns.get_mut(&key) {
        for a in [&mut c.attempt, &mut c.connect].into_iter().flatten() {
            set(a);
        }
    }
}

/// The control-connection messages announcing an RFC 6062 connection.
#[derive(Clone, Copy, Default)]
pub struct Origins {
    /// ConnectionAttempt indication (peer-initiated).
    pub attempt: Option<Attempt>,
    /// Connect success response (client-initiated).
    pub connect: Option<Attempt>,
}

impl Origins {
    /// The announcements of connection `key` recorded in `s`.
    #[inline]
    pub fn of(s: &State, key: Option<ConnKey>) -> Origins {
        match key.and_then(|k| s.connections().get(&k)) {
            Some(c) => Origins {
                attempt: c.attempt,
                connect: c.connect,
            },
            None => Origins::default(),
        }
    }
    /// The ConnectionAttempt, else the Connect response.
    #[inline]
    pub fn any(&self) -> Option<Attempt> {
        self.attempt.or(self.connect)
    }
    /// The peer they name (the ConnectionAttempt's first).
    #[inline]
    pub fn peer(&self) -> Option<Addr> {
        self.attempt
            .and_then(|a| a.peer)
            .or(self.connect.and_then(|c| c.peer))
    }
}

#[cfg(test)]
mod tests {
    use super::super::State;
    use super::*;
    use msstun::build::MessageBuilder;
    use msstun::Dialect;

    const CONNECTION_ID: u16 = 0x002A;
    const XOR_PEER: u16 = 0x0012;
    const XOR_RELAYED: u16 = 0x0016;
    const USERNAME: u16 = 0x0006;

    fn msg(
        method: u16,
        class: Class,
        tid: u8,
        f: impl FnOnce(MessageBuilder) -> MessageBuilder,
    ) -> Vec<u8> {
        f(MessageBuilder::new(
            Dialect::Rfc5389,
            method,
            class,
            &[tid; 12],
        ))
        .finish()
    }

    fn at(flow: u64, frame: u32) -> At {
        At {
            flow,
            frame,
            visited: false,
            ends: None,
        }
    }

    /// `at` for a packet from `src` to `dst`.
    fn between(flow: u64, frame: u32, src: &str, dst: &str) -> At {
        At {
            ends: Some((src.parse().unwrap(), dst.parse().unwrap())),
            ..at(flow, frame)
        }
    }

    fn see(s: &mut State, at: At, bytes: &[u8]) -> Seen {
        let m = Message::new_checked(bytes).unwrap();
        s.record_and_read(&at, &m, (1000, at.frame as i32), true)
    }

    #[test]
    fn learn_reads_links_and_names() {
        let peer: std::net::SocketAddr = "192.0.2.7:5000".parse().unwrap();
        let b = msg(M_CONNECTION_ATTEMPT, Class::Indication, 1, |m| {
            m.attr_u32(CONNECTION_ID, 0xabcd)
                .xor_address(XOR_PEER, peer)
                .string(USERNAME, "u")
        });
        let m = Message::new_checked(&b[..]).unwrap();
        let l = learn(&m, true);
        assert_eq!(l.connection_id, Some(0xabcd));
        assert_eq!(
            l.peer,
            Some(Addr {
                ip: peer.ip(),
                port: 5000
            })
        );
        assert_eq!(l.username.as_deref(), Some("u"));
        // Names only when asked for.
        assert!(learn(&m, false).username.is_none());
        let b = msg(M_ALLOCATE, Class::SuccessResponse, 2, |m| {
            m.xor_address(XOR_RELAYED, peer)
        });
        assert_eq!(
            learn(&Message::new_checked(&b[..]).unwrap(), false)
                .relayed
                .map(|a| a.port),
            Some(5000)
        );
    }

    #[test]
    fn transactions_link_requests_responses_and_retransmissions() {
        let mut s = State::default();
        let req = msg(0x001, Class::Request, 3, |m| m);
        let resp = msg(0x001, Class::SuccessResponse, 3, |m| m);
        assert_eq!(
            see(&mut s, at(1, 10), &req).txn,
            Some((10, (1000, 10), None))
        );
        let again = see(&mut s, at(1, 11), &req);
        assert_eq!(again.retrans, Some(10));
        assert_eq!(
            see(&mut s, at(1, 12), &resp).txn,
            Some((10, (1000, 10), Some(12)))
        );
        // A later pass reads the same answers and records nothing.
        let later = see(
            &mut s,
            At {
                visited: true,
                ..at(1, 11)
            },
            &req,
        );
        assert_eq!(later.retrans, Some(10));
        assert_eq!(later.txn, Some((10, (1000, 10), Some(12))));
        // Another flow with the same transaction id is another transaction.
        assert_eq!(see(&mut s, at(2, 13), &resp).txn, None);
    }

    #[test]
    fn rfc6062_data_connection_is_linked_to_its_attempt_and_allocation() {
        let mut s = State::default();
        let relayed: std::net::SocketAddr = "198.51.100.1:49152".parse().unwrap();
        let peer: std::net::SocketAddr = "192.168.1.252:53577".parse().unwrap();
        see(&mut s, at(1, 1), &msg(M_ALLOCATE, Class::Request, 1, |m| m));
        see(
            &mut s,
            at(1, 2),
            &msg(M_ALLOCATE, Class::SuccessResponse, 1, |m| {
                m.xor_address(XOR_RELAYED, relayed)
            }),
        );
        let ind = msg(M_CONNECTION_ATTEMPT, Class::Indication, 2, |m| {
            m.attr_u32(CONNECTION_ID, 7).xor_address(XOR_PEER, peer)
        });
        let seen = see(&mut s, at(1, 3), &ind);
        assert!(seen.announces);
        assert_eq!(seen.origins.attempt.map(|a| a.frame), Some(3));
        let bind = msg(M_CONNECTION_BIND, Class::Request, 3, |m| {
            m.attr_u32(CONNECTION_ID, 7)
        });
        let seen = see(&mut s, at(2, 4), &bind);
        assert_eq!(seen.data.map(|d| d.bind_frame), Some(4));
        // The data connection's allocation is its control connection's.
        assert_eq!(
            seen.alloc.map(|(f, a)| (f, a.map(|a| a.port))),
            Some((2, Some(49152)))
        );
        let ok = msg(M_CONNECTION_BIND, Class::SuccessResponse, 3, |m| m);
        let seen = see(&mut s, at(2, 5), &ok);
        assert_eq!(seen.data.and_then(|d| d.bound_frame), Some(5));
        assert_eq!(seen.origins.peer().map(|p| p.port), Some(53577));
        let unknown = (std::net::Ipv4Addr::UNSPECIFIED.into(), 7);
        assert_eq!(
            s.connections()
                .get(&unknown)
                .unwrap()
                .attempt
                .unwrap()
                .bound_frame,
            Some(5)
        );
    }

    #[test]
    fn rfc6062_connections_are_keyed_by_server_and_connection_id() {
        // Two TURN servers announce the same CONNECTION-ID; each ConnectionBind links to
        // its own server's ConnectionAttempt (by CONNECTION-ID alone, both would link to
        // the first).
        let mut s = State::default();
        let ind = |tid, port: u16| {
            msg(M_CONNECTION_ATTEMPT, Class::Indication, tid, |m| {
                m.attr_u32(CONNECTION_ID, 7)
                    .xor_address(XOR_PEER, ([192, 0, 2, 9], port).into())
            })
        };
        let bind = |tid| {
            msg(M_CONNECTION_BIND, Class::Request, tid, |m| {
                m.attr_u32(CONNECTION_ID, 7)
            })
        };
        let (a, b) = ("198.51.100.1:3478", "203.0.113.1:3478");
        see(&mut s, between(1, 1, a, "10.0.0.1:40000"), &ind(1, 1001));
        see(&mut s, between(2, 2, b, "10.0.0.2:40000"), &ind(2, 1002));
        let on_b = see(&mut s, between(3, 3, "10.0.0.2:40001", b), &bind(3));
        assert_eq!(on_b.origins.attempt.map(|x| x.frame), Some(2));
        assert_eq!(on_b.origins.peer().map(|p| p.port), Some(1002));
        let on_a = see(&mut s, between(4, 4, "10.0.0.1:40001", a), &bind(4));
        assert_eq!(on_a.origins.attempt.map(|x| x.frame), Some(1));
        let ok = msg(M_CONNECTION_BIND, Class::SuccessResponse, 3, |m| m);
        see(&mut s, between(3, 5, b, "10.0.0.2:40001"), &ok);
        let conn = |ip: &str| s.connections().get(&(ip.parse().unwrap(), 7)).copied();
        assert_eq!(
            conn("203.0.113.1").unwrap().attempt.unwrap().bound_frame,
            Some(5)
        );
        assert_eq!(
            conn("198.51.100.1").unwrap().attempt.unwrap().bound_frame,
            None
        );
        assert_eq!(s.connections().len(), 2);
    }
    #[test]
    fn origins_prefer_the_attempt_peer_and_find_connects() {
        let addr = |last: u8| Addr {
            ip: std::net::IpAddr::from([192, 0, 2, last]),
            port: 1000 + last as u16,
        };
        let a = |frame: u32, peer: Option<Addr>| Attempt {
            frame,
            conv: 1,
            peer,
            bind_frame: None,
            bound_frame: None,
        };
        let mut s = State::default();
        let k = |id| (std::net::IpAddr::from([198, 51, 100, 1]), id);
        s.analysis.conns.entry(k(7)).connect = Some(a(10, Some(addr(1))));
        let o = Origins::of(&s, Some(k(7)));
        assert!(o.attempt.is_none());
        assert_eq!(o.any().map(|x| x.frame), Some(10));
        assert_eq!(o.peer(), Some(addr(1)));
        // Both announced (same CONNECTION-ID): the ConnectionAttempt's peer wins.
        s.analysis.conns.entry(k(7)).attempt = Some(a(20, Some(addr(2))));
        let o = Origins::of(&s, Some(k(7)));
        assert_eq!(o.any().map(|x| x.frame), Some(20));
        assert_eq!(o.peer(), Some(addr(2)));
        // A Connect request without XOR-PEER-ADDRESS still links.
        s.analysis.conns.entry(k(8)).connect = Some(a(30, None));
        assert_eq!(Origins::of(&s, Some(k(8))).peer(), None);
        assert_eq!(Origins::of(&s, Some(k(8))).any().map(|x| x.frame), Some(30));
        assert!(Origins::of(&s, Some(k(9))).any().is_none());
        // Another server's connection 7 is not this one.
        let other = (std::net::IpAddr::from([203, 0, 113, 1]), 7);
        assert!(Origins::of(&s, Some(other)).any().is_none());
        assert!(Origins::of(&s, None).any().is_none());
    }
}
