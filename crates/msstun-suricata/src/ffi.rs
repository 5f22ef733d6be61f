//! Everything Suricata calls: `SCPluginRegister`, the parser registration (UDP and TCP),
//! probing, parsing, transactions, the eve logger and the detection keywords. The only
//! `unsafe` of the crate; every entry catches panics (a bug here must not take the sensor
//! down: the entry answers "nothing found" / "error" instead).

use std::ffi::CString;
use std::os::raw::{c_char, c_int, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};

use msstun::framing::Transport;
use msstun_event::{JsonWriter, WResult, WriteError};
use suricata::applayer::{
    state_get_tx_iterator, AppLayerRegisterParser, AppLayerRegisterProtocolDetection,
    AppLayerResult, AppLayerStateData, AppLayerTxData, RustParser, State, StreamSlice, Transaction,
    APP_LAYER_PARSER_EOF_TC, APP_LAYER_PARSER_EOF_TS, APP_LAYER_PARSER_OPT_ACCEPT_GAPS,
};
use suricata::conf::{conf_get, conf_get_bool};
use suricata::core::{
    AppLayerEventType, ALPROTO_FAILED, ALPROTO_UNKNOWN, IPPROTO_TCP, IPPROTO_UDP, STREAM_TOCLIENT,
    STREAM_TOSERVER,
};
use suricata::detect::{helper_keyword_register_sticky_buffer, SigTableElmtStickyBuffer};
use suricata::{SCLogError, SCLogNotice};
use suricata_sys::jsonbuilder::{
    SCJbClose, SCJbOpenArray, SCJbOpenObject, SCJbSetBool, SCJbSetFormatted, SCJbSetString,
    SCJbSetStringFromBytes, SCJbSetUint, SCJbStartObject, SCJsonBuilder,
};
use suricata_sys::sys::{
    AppLayerParserState, AppProto, DetectEngineCtx, DetectEngineThreadCtx, Flow,
    SCAppLayerParserConfParserEnabled, SCAppLayerParserRegisterLogger,
    SCAppLayerParserStateIssetFlag, SCAppLayerPlugin,
    SCAppLayerProtoDetectConfProtoDetectionEnabled, SCAppLayerProtoDetectPMRegisterPatternCSwPP,
    SCDetectBufferSetActiveList, SCDetectHelperBufferMpmRegister, SCDetectHelperBufferRegister,
    SCDetectHelperKeywordRegister, SCDetectSignatureSetAppProto, SCOutputJsonLogDirection,
    SCPlugin, SCPluginRegisterAppLayer, SCSigMatchAppendSMToList, SCSigTableAppLiteElmt,
    SigMatchCtx, Signature, SC_API_VERSION, SC_PACKAGE_VERSION,
};

use crate::keywords::{self, UintMatch};
use crate::state::{Config, Dir, Event, FlowState, Parsed, Tx};

type MTx = Tx<AppLayerTxData>;

/// The parser state Suricata holds per flow.
struct MState {
    flow: FlowState<AppLayerTxData>,
    state_data: AppLayerStateData,
}

impl Transaction for MTx {
    fn id(&self) -> u64 {
        self.id
    }
}

impl State<MTx> for MState {
    fn get_transaction_count(&self) -> usize {
        self.flow.txs.len()
    }
    fn get_transaction_by_index(&self, index: usize) -> Option<&MTx> {
        self.flow.txs.get(index)
    }
}

static mut ALPROTO_MSSTUN: AppProto = ALPROTO_UNKNOWN;
/// `app-layer.protocols.msstun.debug: yes`: one notice per parse call.
static DEBUG: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
static mut CONFIG: Config = Config {
    max_tx: 256,
    data: false,
};

fn alproto() -> AppProto {
    // SAFETY: written once at registration, before any packet.
    unsafe { ALPROTO_MSSTUN }
}

fn guard<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(fallback)
}

// ---- probing ----

