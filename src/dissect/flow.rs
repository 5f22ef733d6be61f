//! The MSSTUN flow of Wireshark's sequence analysis (Statistics → Flow Graph → MSSTUN,
//! `tshark -z flow,msstun,standard|network`): one arrow per STUN message, labelled with its
//! method and class ("Allocate Error Response 401"), commented with what msstun decoded and
//! the session analysis knows (error, peer, allocation and its relayed address, ICE session
//! and pair, findings). The arrow's endpoints are the frame's addresses and ports (for STUN
//! found in relayed data: those of the carrier), set by the shim (`wireshark-include/seq.c`).

use std::fmt::Write as _;
use std::net::SocketAddr;

use msstun::classify::Carrier;
use msstun::{registry, Class, Message};
use msstun_analysis::Answer;

use super::Ctx;
use crate::epan::seq;
use crate::session;

/// Queue the arrow of `msg` when a flow graph listens (one check otherwise).
#[inline]
pub(super) fn queue<T: AsRef<[u8]>>(ctx: &Ctx<'_>, msg: &Message<T>, answer: Option<&Answer>) {
    if !seq::active() {
        return;
    }
    let relayed = answer
        .and_then(|a| a.allocation)
        .and_then(|id| session::with(|s| s.analysis.relayed_address(id)));
    let peer = super::message::peer_of(msg);
    let (label, comment) = texts(
        msg,
        answer,
        relayed,
        peer,
        super::relayed::found_in(ctx).map(|c| c.carrier),
    );
    seq::queue(ctx.pinfo, ctx.text(&label), ctx.text(&comment));
}

/// The label and the comment of the arrow of `msg`: `relayed` is the relayed address of its
/// allocation, `peer` its XOR-PEER-ADDRESS, `carried` what carried it in relayed data.
pub(super) fn texts<T: AsRef<[u8]>>(
    msg: &Message<T>,
    answer: Option<&Answer>,
    relayed: Option<SocketAddr>,
    peer: Option<SocketAddr>,
    carried: Option<Carrier>,
) -> (String, String) {
    let (method, class) = msg.method_class();
    let error = if class == Class::ErrorResponse {
        msg.attributes()
            .map_while(Result::ok)
            .find_map(|a| a.error_code())
            .map(|(code, _)| code)
    } else {
        None
    };
    let mut label = format!("{} {}", method.name, class.name());
    let mut parts: Vec<String> = Vec::new();
    if let Some(code) = error {
        let _ = write!(label, " {code}");
        // First in the comment: tshark's text diagram cuts labels at 20 characters.
        parts.push(match registry::error_name(code) {
            Some(name) => format!("{code} {name}"),
            None => format!("error {code}"),
        });
    }
    // Most telling first (the GUI's Comment column is narrow): the pair, the findings, the
    // peer, then the allocation.
    if let Some(a) = answer {
        match (a.ice_session, a.pair) {
            (_, Some(p)) => parts.push(match a.pair_state {
                Some(st) => format!("ICE pair {p} ({})", st.key()),
                None => format!("ICE pair {p}"),
            }),
            (Some(s), None) => parts.push(format!("ICE session {s}")),
            _ => {}
        }
        let findings: Vec<&str> = a.events.iter().map(|e| e.key()).collect();
        if !findings.is_empty() {
            parts.push(format!("finding {}", findings.join(", ")));
        }
    }
    if let Some(p) = peer {
        parts.push(format!("peer {p}"));
    }
    if let Some(id) = answer.and_then(|a| a.allocation) {
        parts.push(match relayed {
            Some(r) => format!("allocation {id} (relayed {r})"),
            None => format!("allocation {id}"),
        });
    }
    if let Some(c) = carried {
        parts.push(format!("in {}", c.name()));
    }
    (label, parts.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use msstun::build::MessageBuilder;
    use msstun::registry::method;
    use msstun::Dialect;

    fn msg(m: u16, class: Class, f: impl FnOnce(MessageBuilder) -> MessageBuilder) -> Vec<u8> {
        f(MessageBuilder::new(Dialect::Rfc5389, m, class, &[7; 12]))
            .as_bytes()
            .to_vec()
    }

    #[test]
    fn label_is_method_class_and_error_code() {
        let b = msg(method::ALLOCATE, Class::ErrorResponse, |b| {
            b.error_code(401, "Unauthorized")
        });
        let m = Message::new_checked(&b[..]).unwrap();
        let answer = Answer {
            allocation: Some(1),
            ..Answer::default()
        };
        let (label, comment) = texts(&m, Some(&answer), None, None, None);
        assert_eq!(label, "Allocate Error Response 401");
        assert_eq!(comment, "401 Unauthenticated; allocation 1");
    }

    #[test]
    fn comment_names_peer_allocation_pair_and_carrier() {
        let peer: SocketAddr = "192.168.1.252:53577".parse().unwrap();
        let relayed: SocketAddr = "10.48.54.229:24000".parse().unwrap();
        let b = msg(method::CONNECTION_ATTEMPT, Class::Indication, |b| b);
        let m = Message::new_checked(&b[..]).unwrap();
        let answer = Answer {
            allocation: Some(2),
            ..Answer::default()
        };
        let (label, comment) = texts(&m, Some(&answer), Some(relayed), Some(peer), None);
        assert_eq!(label, "ConnectionAttempt Indication");
        assert_eq!(
            comment,
            "peer 192.168.1.252:53577; allocation 2 (relayed 10.48.54.229:24000)"
        );
        let b = msg(method::BINDING, Class::Request, |b| b);
        let m = Message::new_checked(&b[..]).unwrap();
        let answer = Answer {
            ice_session: Some(1),
            pair: Some(3),
            pair_state: Some(msstun_analysis::PairState::InProgress),
            ..Answer::default()
        };
        let (_, comment) = texts(&m, Some(&answer), None, None, Some(Carrier::ChannelData));
        assert_eq!(
            comment,
            format!(
                "ICE pair 3 (in-progress); in {}",
                Carrier::ChannelData.name()
            )
        );
    }
}
