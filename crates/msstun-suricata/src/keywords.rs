//! Values of the detection keywords, parsed and matched without Suricata:
//! `msstun.method`, `msstun.class`, `msstun.error_code`, `msstun.dialect` take a number or
//! a name, optionally with `!`, `<`, `>`, `<=`, `>=`, or a range `N-M` (numbers).
//!
//! * `msstun.method`: `Allocate`, `binding`, `ConnectionBind`, `connection_bind`, … (the
//!   registry's names, case and `_`/`-` ignored) or the 12-bit method code;
//! * `msstun.class`: `request` 0, `indication` 1, `success` 2, `error` 3;
//! * `msstun.error_code`: the ERROR-CODE number (`403`, `>=400`, `430-439`);
//! * `msstun.dialect`: `rfc5389` 1, `rfc3489` 2, `ms-turn` 3, `ms-turn-5389` 4, and
//!   `microsoft` (either [MS-TURN] dialect, `>=3`).
//!
//! A transaction matches when any of its messages does.

use msstun::{Class, Dialect};

/// A parsed keyword value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UintMatch {
    op: Op,
    a: u32,
    b: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Range,
}

impl UintMatch {
    /// Whether `v` matches.
    pub fn matches(&self, v: u32) -> bool {
        match self.op {
            Op::Eq => v == self.a,
            Op::Ne => v != self.a,
            Op::Lt => v < self.a,
            Op::Le => v <= self.a,
            Op::Gt => v > self.a,
            Op::Ge => v >= self.a,
            Op::Range => v >= self.a && v <= self.b,
        }
    }
}

fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '_' | '-' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Parse `s` with `name` resolving names to values (names for `=`/`!` only).
fn parse(s: &str, name: impl Fn(&str) -> Option<UintMatch>) -> Option<UintMatch> {
    let s = s.trim().trim_matches('"').trim();
    let (op, rest) = if let Some(r) = s.strip_prefix("<=") {
        (Op::Le, r)
    } else if let Some(r) = s.strip_prefix(">=") {
        (Op::Ge, r)
    } else if let Some(r) = s.strip_prefix('<') {
        (Op::Lt, r)
    } else if let Some(r) = s.strip_prefix('>') {
        (Op::Gt, r)
    } else if let Some(r) = s.strip_prefix('!') {
        (Op::Ne, r)
    } else {
        (Op::Eq, s)
    };
    let rest = rest.trim();
    if let Ok(a) = rest.parse::<u32>() {
        return Some(UintMatch { op, a, b: 0 });
    }
    if op == Op::Eq {
        if let Some((x, y)) = rest.split_once('-') {
            if let (Ok(a), Ok(b)) = (x.trim().parse::<u32>(), y.trim().parse::<u32>()) {
                return (a <= b).then_some(UintMatch {
                    op: Op::Range,
                    a,
                    b,
                });
            }
        }
    }
    let m = name(&norm(rest))?;
    match (op, m.op) {
        (Op::Eq, _) => Some(m),
        (Op::Ne, Op::Eq) => Some(UintMatch { op: Op::Ne, ..m }),
        _ => None,
    }
}

fn eq(a: u32) -> Option<UintMatch> {
    Some(UintMatch {
        op: Op::Eq,
        a,
        b: 0,
    })
}

/// `msstun.method` value.
pub fn parse_method(s: &str) -> Option<UintMatch> {
    parse(s, |n| {
        msstun::registry::METHODS
            .iter()
            .find(|m| norm(m.name) == n)
            .and_then(|m| eq(u32::from(m.code)))
    })
}

/// The class's keyword number.
pub const fn class_code(c: Class) -> u32 {
    match c {
        Class::Request => 0,
        Class::Indication => 1,
        Class::SuccessResponse => 2,
        Class::ErrorResponse => 3,
    }
}

/// `msstun.class` value.
pub fn parse_class(s: &str) -> Option<UintMatch> {
    parse(s, |n| match n {
        "request" => eq(0),
        "indication" => eq(1),
        "success" | "successresponse" => eq(2),
        "error" | "errorresponse" => eq(3),
        _ => None,
    })
}

/// `msstun.error_code` value (numbers only).
pub fn parse_error_code(s: &str) -> Option<UintMatch> {
    parse(s, |_| None)
}

/// `msstun.dialect` value.
pub fn parse_dialect(s: &str) -> Option<UintMatch> {
    parse(s, |n| match n {
        "microsoft" | "ms" => Some(UintMatch {
            op: Op::Ge,
            a: u32::from(Dialect::MsTurn.code()),
            b: 0,
        }),
        _ => Dialect::ALL
            .iter()
            .find(|d| norm(d.key()) == n)
            .and_then(|d| eq(u32::from(d.code()))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_numbers_and_operators() {
        let m = parse_method("Allocate").unwrap();
        assert!(m.matches(3) && !m.matches(1));
        assert_eq!(
            parse_method("connection_bind"),
            parse_method("ConnectionBind")
        );
        assert!(parse_method("0x3").is_none());
        assert!(parse_method("!binding").unwrap().matches(3));
        assert!(parse_method("Nope").is_none());
        assert!(parse_class("error").unwrap().matches(3));
        assert!(parse_class(" success ").unwrap().matches(2));
        let e = parse_error_code("403").unwrap();
        assert!(e.matches(403) && !e.matches(401));
        let r = parse_error_code("430-439").unwrap();
        assert!(r.matches(437) && !r.matches(440));
        assert!(parse_error_code(">=400").unwrap().matches(500));
        assert!(parse_error_code("forbidden").is_none());
        let d = parse_dialect("microsoft").unwrap();
        assert!(d.matches(3) && d.matches(4) && !d.matches(1));
        assert!(parse_dialect("ms-turn").unwrap().matches(3));
        assert!(!parse_dialect("ms-turn").unwrap().matches(4));
        assert!(parse_dialect("rfc5389").unwrap().matches(1));
    }
}
