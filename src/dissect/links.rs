//! What the capture-wide session state knows of a message, shown on it: request/response
//! links and response time, retransmissions, the allocation, RFC 6062 links.

use msstun::registry::method::{CONNECT, CONNECTION_BIND};
use msstun::{Class, Message};

use super::Ctx;
use crate::epan::{Hf, Item, PStr, Tree};
use crate::expert::Expert;
use crate::session::{Addr, Origins, Seen};

/// A generated address (IPv4 or IPv6 field by family) and port.
fn add_addr<'p>(ctx: &Ctx<'p>, tree: Tree<'p>, (v4, v6, port): (Hf, Hf, Hf), a: Addr) {
    if !(ctx.want(v4) || ctx.want(v6) || ctx.want(port)) {
        return;
    }
    tree.add_ip(v4, v6, ctx.tvb, 0, 0, a.ip).set_generated();
    tree.add_uint(port, ctx.tvb, 0, 0, a.port as u32)
        .set_generated();
}

/// Request/response links, response time and retransmissions.
pub(super) fn show_transaction<'p>(
    ctx: &Ctx<'p>,
    st: Tree<'p>,
    ti: Item<'p>,
    class: Class,
    seen: &Seen,
) {
    let f = ctx.f;
    let Some((req, req_time, resp)) = seen.txn else {
        return;
    };
    match class {
        Class::Request => {
            if let Some(orig) = seen.retrans {
                let it = if ctx.want(f.retransmission) {
                    st.add_text(
                        f.retransmission,
                        ctx.tvb,
                        0,
                        0,
                        PStr::of(c"This is a retransmission"),
                    )
                    .set_generated()
                    .or(ti)
                } else {
                    ti
                };
                ctx.add_frame(st, f.retransmission_of, orig);
                let t = ctx.text(&format!("Retransmission of the request in frame {orig}"));
                ctx.expert(it, Expert::Retransmission, t);
            }
            match resp {
                Some(r) => {
                    ctx.add_frame(st, f.response_in, r);
                }
                None if ctx.visited && seen.retrans.is_none() => {
                    ctx.expert(ti, Expert::Unanswered, PStr::of(c"Request never answered"));
                }
                None => {}
            }
        }
        Class::SuccessResponse | Class::ErrorResponse => {
            if resp.is_some() {
                ctx.add_frame(st, f.response_to, req);
                if ctx.want(f.time) {
                    let now = ctx.pinfo.abs_time();
                    let ns = (now.0 - req_time.0) * 1_000_000_000 + (now.1 - req_time.1) as i64;
                    st.add_reltime(f.time, ctx.tvb, ns.max(0));
                }
            }
        }
        Class::Indication => {}
    }
}

/// Where an `msstun.tcp_data` subtree is shown.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum TcpDataAt {
    /// On a ConnectionAttempt indication.
    Attempt,
    /// On a Connect success response.
    Connect,
    /// On the data connection.
    Data,
}

const NO_ORIGIN: PStr<'static> = PStr::of(
    c"ConnectionBind with no matching ConnectionAttempt or Connect response in this capture",
);

/// Allocation and RFC 6062 links of `msg` (its method code and class as read by the
/// caller).
pub(super) fn show_links<'p, T: AsRef<[u8]>>(
    ctx: &Ctx<'p>,
    (st, ti): (Tree<'p>, Item<'p>),
    msg: &Message<T>,
    (method, class): (u16, Class),
    seen: &Seen,
) {
    // Only messages from the Allocate success on belong to the allocation (and so one
    // pass and two passes show the same tree).
    show_allocation(ctx, st, seen.alloc.filter(|(frame, _)| ctx.num >= *frame));
    if msg.dialect().is_ms_turn() {
        return;
    }
    let bind_request = method == CONNECTION_BIND && class == Class::Request;
    if seen.announces {
        announced(ctx, st, method == CONNECT, seen);
    } else if let Some(d) = seen.data {
        show_tcp_data(
            ctx,
            st,
            d.connection_id,
            seen.origins,
            (Some(d.bind_frame), None),
            TcpDataAt::Data,
        );
        if bind_request && seen.origins.any().is_none() {
            ctx.expert(ti, Expert::BindNoAttempt, NO_ORIGIN);
        }
        if method == CONNECTION_BIND
            && class == Class::SuccessResponse
            && d.bound_frame == Some(ctx.num)
        {
            let peer = seen
                .origins
                .peer()
                .map(|p| format!(" to peer {}", std::net::SocketAddr::new(p.ip, p.port)))
                .unwrap_or_default();
            let text = format!(
                "From here on this TCP connection is an RFC 6062 data connection (CONNECTION-ID 0x{:08x}){peer}",
                d.connection_id
            );
            ctx.expert(ti, Expert::DataConnection, ctx.text(&text));
        }
    } else if bind_request && seen.origins.any().is_none() {
        ctx.expert(ti, Expert::BindNoAttempt, NO_ORIGIN);
    }
}

