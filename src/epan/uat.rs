//! The `msstun_credentials` UAT (username, realm, password), kept by the C shim (its
//! macros define the table); read here row by row.

use std::ffi::{c_char, CStr};

use super::ffi;

/// Number of rows.
pub fn count() -> u32 {
    // SAFETY: plain read of the UAT's row count.
    unsafe { ffi::msstun_cred_count() }
}

/// Row `i`: username, realm, password (`None` past the end or for text that is not UTF-8).
pub fn row(i: u32) -> Option<(&'static str, &'static str, &'static [u8])> {
    let (mut u, mut r, mut p): (*const c_char, *const c_char, *const c_char) =
        (std::ptr::null(), std::ptr::null(), std::ptr::null());
    // SAFETY: the shim returns NUL-terminated strings owned by the UAT, valid until the
    // UAT is edited (never during a dissection, the only time rows are read).
    unsafe {
        if ffi::msstun_cred_get(i, &mut u, &mut r, &mut p) == 0 {
            return None;
        }
        Some((
            CStr::from_ptr(u).to_str().ok()?,
            CStr::from_ptr(r).to_str().ok()?,
            CStr::from_ptr(p).to_bytes(),
        ))
    }
}
