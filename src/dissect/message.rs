//! One STUN message: its header, the Info column, the FINGERPRINT and MESSAGE-INTEGRITY
//! checks, its attributes ([`super::attribute`]) and what the session state knows of it
//! ([`super::links`]).

use std::fmt::Write as _;

use msstun::check::{self, Status};
use msstun::registry::Role;
use msstun::{Class, Message, HEADER_LEN};

use super::{analysis, attribute, info, links, relayed, Ctx};
use crate::epan::{Encoding, Hf, Item, RefGroup, Tree};
use crate::expert::Expert;
use crate::fields::Fields;
use crate::session;
use crate::uat::{self, UatCredentials};

/// The references of the items every attribute has (`msstun.att`, its type, length,
/// padding, value).
static ATTR_REFS: RefGroup = RefGroup::new();
/// The references of the header's items.
static HEADER_REFS: RefGroup = RefGroup::new();

/// The attributes' common items ([`ATTR_REFS`]).
fn attr_common_hfs(f: &Fields) -> Vec<Hf> {
    vec![f.att, f.att_type, f.att_length, f.att_padding, f.att_value]
}

/// The header's items ([`HEADER_REFS`]).
fn header_hfs(f: &Fields) -> Vec<Hf> {
    vec![
        f.msg_type,
        f.method,
        f.class,
        f.length,
        f.cookie,
        f.transaction_id,
        f.dialect,
    ]
}

/// Gather every reference group's field addresses (the two above and each attribute's own)
/// once the fields are registered, so that their one allocation is registration's, not the
/// first message's.
pub fn prime_refs(f: &Fields) {
    ATTR_REFS.any(|| attr_common_hfs(f));
    HEADER_REFS.any(|| header_hfs(f));
    for a in &f.attrs {
        a.any_referenced();
    }
}

/// Computed statuses of the checks of one message, by attribute offset.
#[derive(Clone, Copy)]
pub(super) struct Checks {
    list: [(usize, Status); 4],
    n: usize,
    /// No credentials: FINGERPRINT is checked per attribute, integrity is Unverified.
    pub(super) inline: bool,
    /// MESSAGE-INTEGRITY(-SHA256) checked with a credentials row: verified or not.
    pub(super) integrity: Option<bool>,
    /// The tree is shown, or an item every attribute has (`msstun.att`, its type, length,
    /// padding or value) is referenced: asked once per message, not per attribute.
    pub(super) attr_items: bool,
}

impl Checks {
    fn push(&mut self, off: usize, s: Status) {
        if self.n < self.list.len() {
            self.list[self.n] = (off, s);
            self.n += 1;
        }
    }
    /// The status of the checked attribute at `off`.
    pub(super) fn get(&self, off: usize) -> Option<Status> {
        self.list[..self.n]
            .iter()
            .find(|(o, _)| *o == off)
            .map(|(_, s)| *s)
    }
}

/// FINGERPRINT and MESSAGE-INTEGRITY(-SHA256) statuses, computed before any tree item is
/// added. Without credentials nothing is computed here (FINGERPRINT is then checked when
/// its attribute is shown, integrity is unverified).
fn compute_checks<T: AsRef<[u8]>>(ctx: &Ctx<'_>, msg: &Message<T>) -> Checks {
    let b = msg.bytes();
    let f = ctx.f;
    let mut checks = Checks {
        list: [(0, Status::Unverified); 4],
        n: 0,
        inline: uat::count() == 0,
        integrity: None,
        attr_items: ctx.visible || ATTR_REFS.any(|| attr_common_hfs(f)),
    };
    if checks.inline {
        return checks;
    }
    let mut auth = check::auth_info(b, msg.dialect());
    if let Some(o) = auth.fingerprint {
        checks.push(o, check::check_fingerprint(b, o));
    }
    if auth.integrity.is_none() && auth.integrity_sha256.is_none() {
        return checks;
    }
    // Responses carry no USERNAME: use the request's.
    let (user, realm) = if msg.class().is_response() {
        let tid = session::txid_key(msg.header());
        session::with(|s| {
            s.transactions().get(ctx.conv, &tid).map(|t| {
                (
                    t.username().map(str::to_owned),
                    t.realm().map(str::to_owned),
                )
            })
        })
        .unwrap_or_default()
    } else {
        (None, None)
    };
    if let Some(u) = user.as_deref() {
        auth.username = Some(u.as_bytes());
        if auth.realm.is_none() {
            auth.realm = realm.as_deref().map(str::as_bytes);
        }
    }
    for o in [auth.integrity, auth.integrity_sha256]
        .into_iter()
        .flatten()
    {
        let st = check::integrity_status_for(b, o, &auth, &UatCredentials);
        match st {
            Status::Good => checks.integrity = Some(true),
            Status::Bad => checks.integrity = checks.integrity.or(Some(false)),
            _ => {}
        }
        checks.push(o, st);
    }
    checks
}