unsafe fn probe(transport: Transport, input: *const u8, len: u32) -> AppProto {
    if input.is_null() || len == 0 {
        return ALPROTO_UNKNOWN;
    }
    let buf = std::slice::from_raw_parts(input, len as usize);
    guard(ALPROTO_FAILED, || {
        match crate::state::probe(transport, buf) {
            Some(true) => alproto(),
            Some(false) => ALPROTO_FAILED,
            None => ALPROTO_UNKNOWN,
        }
    })
}

unsafe extern "C" fn probe_tcp(
    _f: *const Flow,
    _dir: u8,
    input: *const u8,
    len: u32,
    _rdir: *mut u8,
) -> AppProto {
    probe(Transport::Tcp, input, len)
}

unsafe extern "C" fn probe_udp(
    _f: *const Flow,
    _dir: u8,
    input: *const u8,
    len: u32,
    _rdir: *mut u8,
) -> AppProto {
    probe(Transport::Udp, input, len)
}

// ---- state and parsing ----

fn state_new(transport: Transport) -> *mut c_void {
    // SAFETY: CONFIG is written once at registration.
    let config = unsafe { CONFIG };
    Box::into_raw(Box::new(MState {
        flow: FlowState::new(transport, config),
        state_data: AppLayerStateData::default(),
    })) as *mut c_void
}

extern "C" fn state_new_tcp(_orig: *mut c_void, _proto: AppProto) -> *mut c_void {
    state_new(Transport::Tcp)
}

extern "C" fn state_new_udp(_orig: *mut c_void, _proto: AppProto) -> *mut c_void {
    state_new(Transport::Udp)
}

unsafe extern "C" fn state_free(state: *mut c_void) {
    if !state.is_null() {
        drop(Box::from_raw(state as *mut MState));
    }
}

unsafe extern "C" fn tx_free(state: *mut c_void, tx_id: u64) {
    let s = &mut *(state as *mut MState);
    guard((), || s.flow.free_tx(tx_id + 1));
}

unsafe fn parse(
    state: *mut c_void,
    pstate: *mut AppLayerParserState,
    slice: StreamSlice,
    dir: Dir,
) -> AppLayerResult {
    let s = &mut *(state as *mut MState);
    let eof_flag = match dir {
        Dir::ToServer => APP_LAYER_PARSER_EOF_TS,
        Dir::ToClient => APP_LAYER_PARSER_EOF_TC,
    };
    let eof = SCAppLayerParserStateIssetFlag(pstate, eof_flag) > 0;
    let r = guard(Err(()), || {
        let mut r = Parsed::Ok;
        if slice.is_gap() {
            // A hole in the stream: look for the next message.
            s.flow.gap(dir);
        } else if !slice.is_empty() {
            r = s.flow.parse(dir, slice.as_slice());
        }
        if eof {
            s.flow.eof();
        }
        Ok(r)
    });
    if DEBUG.load(std::sync::atomic::Ordering::Relaxed) {
        SCLogNotice!(
            "msstun: parse {:?} {} bytes gap {} eof {} -> {:?}; {} txs, last id {}",
            dir,
            slice.len(),
            slice.is_gap(),
            eof,
            r,
            s.flow.txs.len(),
            s.flow.tx_id
        );
    }
    // Events and updates of this call, handed to Suricata.
    for t in s.flow.txs.iter_mut() {
        if t.touched {
            t.touched = false;
            t.ext.updated_ts = true;
            t.ext.updated_tc = true;
        }
        if t.new_events != 0 {
            for e in Event::ALL {
                if t.new_events & (1 << e as u8) != 0 {
                    t.ext.set_event(e as u8);
                }
            }
            t.new_events = 0;
        }
    }
    match r {
        Ok(Parsed::Ok) => AppLayerResult::ok(),
        Ok(Parsed::Incomplete { consumed, needed }) => AppLayerResult::incomplete(consumed, needed),
        Err(()) => AppLayerResult::err(),
    }
}

unsafe extern "C" fn parse_ts(
    _f: *mut Flow,
    state: *mut c_void,
    pstate: *mut AppLayerParserState,
    slice: StreamSlice,
    _data: *const c_void,
) -> AppLayerResult {
    parse(state, pstate, slice, Dir::ToServer)
}

