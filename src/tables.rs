//! The allocation and ICE tables of `-z msstun,alloc` and `-z msstun,ice`, and their stats
//! trees (Statistics → MS-STUN → Allocations / ICE), fed from `msstun` tap records.
//!
//! Each tshark listener owns its own table, fed only the records its display filter passes.
//! The grouping here is deliberately simple (allocations by client and server transport
//! address, ICE checks by USERNAME and address pair); it is the placeholder for the analysis
//! crate (issue 12), which will produce these tables from the same records.

use std::collections::BTreeMap;
use std::ffi::{c_char, c_int, c_void, CString};
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Mutex;

use msstun::registry::method::{
    ALLOCATE, BINDING, CHANNEL_BIND, CONNECT, CONNECTION_ATTEMPT, CREATE_PERMISSION, REFRESH,
};
use msstun::{Class, Message};

use crate::ffi::{self, msstun_tap_record};

/// `MSSTUN_TABLE_ALLOC`.
pub const KIND_ALLOC: c_int = 1;
/// `MSSTUN_TABLE_ICE`.
pub const KIND_ICE: c_int = 2;

/// What a table needs of a tap record (owned, so it is testable without Wireshark).
#[derive(Debug, Clone)]
pub struct Rec<'a> {
    /// Frame number.
    pub frame: u32,
    /// TCP (else UDP).
    pub tcp: bool,
    /// Source transport address.
    pub src: SocketAddr,
    /// Destination transport address.
    pub dst: SocketAddr,
    /// Carried inside relayed data or a data connection (not the packet's own flow).
    pub carrier: u8,
    /// The STUN message.
    pub bytes: &'a [u8],
}

impl<'a> Rec<'a> {
    /// # Safety
    /// `r` is a record the tap passed; its bytes are valid for `'a`.
    unsafe fn from_c(r: &'a msstun_tap_record) -> Option<Rec<'a>> {
        let ip = |b: &[u8; 16]| -> Option<IpAddr> {
            match r.family {
                4 => Some(IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3]))),
                6 => Some(IpAddr::V6(Ipv6Addr::from(*b))),
                _ => None,
            }
        };
        let bytes = if r.bytes.is_null() {
            &[][..]
        } else {
            std::slice::from_raw_parts(r.bytes, r.len as usize)
        };
        Some(Rec {
            frame: r.frame,
            tcp: r.transport == 6,
            src: SocketAddr::new(ip(&r.src)?, r.src_port),
            dst: SocketAddr::new(ip(&r.dst)?, r.dst_port),
            carrier: r.carrier,
            bytes,
        })
    }
}

/// One allocation: a client's Allocate transactions with one server transport address.
#[derive(Debug, Default, Clone)]
struct Allocation {
    first_frame: u32,
    requests: u32,
    errors: BTreeMap<u16, u32>,
    relayed: Option<SocketAddr>,
    lifetime: Option<u32>,
    refreshes: u32,
    deleted_in: Option<u32>,
    permissions: u32,
    channels: u32,
    data_connections: u32,
}

impl Allocation {
    /// Where the allocation stands.
    fn end(&self) -> String {
        match (self.deleted_in, self.relayed) {
            (Some(_), _) => "deleted".to_string(),
            (None, Some(r)) => format!(
                "granted: relayed {r}, lifetime {} s",
                self.lifetime
                    .map_or_else(|| "?".to_string(), |l| l.to_string())
            ),
            (None, None) => "requested".to_string(),
        }
    }
}

/// Client, server and transport of an allocation.
type AllocKey = (bool, SocketAddr, SocketAddr);

/// Per direction of a candidate pair.
#[derive(Debug, Default, Clone, Copy)]
struct Dir {
    requests: u32,
    success: u32,
    errors: u32,
    use_candidate: bool,
}

/// One candidate pair: the two transport addresses, lower first.
#[derive(Debug, Default, Clone)]
struct Pair {
    dirs: [Dir; 2],
    nominated_in: Option<u32>,
}