/// Whether this message shows SRTP to be the rule on its flow (issue 18): an ICE check (a
/// Binding with MESSAGE-INTEGRITY(-SHA256)) or a Microsoft dialect.
fn shows_srtp<T: AsRef<[u8]>>(msg: &Message<T>) -> bool {
    msg.dialect().is_ms_turn()
        || (msg.method().code == msstun::registry::method::BINDING
            && msg
                .attributes()
                .flatten()
                .any(|a| matches!(a.role(), Role::Integrity | Role::IntegritySha256)))
}

/// One STUN message at tvb offset `m`, under the layer `st`/`ti`; `dialect` when the
/// detector already worked it out (not worked out again).
pub(super) fn dissect_stun<'p>(
    ctx: &Ctx<'p>,
    st: Tree<'p>,
    ti: Item<'p>,
    m: usize,
    bytes: &[u8],
    dialect: Option<msstun::Dialect>,
) {
    let built = match dialect {
        Some(d) => Message::with_dialect(bytes, d),
        None => Message::new_checked(bytes),
    };
    let msg = match built {
        Ok(msg) => msg,
        Err(e) => return malformed(ctx, st, ti, m, bytes, e),
    };
    // Read once: each `method()`/`class()` decodes the type and looks the method up.
    let (method, class) = msg.method_class();
    let method = method.code;
    let now = ctx.pinfo.abs_time();
    // The checks read the session state (a response's request) before this message is
    // recorded; recording a response changes nothing they read.
    let checks = compute_checks(ctx, &msg);
    let obs = analysis::message_observation(ctx, checks.integrity);
    let names = !checks.inline;
    // One visit of the session state: what the message teaches and what the tree shows,
    // then the session analysis.
    let input = if ctx.pinfo.in_error_pkt() {
        session::Input::Quoted(&msg)
    } else {
        session::Input::Message(&msg)
    };
    // Kept whole and read by reference: moving `seen` and `answer` out copied them field by
    // field (about 50 instructions a message, callgrind-tshark).
    let fed = session::with(|s| s.feed(ctx.at(), now, obs.as_ref(), input, names));
    let (seen, answer) = (&fed.seen, fed.answer.as_ref());
    if method == msstun::registry::method::CONNECTION_BIND {
        // It may make the flow an RFC 6062 data connection: read the state for it again.
        crate::plugin::flow::KNOWN.forget(ctx.conv);
    }
    let carried = relayed::found_in(ctx).map(|c| (c.carrier, c.channel.unwrap_or(0)));
    crate::plugin::tap::queue(ctx.pinfo, ctx.conv, carried, &msg, seen.txn, seen.data);
    super::flow::queue(ctx, &msg, answer);
    // SRTP evidence (read only by relayed media): a Microsoft dialect now; an ICE check when
    // the attribute loop below meets its MESSAGE-INTEGRITY (or, before relaying a DATA
    // attribute, by a walk of its own), so that the attributes are walked once.
    let mut srtp_pending = false;
    if !ctx.visited {
        if msg.dialect().is_ms_turn() {
            relayed::srtp_evidence(ctx);
        } else {
            srtp_pending = method == msstun::registry::method::BINDING;
        }
    }
    if msstun_analysis::follows(&ctx.carried)
        && (method == msstun::registry::method::SEND || method == msstun::registry::method::DATA)
    {
        ctx.data_peer.set(peer_of(&msg));
    }

    // Columns and the protocol item's text, written in the attribute walk.
    let mut summary = info::Summary::start(ctx, &msg);
    header(ctx, st, ti, m, &msg);
    attributes(
        ctx,
        (st, ti),
        m,
        &msg,
        (&checks, class),
        (bytes, &mut summary),
        srtp_pending,
    );
    summary.set(ctx, ti, std::iter::empty());
    links::show_transaction(ctx, st, ti, class, seen);
    links::show_links(ctx, (st, ti), &msg, (method, class), seen);
    if let Some(a) = answer {
        analysis::show(ctx, st, ti, a);
    }
}

/// The attributes of `msg` (at tvb offset `m`) under the message `st`/`ti`. In a tree nobody
/// sees, only the referenced items are added, straight under the message; expert items then
/// go to the message item. `srtp_pending`: an ICE check whose SRTP evidence the loop decides.
/// The walk writes the `summary` too, and sets it before an attribute that hands data on.
#[inline]
fn attributes<'p>(
    ctx: &Ctx<'p>,
    (st, ti): (Tree<'p>, Item<'p>),
    m: usize,
    msg: &Message<&[u8]>,
    (checks, class): (&Checks, Class),
    (bytes, summary): (&[u8], &mut info::Summary<'p>),
    mut srtp_pending: bool,
) {
    if msg.length() > 0 {
        let f = ctx.f;
        let (at, at_item) = if ctx.visible {
            let (at, item) = st.add_subtree(
                f.ett_attrs,
                ctx.tvb,
                m + HEADER_LEN,
                msg.length() as usize,
                c"Attributes",
            );
            (at, item.or(ti))
        } else {
            (st, ti)
        };
        let mut walk = msg.attributes();
        while let Some(a) = walk.next() {
            summary.attribute(&a);
            match a {
                Ok(a) => {
                    if a.role() == Role::Data {
                        // Its dissectors write the columns after msstun's text.
                        summary.set(ctx, ti, walk.clone());
                    }
                    if srtp_pending {
                        let (decided, shown) = srtp_decided(&a, msg);
                        if decided {
                            srtp_pending = false;
                            if shown {
                                relayed::srtp_evidence(ctx);
                            }
                        }
                    }
                    attribute::dissect_attribute(ctx, (at, at_item), m, &a, checks, class, bytes)
                }
                Err(e) => ctx.expert(at_item, Expert::Malformed, ctx.text(&e.to_string())),
            }
        }
    }
}