unsafe extern "C" fn parse_tc(
    _f: *mut Flow,
    state: *mut c_void,
    pstate: *mut AppLayerParserState,
    slice: StreamSlice,
    _data: *const c_void,
) -> AppLayerResult {
    parse(state, pstate, slice, Dir::ToClient)
}

unsafe extern "C" fn get_tx(state: *mut c_void, tx_id: u64) -> *mut c_void {
    let s = &mut *(state as *mut MState);
    match s.flow.get_tx_mut(tx_id + 1) {
        Some(t) => t as *mut MTx as *mut c_void,
        None => std::ptr::null_mut(),
    }
}

unsafe extern "C" fn get_tx_count(state: *mut c_void) -> u64 {
    (*(state as *mut MState)).flow.tx_id
}

unsafe extern "C" fn tx_progress(tx: *mut c_void, _dir: u8) -> c_int {
    c_int::from((*(tx as *mut MTx)).complete)
}

unsafe extern "C" fn get_tx_data(tx: *mut c_void) -> *mut AppLayerTxData {
    &mut (*(tx as *mut MTx)).ext
}

unsafe extern "C" fn get_state_data(state: *mut c_void) -> *mut AppLayerStateData {
    &mut (*(state as *mut MState)).state_data
}

// ---- app-layer events ----

static EVENT_NAMES: [&[u8]; 4] = [
    b"malformed_message\0",
    b"undecodable_stream\0",
    b"malformed_attributes\0",
    b"too_many_transactions\0",
];

unsafe extern "C" fn get_event_info(
    name: *const c_char,
    id: *mut u8,
    ty: *mut AppLayerEventType,
) -> c_int {
    if name.is_null() {
        return -1;
    }
    let Ok(n) = std::ffi::CStr::from_ptr(name).to_str() else {
        return -1;
    };
    match Event::from_name(n) {
        Some(e) => {
            *id = e as u8;
            *ty = AppLayerEventType::APP_LAYER_EVENT_TYPE_TRANSACTION;
            0
        }
        None => -1,
    }
}

unsafe extern "C" fn get_event_info_by_id(
    id: u8,
    name: *mut *const c_char,
    ty: *mut AppLayerEventType,
) -> c_int {
    match Event::from_id(id) {
        Some(e) => {
            *name = EVENT_NAMES[e as usize].as_ptr() as *const c_char;
            *ty = AppLayerEventType::APP_LAYER_EVENT_TYPE_TRANSACTION;
            0
        }
        None => -1,
    }
}

// ---- registration ----

const NAME: &[u8] = b"msstun\0";

fn parser(
    ipproto: u8,
    default_port: *const c_char,
    probe: suricata::applayer::ProbeFn,
    state_new: suricata::applayer::StateAllocFn,
) -> RustParser {
    RustParser {
        name: NAME.as_ptr() as *const c_char,
        default_port,
        ipproto,
        probe_ts: Some(probe),
        probe_tc: Some(probe),
        min_depth: 0,
        max_depth: 16,
        state_new,
        state_free,
        tx_free,
        parse_ts,
        parse_tc,
        get_tx_count,
        get_tx,
        tx_comp_st_ts: 1,
        tx_comp_st_tc: 1,
        tx_get_progress: tx_progress,
        get_eventinfo: Some(get_event_info),
        get_eventinfo_byid: Some(get_event_info_by_id),
        localstorage_new: None,
        localstorage_free: None,
        get_tx_files: None,
        get_tx_iterator: Some(state_get_tx_iterator::<MState, MTx>),
        get_tx_data,
        get_state_data,
        apply_tx_config: None,
        flags: APP_LAYER_PARSER_OPT_ACCEPT_GAPS,
        get_frame_id_by_name: None,
        get_frame_name_by_id: None,
        get_state_id_by_name: None,
        get_state_name_by_id: None,
    }
}