impl Pair {
    fn state(&self) -> &'static str {
        let ok = |d: &Dir| d.success > 0;
        match (ok(&self.dirs[0]), ok(&self.dirs[1])) {
            (true, true) if self.nominated_in.is_some() => "nominated",
            (true, true) => "valid",
            (true, false) | (false, true) => "succeeded one way",
            _ if self.dirs.iter().any(|d| d.errors > 0) => "failed",
            _ => "in progress",
        }
    }
}

/// A pair: lower address, higher address, TCP.
type PairKey = (SocketAddr, SocketAddr, bool);
/// An open Binding check: session, pair, direction, USE-CANDIDATE.
type OpenCheck = (String, PairKey, usize, bool);

/// A table of one kind.
#[derive(Debug, Default)]
pub struct Table {
    kind: c_int,
    /// The listener's display filter.
    filter: Option<String>,
    /// (transport TCP, client, server) → allocation.
    allocs: BTreeMap<AllocKey, Allocation>,
    /// session → (lower, higher, tcp) → pair.
    sessions: BTreeMap<String, BTreeMap<PairKey, Pair>>,
    /// Open Binding transactions: transaction id → (session, pair key, direction).
    open: BTreeMap<Vec<u8>, OpenCheck>,
    text: Option<CString>,
}

fn attr_key<'m>(msg: &'m Message<&[u8]>, key: &str) -> Option<msstun::Attribute<'m>> {
    msg.attributes()
        .flatten()
        .find(|a| a.desc.is_some_and(|d| d.key == key))
}

/// The ICE session of a USERNAME: its two fragments in a fixed order, so both agents'
/// checks ("R:L" and "L:R") meet.
fn session_of(user: &str) -> String {
    match user.split_once(':') {
        Some((a, b)) if a <= b => format!("{a}:{b}"),
        Some((a, b)) => format!("{b}:{a}"),
        None => user.to_string(),
    }
}

impl Table {
    /// An empty table of `kind` ([`KIND_ALLOC`] or [`KIND_ICE`]).
    pub fn new(kind: c_int, filter: Option<&str>) -> Table {
        Table {
            kind,
            filter: filter.map(str::to_string),
            ..Table::default()
        }
    }

    /// Feed one record (frame order). Returns the stats-tree node paths the record ticks
    /// (GUI; see [`Table::tree_paths`]).
    pub fn add(&mut self, r: &Rec<'_>) -> Vec<String> {
        let mut paths = Vec::new();
        let Ok(msg) = Message::new_checked(r.bytes) else {
            return paths;
        };
        match self.kind {
            KIND_ALLOC => self.add_alloc(r, &msg, &mut paths),
            KIND_ICE => self.add_ice(r, &msg, &mut paths),
            _ => {}
        }
        paths
    }

    fn add_alloc(&mut self, r: &Rec<'_>, msg: &Message<&[u8]>, paths: &mut Vec<String>) {
        if r.carrier != 0 {
            return;
        }
        let (method, class) = msg.method_class();
        if method.code == BINDING {
            return;
        }
        let (client, server) = if class == Class::Request {
            (r.src, r.dst)
        } else {
            (r.dst, r.src)
        };
        let key = (r.tcp, client, server);
        let t = if r.tcp { "TCP" } else { "UDP" };
        let name = format!("{t} {client} -> {server}");
        if method.code == ALLOCATE || self.allocs.contains_key(&key) {
            paths.push(format!(
                "Allocations/{name}/{} {}",
                method.name,
                class.name()
            ));
        }
        let before = self.allocs.get(&key).map(Allocation::end);
        self.alloc_update(r, msg, key);
        if let Some(a) = self.allocs.get(&key) {
            let after = a.end();
            if before.as_ref() != Some(&after) {
                paths.push(format!(
                    "Allocation events/{name}/{after} (frame {})",
                    r.frame
                ));
            }
        }
    }

