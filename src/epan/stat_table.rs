//! The FFI half of the table dialogs (Statistics → MS-STUN Allocations, ICE pairs,
//! Diagnosis; tshark `-z msstun,table_alloc|table_ice|table_diag`): the callbacks
//! `wireshark-include/stats.c` calls to make the rows of its `stat_tap_table`s. The
//! framework's structs (unions) stay in C; the rows are made by the [`Rows`] of the safe
//! root (handed in at registration, [`super::tap::Stats`]).

use std::ffi::{c_char, c_int, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;

use super::ffi::{self, msstun_cell, msstun_tap_record};
use super::tap::{Rec, RecC};

/// A column's type (`stat_tap_table_item_enum`'s values the C side maps to).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    /// `TABLE_ITEM_UINT`.
    Uint,
    /// `TABLE_ITEM_STRING`.
    Str,
    /// `TABLE_ITEM_FLOAT`.
    Float,
}

/// One column: name, type, right-aligned, printf format (tshark and the GUI use it).
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// Header.
    pub name: &'static str,
    /// Type of its cells.
    pub ty: ColType,
    /// Right-aligned (numbers).
    pub right: bool,
    /// printf format of one cell.
    pub format: &'static str,
}

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// A number.
    U(u32),
    /// Text.
    S(String),
    /// A real number.
    F(f64),
}

/// The rows of one table dialog (or one tshark `-z msstun,table_…`).
pub trait Rows: Send {
    /// Forget the rows (a new tap run).
    fn clear(&mut self);
    /// A record passed the listener's filter: whether the rows changed.
    fn on_record(&mut self, r: &Rec<'_>) -> bool;
    /// The rows now.
    fn cells(&self) -> &[Vec<Cell>];
}

/// Rows of a kind, made by the root.
type RowsBox = Box<dyn Rows>;

static NEW: OnceLock<fn(c_int) -> RowsBox> = OnceLock::new();
static COLUMNS: OnceLock<fn(c_int) -> &'static [Column]> = OnceLock::new();

/// The columns of `kind` (none before registration).
fn columns(kind: c_int) -> &'static [Column] {
    COLUMNS.get().map_or(&[], |f| f(kind))
}

/// Register the three table dialogs (after the tap: `tap::register`), with the root's rows
/// and columns.
///
/// # Safety
/// Called once by Wireshark during registration.
pub(super) unsafe fn register(rows: fn(c_int) -> RowsBox, cols: fn(c_int) -> &'static [Column]) {
    let _ = NEW.set(rows);
    let _ = COLUMNS.set(cols);
    ffi::msstun_register_stat_tables(
        Some(rows_new),
        Some(rows_packet),
        Some(rows_count),
        Some(rows_cell),
        Some(rows_reset),
        Some(rows_column),
    );
}

/// The formats are C strings for the framework's printf.
fn format_of(ty: ColType) -> *const c_char {
    match ty {
        ColType::Uint => c"%u".as_ptr(),
        ColType::Str => c"%s".as_ptr(),
        ColType::Float => c"%.1f".as_ptr(),
    }
}

/// `msstun_rows_column_fn`.
unsafe extern "C" fn rows_column(kind: c_int, col: u32, out: *mut msstun_cell) -> c_int {
    catch_unwind(|| {
        let Some(c) = columns(kind).get(col as usize) else {
            return 0;
        };
        if out.is_null() {
            return 0;
        }
        // SAFETY: `out` points to a cell the caller owns.
        let out = unsafe { &mut *out };
        out.type_ = match c.ty {
            ColType::Uint => 1,
            ColType::Str => 2,
            ColType::Float => 3,
        };
        out.u = u32::from(c.right);
        out.s = c.name.as_ptr() as *const c_char;
        out.len = c.name.len() as u32;
        out.format = format_of(c.ty);
        1
    })
    .unwrap_or(0)
}

/// `msstun_rows_new_fn`.
unsafe extern "C" fn rows_new(kind: c_int) -> *mut c_void {
    catch_unwind(|| match NEW.get() {
        Some(f) => Box::into_raw(Box::new(f(kind))) as *mut c_void,
        None => std::ptr::null_mut(),
    })
    .unwrap_or(std::ptr::null_mut())
}

/// `msstun_rows_reset_fn`.
unsafe extern "C" fn rows_reset(t: *mut c_void) {
    if t.is_null() {
        return;
    }
    // SAFETY: a table made by rows_new, used from Wireshark's one thread.
    let _ = catch_unwind(AssertUnwindSafe(|| unsafe {
        (*(t as *mut RowsBox)).clear()
    }));
}

/// `msstun_rows_packet_fn`: 1 when the rows changed.
unsafe extern "C" fn rows_packet(t: *mut c_void, rec: *const msstun_tap_record) -> c_int {
    if t.is_null() || rec.is_null() {
        return 0;
    }
    catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: a record the tap passed, valid during this call.
        let Some(r) = (unsafe { RecC::from_c(&*rec) }) else {
            return 0;
        };
        // SAFETY: a table made by rows_new.
        let rows = unsafe { &mut *(t as *mut RowsBox) };
        c_int::from(rows.on_record(&r))
    }))
    .unwrap_or(0)
}

/// `msstun_rows_count_fn`.
unsafe extern "C" fn rows_count(t: *mut c_void) -> u32 {
    if t.is_null() {
        return 0;
    }
    // SAFETY: a table made by rows_new.
    catch_unwind(AssertUnwindSafe(|| unsafe {
        (*(t as *mut RowsBox)).cells().len() as u32
    }))
    .unwrap_or(0)
}

/// `msstun_rows_cell_fn`: the text points into the row, valid until the rows change.
unsafe extern "C" fn rows_cell(t: *mut c_void, row: u32, col: u32, out: *mut msstun_cell) -> c_int {
    if t.is_null() || out.is_null() {
        return 0;
    }
    catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: a table made by rows_new; `out` a cell the caller owns.
        let (rows, out) = unsafe { (&*(t as *mut RowsBox), &mut *out) };
        let Some(cell) = rows
            .cells()
            .get(row as usize)
            .and_then(|r| r.get(col as usize))
        else {
            return 0;
        };
        match cell {
            Cell::U(v) => {
                out.type_ = 1;
                out.u = *v;
            }
            Cell::S(s) => {
                out.type_ = 2;
                out.s = s.as_ptr() as *const c_char;
                out.len = s.len() as u32;
            }
            Cell::F(v) => {
                out.type_ = 3;
                out.f = *v;
            }
        }
        1
    }))
    .unwrap_or(0)
}