/// In the attribute loop of a Binding that may show SRTP: whether [`shows_srtp`] is decided
/// before attribute `a` is dissected, and its answer. An integrity attribute is the
/// evidence; an attribute that relays data (whose media reads the evidence) asks the whole
/// message first.
fn srtp_decided<T: AsRef<[u8]>>(a: &msstun::Attribute<'_>, msg: &Message<T>) -> (bool, bool) {
    match a.role() {
        Role::Integrity | Role::IntegritySha256 => (true, true),
        Role::Data => (true, shows_srtp(msg)),
        _ => (false, false),
    }
}

/// The XOR-PEER-ADDRESS of a message.
pub(super) fn peer_of<T: AsRef<[u8]>>(msg: &Message<T>) -> Option<std::net::SocketAddr> {
    msg.attributes()
        .map_while(Result::ok)
        .find(|a| a.role() == msstun::Role::PeerAddress)
        .and_then(|a| a.address()?.ok())
        .map(|a| std::net::SocketAddr::new(a.ip, a.port))
}

/// A message the parser rejects: its type and length, and why.
fn malformed<'p>(
    ctx: &Ctx<'p>,
    st: Tree<'p>,
    ti: Item<'p>,
    m: usize,
    bytes: &[u8],
    e: msstun::Error,
) {
    let f = ctx.f;
    // Cut by the capture, not by the sender (an ICMP error quoting the first bytes of a
    // datagram, a snapshot length): what Wireshark calls "packet size limited during
    // capture", not a malformed message.
    let cut = matches!(e, msstun::Error::Truncated { .. })
        && (!ctx.tvb.whole() || ctx.pinfo.in_error_pkt())
        && m + bytes.len() == ctx.tvb.bytes().len();
    if cut {
        let text = ctx.text(&format!("STUN message cut by the capture: {e}"));
        info::set_columns(ctx, text);
        ti.append_text(text);
        return;
    }
    let text = ctx.text(&format!("Malformed STUN message: {e}"));
    info::set_columns(ctx, text);
    ti.append_text(text);
    if bytes.len() >= 4 {
        st.add_uint(
            f.msg_type,
            ctx.tvb,
            m,
            2,
            u16::from_be_bytes([bytes[0], bytes[1]]) as u32,
        );
        st.add_uint(
            f.length,
            ctx.tvb,
            m + 2,
            2,
            u16::from_be_bytes([bytes[2], bytes[3]]) as u32,
        );
    }
    ctx.expert(ti, Expert::Malformed, text);
}

/// The header's items: type, method, class, length, cookie, transaction id, dialect, and
/// the deviations the dialect tolerates.
fn header<'p, T: AsRef<[u8]>>(
    ctx: &Ctx<'p>,
    st: Tree<'p>,
    ti: Item<'p>,
    m: usize,
    msg: &Message<T>,
) {
    let f = ctx.f;
    // A tree nobody sees and no header field referenced (`-Y msstun`, say): only the
    // deviations' expert item.
    let items = ctx.visible || HEADER_REFS.any(|| header_hfs(f));
    if items {
        header_items(ctx, st, m, msg);
    }
    let deviations = msg.deviations();
    if !deviations.is_empty() {
        let mut t = String::from("Tolerated deviation: ");
        let _ = write!(t, "{}", deviations.describe());
        ctx.expert(ti, Expert::Deviation, ctx.text(&t));
    }
}

/// The header's items (those wanted: see [`Ctx::want`]).
fn header_items<'p, T: AsRef<[u8]>>(ctx: &Ctx<'p>, st: Tree<'p>, m: usize, msg: &Message<T>) {
    let f = ctx.f;
    let (method, class) = msg.method_class();
    let dialect = msg.dialect();
    ctx.add_uint(st, f.msg_type, m, 2, msg.message_type() as u32);
    if ctx.want(f.method) {
        let name = f
            .method_cname(method.name)
            .unwrap_or_else(|| ctx.text(method.name));
        st.add_uint_named(f.method, ctx.tvb, (m, 2), method.code as u32, name, 3);
    }
    ctx.add_uint(st, f.class, m, 2, class.bits() as u32);
    ctx.add_uint(st, f.length, m + 2, 2, msg.length() as u32);
    let tid_at = if dialect.has_cookie() {
        ctx.add_uint(st, f.cookie, m + 4, 4, msg.cookie());
        8
    } else {
        4
    };
    ctx.add_item(
        st,
        f.transaction_id,
        m + tid_at,
        HEADER_LEN - tid_at,
        Encoding::Na,
    );
    ctx.add_generated(st, f.dialect, m, 0, dialect.code() as u32);
}