    fn alloc_update(&mut self, r: &Rec<'_>, msg: &Message<&[u8]>, key: AllocKey) {
        let (method, class) = msg.method_class();
        if method.code == ALLOCATE {
            let a = self.allocs.entry(key).or_insert_with(|| Allocation {
                first_frame: r.frame,
                ..Allocation::default()
            });
            match class {
                Class::Request => a.requests += 1,
                Class::SuccessResponse => {
                    a.relayed = attr_key(msg, "xor_relayed_address")
                        .and_then(|x| x.address())
                        .and_then(Result::ok)
                        .map(|x| SocketAddr::new(x.ip, x.port));
                    a.lifetime = attr_key(msg, "lifetime").and_then(|x| x.as_u32());
                }
                Class::ErrorResponse => {
                    if let Some((code, _)) = msg.attributes().flatten().find_map(|x| x.error_code())
                    {
                        *a.errors.entry(code).or_default() += 1;
                    }
                }
                Class::Indication => {}
            }
            return;
        }
        let Some(a) = self.allocs.get_mut(&key) else {
            return;
        };
        match (method.code, class) {
            (REFRESH, Class::Request) => {
                a.refreshes += 1;
                if attr_key(msg, "lifetime").and_then(|x| x.as_u32()) == Some(0) {
                    a.deleted_in = Some(r.frame);
                }
            }
            (CREATE_PERMISSION, Class::SuccessResponse) => a.permissions += 1,
            (CHANNEL_BIND, Class::SuccessResponse) => a.channels += 1,
            (CONNECTION_ATTEMPT, Class::Indication) | (CONNECT, Class::SuccessResponse) => {
                a.data_connections += 1
            }
            (_, Class::ErrorResponse) => {
                if let Some((code, _)) = msg.attributes().flatten().find_map(|x| x.error_code()) {
                    *a.errors.entry(code).or_default() += 1;
                }
            }
            _ => {}
        }
    }

    fn add_ice(&mut self, r: &Rec<'_>, msg: &Message<&[u8]>, paths: &mut Vec<String>) {
        let (method, class) = msg.method_class();
        if method.code != BINDING {
            return;
        }
        let tid = msg.transaction_id().to_vec();
        match class {
            Class::Request => {
                let Some(user) = attr_key(msg, "username").and_then(|a| a.as_str()) else {
                    return;
                };
                let session = session_of(user);
                let (lo, hi) = if r.src <= r.dst {
                    (r.src, r.dst)
                } else {
                    (r.dst, r.src)
                };
                let dir = usize::from(r.src != lo);
                let key = (lo, hi, r.tcp);
                let use_candidate = attr_key(msg, "use_candidate").is_some();
                let pair = self
                    .sessions
                    .entry(session.clone())
                    .or_default()
                    .entry(key)
                    .or_default();
                let before = pair.state();
                let d = &mut pair.dirs[dir];
                d.requests += 1;
                d.use_candidate |= use_candidate;
                let t = if r.tcp { "TCP" } else { "UDP" };
                let base = format!("{session}/{t} {lo} <-> {hi}");
                paths.push(format!(
                    "ICE checks/{base}/{} -> {}/Binding Request",
                    r.src, r.dst
                ));
                if pair.state() != before || pair.dirs.iter().map(|d| d.requests).sum::<u32>() == 1
                {
                    paths.push(format!(
                        "ICE pair states/{base}/{} (frame {})",
                        pair.state(),
                        r.frame
                    ));
                }
                self.open.insert(tid, (session, key, dir, use_candidate));
            }
            Class::SuccessResponse | Class::ErrorResponse => {
                let Some((session, key, dir, uc)) = self.open.get(&tid).cloned() else {
                    return;
                };
                let Some(pair) = self
                    .sessions
                    .get_mut(&session)
                    .and_then(|s| s.get_mut(&key))
                else {
                    return;
                };
                let before = pair.state();
                let (lo, hi, tcp) = key;
                let (from, to) = if dir == 0 { (lo, hi) } else { (hi, lo) };
                let t = if tcp { "TCP" } else { "UDP" };
                let base = format!("{session}/{t} {lo} <-> {hi}");
                paths.push(format!(
                    "ICE checks/{base}/{from} -> {to}/Binding {}",
                    class.name()
                ));
                if class == Class::SuccessResponse {
                    pair.dirs[dir].success += 1;
                    if uc && pair.nominated_in.is_none() {
                        pair.nominated_in = Some(r.frame);
                    }
                } else {
                    pair.dirs[dir].errors += 1;
                }
                if pair.state() != before {
                    paths.push(format!(
                        "ICE pair states/{base}/{} (frame {})",
                        pair.state(),
                        r.frame
                    ));
                }
            }
            Class::Indication => {}
        }
    }