/// The ports the probing parser runs on when suricata.yaml gives no `detection-ports`:
/// STUN/TURN (3478–3481, Teams/Skype for Business edges), STUN/TURN over TLS/DTLS ports
/// used for TCP TURN (443, 5349, 5350) and Google's STUN (19302). Elsewhere, every flow
/// whose first bytes carry the RFC 5389 magic cookie where a message in some framing has
/// it is probed too ([`PATTERNS`]): WebRTC and ICE on ephemeral ports. (A probing parser
/// on every port costs Suricata minutes at start: it keeps one entry per port.)
const DEFAULT_PORTS: &[u8] = b"[443,3478:3481,5349,5350,19302]\0";

/// Patterns that send a flow to the probing parser on any port, with their offset: the
/// RFC 5389 magic cookie where a message in some framing has it — plain STUN (4), RFC
/// 4571 (6), [MS-TURN] TCP framing (8) —, the [MS-TURN] MAGIC-COOKIE attribute first
/// (legacy MS-TURN: 20, 22, 24), and over UDP the classic RFC 3489 Binding types (ICE
/// checks of [MS-ICE2] agents, no cookie). The probing parser decides.
const PATTERNS: [(u8, &std::ffi::CStr, u16); 11] = [
    (IPPROTO_UDP, c"|21 12 A4 42|", 4),
    (IPPROTO_TCP, c"|21 12 A4 42|", 4),
    (IPPROTO_TCP, c"|21 12 A4 42|", 6),
    (IPPROTO_TCP, c"|21 12 A4 42|", 8),
    (IPPROTO_UDP, c"|00 0F 00 04 72 C6 4B C6|", 20),
    (IPPROTO_TCP, c"|00 0F 00 04 72 C6 4B C6|", 20),
    (IPPROTO_TCP, c"|00 0F 00 04 72 C6 4B C6|", 22),
    (IPPROTO_TCP, c"|00 0F 00 04 72 C6 4B C6|", 24),
    (IPPROTO_UDP, c"|00 01|", 0),
    (IPPROTO_UDP, c"|01 01|", 0),
    (IPPROTO_UDP, c"|00 11|", 0),
];

unsafe extern "C" fn register_parsers() {
    guard((), || {
        if let Some(v) = conf_get("app-layer.protocols.msstun.max-tx") {
            match v.parse::<usize>() {
                Ok(n) if n > 0 => CONFIG.max_tx = n,
                _ => {
                    SCLogError!("msstun: invalid app-layer.protocols.msstun.max-tx {v}");
                }
            }
        }
        CONFIG.data = conf_get_bool("app-layer.protocols.msstun.data");
        DEBUG.store(
            conf_get_bool("app-layer.protocols.msstun.debug"),
            std::sync::atomic::Ordering::Relaxed,
        );
        let ports = DEFAULT_PORTS.as_ptr() as *const c_char;
        for (ipproto, name, p) in [
            (
                IPPROTO_TCP,
                b"tcp\0",
                parser(IPPROTO_TCP, ports, probe_tcp, state_new_tcp),
            ),
            (
                IPPROTO_UDP,
                b"udp\0",
                parser(IPPROTO_UDP, ports, probe_udp, state_new_udp),
            ),
        ] {
            let ipn = name.as_ptr() as *const c_char;
            if SCAppLayerProtoDetectConfProtoDetectionEnabled(ipn, p.name) == 0 {
                SCLogNotice!("msstun: detection disabled over {}", ipproto);
                continue;
            }
            let a = AppLayerRegisterProtocolDetection(&p, 1);
            ALPROTO_MSSTUN = a;
            if SCAppLayerParserConfParserEnabled(ipn, p.name) != 0 {
                let _ = AppLayerRegisterParser(&p, a);
            }
            SCAppLayerParserRegisterLogger(ipproto, a);
            for (proto, pattern, at) in PATTERNS.iter().filter(|(p, _, _)| *p == ipproto) {
                let len = pattern.to_bytes().iter().filter(|&&b| b == b' ').count() as u16 + 1;
                let probe: unsafe extern "C" fn(_, _, _, _, _) -> _ = if *proto == IPPROTO_TCP {
                    probe_tcp
                } else {
                    probe_udp
                };
                for dir in [STREAM_TOSERVER, STREAM_TOCLIENT] {
                    if SCAppLayerProtoDetectPMRegisterPatternCSwPP(
                        *proto,
                        a,
                        pattern.as_ptr(),
                        at + len,
                        *at,
                        dir,
                        Some(probe),
                        0,
                        0,
                    ) < 0
                    {
                        SCLogError!("msstun: cannot register a detection pattern");
                    }
                }
            }
        }
        let c = CONFIG;
        SCLogNotice!(
            "msstun: STUN/TURN/MS-TURN parser registered (UDP, TCP), max-tx {}, data {}",
            c.max_tx,
            c.data
        );
    })
}