/// The RFC 6062 link on the message that first announced its CONNECTION-ID (a
/// ConnectionAttempt indication, or a Connect success response when `connect`).
fn announced<'p>(ctx: &Ctx<'p>, st: Tree<'p>, connect: bool, seen: &Seen) {
    let (at, own) = if connect {
        (TcpDataAt::Connect, seen.origins.connect)
    } else {
        (TcpDataAt::Attempt, seen.origins.attempt)
    };
    let (Some(a), Some(id)) = (own.filter(|a| a.frame == ctx.num), seen.cid) else {
        return;
    };
    let o = if connect {
        Origins {
            attempt: None,
            connect: Some(a),
        }
    } else {
        Origins {
            attempt: Some(a),
            connect: None,
        }
    };
    show_tcp_data(ctx, st, id, o, (None, a.bound_frame), at);
}

fn show_allocation<'p>(ctx: &Ctx<'p>, st: Tree<'p>, alloc: Option<(u32, Option<Addr>)>) {
    let f = ctx.f;
    let Some((frame, relayed)) = alloc else {
        return;
    };
    let it = ctx.add_frame(st, f.allocation, frame);
    if let Some(a) = relayed {
        let sub = if it.is_none() {
            st
        } else {
            it.subtree(f.ett_allocation)
        };
        add_addr(
            ctx,
            sub,
            (f.relayed_ipv4, f.relayed_ipv6, f.relayed_port),
            a,
        );
    }
}

/// The `msstun.tcp_data` subtree: CONNECTION-ID, peer, and the frames of the link
/// (`frames`: the ConnectionBind request and success response, as far as shown here).
pub(super) fn show_tcp_data<'p>(
    ctx: &Ctx<'p>,
    st: Tree<'p>,
    cid: u32,
    origins: Origins,
    (bind, bound): (Option<u32>, Option<u32>),
    at: TcpDataAt,
) {
    let f = ctx.f;
    let sub = if ctx.want(f.tcp_data) {
        let label = match at {
            TcpDataAt::Attempt => c"RFC 6062 connection attempt (peer-initiated)",
            TcpDataAt::Connect => c"RFC 6062 connection (client-initiated Connect)",
            TcpDataAt::Data => c"RFC 6062 data connection",
        };
        st.add_text(f.tcp_data, ctx.tvb, 0, 0, PStr::of(label))
            .set_generated()
            .subtree(f.ett_tcp_data)
    } else {
        st
    };
    ctx.add_generated(sub, f.td_connection_id, 0, 0, cid);
    if let Some(p) = origins.peer() {
        add_addr(
            ctx,
            sub,
            (f.td_peer_ipv4, f.td_peer_ipv6, f.td_peer_port),
            p,
        );
    }
    if at == TcpDataAt::Data {
        if let Some(a) = origins.attempt {
            ctx.add_frame(sub, f.td_attempt_in, a.frame);
        }
        if let Some(c) = origins.connect {
            ctx.add_frame(sub, f.td_connect_in, c.frame);
        }
    }
    if let Some(b) = bind {
        ctx.add_frame(sub, f.td_bind_in, b);
    }
    if let Some(b) = bound {
        ctx.add_frame(sub, f.td_bound_in, b);
    }
}