    fn filter_line(&self, s: &mut String) {
        let _ = writeln!(s, "Filter: {}", self.filter.as_deref().unwrap_or("<none>"));
    }

    /// The table as tshark prints it.
    pub fn text(&self) -> String {
        let mut s = String::new();
        let rule = "=".repeat(80);
        let _ = writeln!(s, "\n{rule}");
        match self.kind {
            KIND_ALLOC => {
                let _ = writeln!(s, "MS-STUN Allocations: {}", self.allocs.len());
                self.filter_line(&mut s);
                let _ = writeln!(s, "{}", "-".repeat(80));
                for (i, ((tcp, client, server), a)) in self.allocs.iter().enumerate() {
                    let t = if *tcp { "TCP" } else { "UDP" };
                    let _ = writeln!(
                        s,
                        "#{} {t} {client} -> {server} (frame {})",
                        i + 1,
                        a.first_frame
                    );
                    let relayed = a.relayed.map_or_else(|| "-".to_string(), |r| r.to_string());
                    let lifetime = a
                        .lifetime
                        .map_or_else(|| "-".to_string(), |l| format!("{l} s"));
                    let _ = writeln!(
                        s,
                        "   relayed {relayed}  lifetime {lifetime}  Allocate requests {}  refreshes {}",
                        a.requests, a.refreshes
                    );
                    let errors: Vec<String> =
                        a.errors.iter().map(|(c, n)| format!("{c}×{n}")).collect();
                    let end = match a.deleted_in {
                        Some(f) => format!("deleted in frame {f}"),
                        None if a.relayed.is_some() => "alive at end of capture".to_string(),
                        None => "not granted".to_string(),
                    };
                    let _ = writeln!(
                        s,
                        "   permissions {}  channels {}  data connections {}  errors {}  {end}",
                        a.permissions,
                        a.channels,
                        a.data_connections,
                        if errors.is_empty() {
                            "-".to_string()
                        } else {
                            errors.join(" ")
                        }
                    );
                }
            }
            _ => {
                let _ = writeln!(s, "MS-STUN ICE sessions: {}", self.sessions.len());
                self.filter_line(&mut s);
                let _ = writeln!(s, "{}", "-".repeat(80));
                for (session, pairs) in &self.sessions {
                    let _ = writeln!(s, "Session {session}: {} pair(s)", pairs.len());
                    for ((lo, hi, tcp), p) in pairs {
                        let t = if *tcp { "TCP" } else { "UDP" };
                        let _ = writeln!(s, "   {t} {lo} <-> {hi}  {}", p.state());
                        for (d, (a, b)) in [(0, (lo, hi)), (1, (hi, lo))] {
                            let x = &p.dirs[d];
                            let _ = writeln!(
                                s,
                                "      {a} -> {b}: requests {}  success {}  errors {}{}",
                                x.requests,
                                x.success,
                                x.errors,
                                if x.use_candidate {
                                    "  USE-CANDIDATE"
                                } else {
                                    ""
                                }
                            );
                        }
                    }
                    let valid: Vec<String> = pairs
                        .iter()
                        .filter(|(_, p)| matches!(p.state(), "valid" | "nominated"))
                        .map(|((lo, hi, _), _)| format!("{lo} <-> {hi}"))
                        .collect();
                    let nominated = pairs
                        .iter()
                        .filter_map(|((lo, hi, _), p)| {
                            p.nominated_in.map(|f| format!("{lo} <-> {hi} (frame {f})"))
                        })
                        .next();
                    let _ = writeln!(
                        s,
                        "   valid: {}  nominated: {}",
                        if valid.is_empty() {
                            "none".to_string()
                        } else {
                            valid.join(", ")
                        },
                        nominated.unwrap_or_else(|| "none".to_string())
                    );
                }
            }
        }
        let _ = writeln!(s, "{rule}");
        s
    }
}