// ---- eve ----

/// [`JsonWriter`] over Suricata's `SCJsonBuilder` (its C API, as plugins must).
struct Jb(*mut SCJsonBuilder);

/// A key as a C string (keys are this crate's short ASCII identifiers).
fn ckey(key: &str) -> [u8; 48] {
    let mut b = [0u8; 48];
    let n = key.len().min(47);
    b[..n].copy_from_slice(&key.as_bytes()[..n]);
    b
}

fn ok(b: bool) -> WResult {
    if b {
        Ok(())
    } else {
        Err(WriteError)
    }
}

impl JsonWriter for Jb {
    fn open_object(&mut self, key: &str) -> WResult {
        let k = ckey(key);
        ok(unsafe { SCJbOpenObject(self.0, k.as_ptr() as *const c_char) })
    }
    fn start_object(&mut self) -> WResult {
        ok(unsafe { SCJbStartObject(self.0) })
    }
    fn open_array(&mut self, key: &str) -> WResult {
        let k = ckey(key);
        ok(unsafe { SCJbOpenArray(self.0, k.as_ptr() as *const c_char) })
    }
    fn close(&mut self) -> WResult {
        ok(unsafe { SCJbClose(self.0) })
    }
    fn set_str(&mut self, key: &str, value: &str) -> WResult {
        let k = ckey(key);
        if value.is_empty() {
            // SCJbSetStringFromBytes refuses an empty value (a flag attribute's).
            return ok(unsafe { SCJbSetString(self.0, k.as_ptr() as *const c_char, c"".as_ptr()) });
        }
        ok(unsafe {
            SCJbSetStringFromBytes(
                self.0,
                k.as_ptr() as *const c_char,
                value.as_ptr(),
                value.len() as u32,
            )
        })
    }
    fn set_uint(&mut self, key: &str, value: u64) -> WResult {
        let k = ckey(key);
        ok(unsafe { SCJbSetUint(self.0, k.as_ptr() as *const c_char, value) })
    }
    fn set_bool(&mut self, key: &str, value: bool) -> WResult {
        let k = ckey(key);
        ok(unsafe { SCJbSetBool(self.0, k.as_ptr() as *const c_char, value) })
    }
    fn set_null(&mut self, key: &str) -> WResult {
        let mut f = ckey("");
        let s = format!("\"{key}\":null");
        let n = s.len().min(47);
        f[..n].copy_from_slice(&s.as_bytes()[..n]);
        ok(unsafe { SCJbSetFormatted(self.0, f.as_ptr() as *const c_char) })
    }
}

unsafe extern "C" fn log_tx(tx: *const c_void, jb: *mut c_void) -> bool {
    if tx.is_null() || jb.is_null() {
        return false;
    }
    let tx = &*(tx as *const MTx);
    let mut w = Jb(jb as *mut SCJsonBuilder);
    guard(false, || {
        w.open_object("msstun").is_ok()
            && crate::eve::write_tx(&mut w, tx).is_ok()
            && w.close().is_ok()
    })
}

// ---- detection keywords ----

