//! Protocol registration and handoff.

use std::ffi::c_int;
use std::sync::atomic::{AtomicI32, AtomicPtr, Ordering};

use crate::{conv, dissect, ffi, fields};

static PROTO: AtomicI32 = AtomicI32::new(-1);
static HANDLE: AtomicPtr<ffi::dissector_handle> = AtomicPtr::new(std::ptr::null_mut());

/// The protocol id of `msstun`.
pub fn proto() -> c_int {
    PROTO.load(Ordering::Relaxed)
}

/// The `msstun` dissector handle.
pub fn handle() -> ffi::dissector_handle_t {
    HANDLE.load(Ordering::Relaxed)
}

/// `register_protoinfo`: protocol, fields, subtrees, expert items, preferences.
pub unsafe extern "C" fn register_protoinfo() {
    let r = std::panic::catch_unwind(|| {
        // SAFETY: called once by Wireshark during registration, on its main thread.
        unsafe {
            let proto = ffi::proto_register_protocol(
                c"MS-STUN".as_ptr(),
                c"MSSTUN".as_ptr(),
                c"msstun".as_ptr(),
            );
            PROTO.store(proto, Ordering::Relaxed);
            fields::register(proto);
            ffi::msstun_register_expert(proto);
            ffi::msstun_register_prefs(proto);
            ffi::msstun_register_data_heur(proto);
            crate::tap::register(proto);
            let h =
                ffi::register_dissector(c"msstun".as_ptr(), Some(dissect::dissect_msstun), proto);
            HANDLE.store(h, Ordering::Relaxed);
            ffi::register_init_routine(Some(conv::init_routine));
            ffi::register_cleanup_routine(Some(conv::init_routine));
        }
    });
    if r.is_err() {
        eprintln!("msstun: registration failed");
    }
}

/// `register_handoff`: Decode As, the `msstun.ports` preference (empty by default), heuristics.
pub unsafe extern "C" fn register_handoff() {
    let r = std::panic::catch_unwind(|| {
        // SAFETY: called once by Wireshark after every protocol registered.
        unsafe {
            let h = handle();
            ffi::msstun_handoff_ports(h, Some(dissect::shared_verdict));
            ffi::msstun_add_heuristics(
                proto(),
                dissect::heur_tcp as *const () as *mut std::ffi::c_void,
                dissect::heur_udp as *const () as *mut std::ffi::c_void,
            );
        }
    });
    if r.is_err() {
        eprintln!("msstun: handoff failed");
    }
}