/// `msstun_table_new_fn`.
pub unsafe extern "C" fn table_new(kind: c_int, filter: *const c_char) -> *mut c_void {
    catch_unwind(|| {
        let filter = if filter.is_null() {
            None
        } else {
            // SAFETY: a NUL-terminated string from the tap's option.
            unsafe { std::ffi::CStr::from_ptr(filter) }.to_str().ok()
        };
        Box::into_raw(Box::new(Table::new(kind, filter))) as *mut c_void
    })
    .unwrap_or(std::ptr::null_mut())
}

/// `msstun_table_packet_fn`.
pub unsafe extern "C" fn table_packet(t: *mut c_void, rec: *const msstun_tap_record) {
    if t.is_null() || rec.is_null() {
        return;
    }
    let _ = catch_unwind(AssertUnwindSafe(|| {
        if let Some(r) = Rec::from_c(&*rec) {
            (*(t as *mut Table)).add(&r);
        }
    }));
}

/// `msstun_table_text_fn`: the text, owned by the table until the next call or its end.
pub unsafe extern "C" fn table_text(t: *mut c_void) -> *const c_char {
    if t.is_null() {
        return std::ptr::null();
    }
    catch_unwind(AssertUnwindSafe(|| {
        let table = &mut *(t as *mut Table);
        let text = CString::new(table.text().replace('\0', " ")).unwrap_or_default();
        table.text.insert(text).as_ptr()
    }))
    .unwrap_or(std::ptr::null())
}

/// `msstun_table_free_fn`.
pub unsafe extern "C" fn table_free(t: *mut c_void) {
    if !t.is_null() {
        let _ = catch_unwind(|| drop(Box::from_raw(t as *mut Table)));
    }
}

/// The tables behind the GUI's stats trees, one per open tree (keyed by its address).
static TREES: Mutex<BTreeMap<usize, Table>> = Mutex::new(BTreeMap::new());