static mut KW_METHOD: (u16, c_int) = (0, 0);
static mut KW_CLASS: (u16, c_int) = (0, 0);
static mut KW_ERROR: (u16, c_int) = (0, 0);
static mut KW_DIALECT: (u16, c_int) = (0, 0);
static mut USERNAME_LIST: c_int = 0;

unsafe fn uint_setup(
    de: *mut DetectEngineCtx,
    s: *mut Signature,
    raw: *const c_char,
    kw: (u16, c_int),
    parse: fn(&str) -> Option<UintMatch>,
) -> c_int {
    if SCDetectSignatureSetAppProto(s, alproto()) != 0 || raw.is_null() {
        return -1;
    }
    let Ok(arg) = std::ffi::CStr::from_ptr(raw).to_str() else {
        return -1;
    };
    let Some(m) = guard(None, || parse(arg)) else {
        SCLogError!("msstun: invalid keyword value {arg:?}");
        return -1;
    };
    let ctx = Box::into_raw(Box::new(m)) as *mut SigMatchCtx;
    if SCSigMatchAppendSMToList(de, s, kw.0, ctx, kw.1).is_null() {
        drop(Box::from_raw(ctx as *mut UintMatch));
        return -1;
    }
    0
}

unsafe extern "C" fn uint_free(_de: *mut DetectEngineCtx, ctx: *mut c_void) {
    if !ctx.is_null() {
        drop(Box::from_raw(ctx as *mut UintMatch));
    }
}

unsafe fn uint_match(
    tx: *mut c_void,
    ctx: *const SigMatchCtx,
    value: fn(&crate::state::Msg) -> Option<u32>,
) -> c_int {
    let tx = &*(tx as *const MTx);
    let m = &*(ctx as *const UintMatch);
    c_int::from(guard(false, || {
        tx.messages().filter_map(value).any(|v| m.matches(v))
    }))
}

macro_rules! uint_keyword {
    ($setup:ident, $matchf:ident, $kw:ident, $parse:path, $value:expr) => {
        unsafe extern "C" fn $setup(
            de: *mut DetectEngineCtx,
            s: *mut Signature,
            raw: *const c_char,
        ) -> c_int {
            uint_setup(de, s, raw, $kw, $parse)
        }
        unsafe extern "C" fn $matchf(
            _t: *mut DetectEngineThreadCtx,
            _f: *mut Flow,
            _flags: u8,
            _state: *mut c_void,
            tx: *mut c_void,
            _sig: *const Signature,
            ctx: *const SigMatchCtx,
        ) -> c_int {
            uint_match(tx, ctx, $value)
        }
    };
}

uint_keyword!(
    method_setup,
    method_match,
    KW_METHOD,
    keywords::parse_method,
    |m| Some(u32::from(m.method))
);
uint_keyword!(
    class_setup,
    class_match,
    KW_CLASS,
    keywords::parse_class,
    |m| Some(keywords::class_code(m.class))
);
uint_keyword!(
    error_setup,
    error_match,
    KW_ERROR,
    keywords::parse_error_code,
    |m| m.error_code.map(u32::from)
);
uint_keyword!(
    dialect_setup,
    dialect_match,
    KW_DIALECT,
    keywords::parse_dialect,
    |m| Some(u32::from(m.dialect.code()))
);

type Setup = unsafe extern "C" fn(*mut DetectEngineCtx, *mut Signature, *const c_char) -> c_int;
type Match = unsafe extern "C" fn(
    *mut DetectEngineThreadCtx,
    *mut Flow,
    u8,
    *mut c_void,
    *mut c_void,
    *const Signature,
    *const SigMatchCtx,
) -> c_int;

unsafe fn register_uint(
    name: &'static [u8],
    desc: &'static [u8],
    setup: Setup,
    m: Match,
) -> (u16, c_int) {
    let kw = SCSigTableAppLiteElmt {
        name: name.as_ptr() as *const c_char,
        desc: desc.as_ptr() as *const c_char,
        url: c"https://github.com/msstun".as_ptr(),
        AppLayerTxMatch: Some(m),
        Setup: Some(setup),
        Free: Some(uint_free),
        flags: 0,
    };
    let id = SCDetectHelperKeywordRegister(&kw);
    let list = SCDetectHelperBufferRegister(
        name.as_ptr() as *const c_char,
        alproto(),
        STREAM_TOSERVER | STREAM_TOCLIENT,
    );
    (id, list)
}

unsafe extern "C" fn username_setup(
    de: *mut DetectEngineCtx,
    s: *mut Signature,
    _raw: *const c_char,
) -> c_int {
    if SCDetectSignatureSetAppProto(s, alproto()) != 0 {
        return -1;
    }
    if SCDetectBufferSetActiveList(de, s, USERNAME_LIST) < 0 {
        return -1;
    }
    0
}

unsafe extern "C" fn username_get(
    tx: *const c_void,
    _flags: u8,
    buf: *mut *const u8,
    len: *mut u32,
) -> bool {
    let tx = &*(tx as *const MTx);
    match tx.messages().find_map(|m| m.username()) {
        Some(u) => {
            *buf = u.as_ptr();
            *len = u.len() as u32;
            true
        }
        None => false,
    }
}

unsafe extern "C" fn register_keywords() {
    guard((), || {
        KW_METHOD = register_uint(
            b"msstun.method\0",
            b"match the STUN/TURN method of a message of the transaction (name or number)\0",
            method_setup,
            method_match,
        );
        KW_CLASS = register_uint(
            b"msstun.class\0",
            b"match the class: request, indication, success, error\0",
            class_setup,
            class_match,
        );
        KW_ERROR = register_uint(
            b"msstun.error_code\0",
            b"match the ERROR-CODE of an error response\0",
            error_setup,
            error_match,
        );
        KW_DIALECT = register_uint(
            b"msstun.dialect\0",
            b"match the dialect: rfc5389, rfc3489, ms-turn, ms-turn-5389, microsoft\0",
            dialect_setup,
            dialect_match,
        );
        let kw = SigTableElmtStickyBuffer {
            name: String::from("msstun.username"),
            desc: String::from(
                "sticky buffer: the USERNAME of the transaction's request or indication",
            ),
            url: String::from("https://github.com/msstun"),
            setup: username_setup,
        };
        let _ = helper_keyword_register_sticky_buffer(&kw);
        USERNAME_LIST = SCDetectHelperBufferMpmRegister(
            c"msstun.username".as_ptr(),
            c"STUN USERNAME".as_ptr(),
            alproto(),
            STREAM_TOSERVER | STREAM_TOCLIENT,
            Some(username_get),
        );
    })
}

// ---- the plugin ----

extern "C" fn plugin_init() {
    suricata::plugin::init();
    let plugin = SCAppLayerPlugin {
        name: NAME.as_ptr() as *const c_char,
        logname: c"JsonMsstunLog".as_ptr(),
        confname: c"eve-log.msstun".as_ptr(),
        dir: SCOutputJsonLogDirection::LOG_DIR_PACKET as u8,
        Register: Some(register_parsers),
        Logger: Some(log_tx),
        KeywordsRegister: Some(register_keywords),
    };
    // SAFETY: Suricata keeps the pointer for the life of the process.
    if unsafe { SCPluginRegisterAppLayer(Box::into_raw(Box::new(plugin))) } != 0 {
        SCLogError!("msstun: failed to register the app-layer plugin");
    }
}

/// The entry Suricata looks up in the plugin (`plugins:` in suricata.yaml).
#[no_mangle]
pub extern "C" fn SCPluginRegister() -> *const SCPlugin {
    let version = CString::new(env!("CARGO_PKG_VERSION")).unwrap_or_default();
    Box::into_raw(Box::new(SCPlugin {
        version: SC_API_VERSION,
        suricata_version: SC_PACKAGE_VERSION.as_ptr() as *const c_char,
        name: NAME.as_ptr() as *const c_char,
        plugin_version: version.into_raw(),
        license: c"GPL-2.0-only".as_ptr(),
        author: c"msstun".as_ptr(),
        Init: Some(plugin_init),
    }))
}