/// `msstun_table_tree_fn`: feed one record to the table of stats tree `st` and tick the
/// nodes it yields. `rec` NULL: a new tree (`kind` > 0) or its end (`kind` 0).
pub unsafe extern "C" fn table_tree(st: *mut c_void, kind: c_int, rec: *const msstun_tap_record) {
    if st.is_null() {
        return;
    }
    let _ = catch_unwind(AssertUnwindSafe(|| {
        let mut trees = TREES.lock().unwrap_or_else(|e| e.into_inner());
        let key = st as usize;
        if rec.is_null() {
            if kind == 0 {
                trees.remove(&key);
            } else {
                trees.insert(key, Table::new(kind, None));
            }
            return;
        }
        let Some(r) = Rec::from_c(&*rec) else { return };
        let paths = trees
            .entry(key)
            .or_insert_with(|| Table::new(kind, None))
            .add(&r);
        drop(trees);
        for path in paths {
            if let Ok(c) = CString::new(path) {
                ffi::msstun_st_tick(st, c.as_ptr());
            }
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binding(class_bits: u16, tid: u8, user: Option<&str>, use_candidate: bool) -> Vec<u8> {
        let mut attrs = Vec::new();
        if let Some(u) = user {
            attrs.extend_from_slice(&[0x00, 0x06]);
            attrs.extend_from_slice(&(u.len() as u16).to_be_bytes());
            attrs.extend_from_slice(u.as_bytes());
            while attrs.len() % 4 != 0 {
                attrs.push(0);
            }
        }
        if use_candidate {
            attrs.extend_from_slice(&[0x00, 0x25, 0, 0]);
        }
        let t: u16 = 0x0001 | class_bits;
        let mut m = Vec::new();
        m.extend_from_slice(&t.to_be_bytes());
        m.extend_from_slice(&(attrs.len() as u16).to_be_bytes());
        m.extend_from_slice(&0x2112_A442u32.to_be_bytes());
        m.extend_from_slice(&[tid; 12]);
        m.extend_from_slice(&attrs);
        m
    }

    fn rec<'a>(frame: u32, src: &str, dst: &str, bytes: &'a [u8]) -> Rec<'a> {
        Rec {
            frame,
            tcp: false,
            src: src.parse().unwrap(),
            dst: dst.parse().unwrap(),
            carrier: 0,
            bytes,
        }
    }

    #[test]
    fn a_pair_is_valid_only_when_both_directions_are_answered() {
        let (a, b) = ("10.0.0.1:5000", "10.0.0.2:6000");
        let mut t = Table::new(KIND_ICE, None);
        let req1 = binding(0x0000, 1, Some("R:L"), false);
        let ok1 = binding(0x0100, 1, None, false);
        t.add(&rec(1, a, b, &req1));
        t.add(&rec(2, b, a, &ok1));
        assert!(t.text().contains("succeeded one way"), "{}", t.text());
        let req2 = binding(0x0000, 2, Some("L:R"), true);
        let ok2 = binding(0x0100, 2, None, false);
        t.add(&rec(3, b, a, &req2));
        assert!(t.text().contains("nominated: none"), "{}", t.text());
        t.add(&rec(4, a, b, &ok2));
        let text = t.text();
        assert!(text.contains("Session L:R: 1 pair(s)"), "{text}");
        assert!(text.contains("10.0.0.2:6000  nominated\n"), "{text}");
        assert!(
            text.contains("nominated: 10.0.0.1:5000 <-> 10.0.0.2:6000 (frame 4)"),
            "{text}"
        );
    }

    #[test]
    fn unanswered_checks_stay_in_progress() {
        let mut t = Table::new(KIND_ICE, None);
        let req = binding(0x0000, 1, Some("a:b"), false);
        t.add(&rec(1, "10.0.0.1:1", "10.0.0.2:2", &req));
        let text = t.text();
        assert!(text.contains("in progress"), "{text}");
        assert!(text.contains("valid: none  nominated: none"), "{text}");
        let mut gui = Table::new(KIND_ICE, None);
        let paths = gui.add(&rec(7, "10.0.0.2:2", "10.0.0.1:1", &req));
        assert_eq!(
            paths,
            [
                "ICE checks/a:b/UDP 10.0.0.1:1 <-> 10.0.0.2:2/10.0.0.2:2 -> 10.0.0.1:1/Binding Request",
                "ICE pair states/a:b/UDP 10.0.0.1:1 <-> 10.0.0.2:2/in progress (frame 7)",
            ]
        );
        let ok = binding(0x0100, 1, None, false);
        let paths = gui.add(&rec(8, "10.0.0.1:1", "10.0.0.2:2", &ok));
        assert_eq!(
            paths,
            [
                "ICE checks/a:b/UDP 10.0.0.1:1 <-> 10.0.0.2:2/10.0.0.2:2 -> 10.0.0.1:1/Binding Success Response",
                "ICE pair states/a:b/UDP 10.0.0.1:1 <-> 10.0.0.2:2/succeeded one way (frame 8)",
            ]
        );
    }
}
