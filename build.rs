//! Build script for msstun.so: finds the Wireshark headers with pkg-config (or
//! `WIRESHARK_INCLUDE_DIR`, see [`include_dirs`]), runs bindgen over
//! `wireshark-include/wrapper.h` (allowlisting only what the plugin uses), compiles
//! the C shim `wireshark-include/shim.c`, and emits cfgs for the Wireshark version found:
//!
//! * `ws_4_0`, `ws_4_2`, `ws_4_4`, `ws_4_6` — exactly that major.minor;
//! * `ws_ge_4_2`, `ws_ge_4_4`, `ws_ge_4_6` — that version or newer;
//! * `ws_module_loader` — the headers have Wireshark's module loader (the development series
//!   4.7: `WIRESHARK_ABI_VERSION_EPAN` in `ws_version.h`, `struct ws_module` and
//!   `wireshark_load_module` in `wsutil/plugins.h`), so the plugin exports that entry point too.
//!
//! It also exports `MSSTUN_WS_MAJOR`, `MSSTUN_WS_MINOR`, `MSSTUN_WS_MICRO` and
//! `MSSTUN_WS_VERSION` to the crate (`env!`).

use std::env;
use std::path::PathBuf;

const PACKAGES: &str = "libwireshark-dev libglib2.0-dev libclang-dev pkg-config";

fn fail(what: &str) -> ! {
    eprintln!();
    eprintln!("error: msstun-plugin cannot be built: {what}");
    eprintln!("       On Debian/Ubuntu install: sudo apt-get install {PACKAGES}");
    eprintln!();
    panic!("msstun-plugin: {what}. Install the Debian packages: {PACKAGES}");
}

/// Whether `ws_version.h` defines the plugin ABI version of the module loader (4.7+).
fn has_module_loader(include_paths: &[PathBuf]) -> bool {
    include_paths.iter().any(|dir| {
        std::fs::read_to_string(dir.join("ws_version.h")).is_ok_and(|text| {
            text.lines()
                .filter_map(|l| l.trim().strip_prefix("#define "))
                .any(|l| l.starts_with("WIRESHARK_ABI_VERSION_EPAN"))
        })
    })
}

/// Read WIRESHARK_VERSION_{MAJOR,MINOR,MICRO} from ws_version.h.
fn header_version(include_paths: &[PathBuf]) -> Option<(u32, u32, u32)> {
    for dir in include_paths {
        let p = dir.join("ws_version.h");
        if let Ok(text) = std::fs::read_to_string(&p) {
            let get = |name: &str| -> Option<u32> {
                text.lines()
                    .filter_map(|l| l.trim().strip_prefix("#define "))
                    .find_map(|l| l.strip_prefix(name).map(|v| v.trim().parse().ok()))
                    .flatten()
            };
            if let (Some(a), Some(b), Some(c)) = (
                get("WIRESHARK_VERSION_MAJOR"),
                get("WIRESHARK_VERSION_MINOR"),
                get("WIRESHARK_VERSION_MICRO"),
            ) {
                println!("cargo:rerun-if-changed={}", p.display());
                return Some((a, b, c));
            }
        }
    }
    None
}

/// Include directories of Wireshark and GLib.
///
/// `WIRESHARK_INCLUDE_DIR` (the folder holding `ws_version.h`, e.g. `/usr/include/wireshark`)
/// selects the Wireshark headers explicitly; GLib's then come from `GLIB_INCLUDE_DIRS` (a
/// path list) or pkg-config. Without it, both come from pkg-config (`wireshark`, `glib-2.0`).
fn include_dirs() -> Vec<PathBuf> {
    // The plugin's symbols are resolved against the running Wireshark: do not
    // link libwireshark into the cdylib explicitly (pkg-config only for paths).
    let mut includes: Vec<PathBuf> = match env::var_os("WIRESHARK_INCLUDE_DIR") {
        // Wireshark's own headers include <wireshark.h> and <epan/...> from there.
        Some(dir) => vec![PathBuf::from(dir)],
        None => match pkg_config::Config::new()
            .cargo_metadata(false)
            .atleast_version("4.0")
            .probe("wireshark")
        {
            Ok(lib) => lib.include_paths,
            Err(e) => fail(&format!(
                "pkg-config could not find the Wireshark development files ({e}); \
                 or set WIRESHARK_INCLUDE_DIR"
            )),
        },
    };
    let glib: Vec<PathBuf> = match env::var_os("GLIB_INCLUDE_DIRS") {
        Some(list) => env::split_paths(&list).collect(),
        None => match pkg_config::Config::new()
            .cargo_metadata(false)
            .probe("glib-2.0")
        {
            Ok(lib) => lib.include_paths,
            Err(e) => fail(&format!(
                "pkg-config could not find glib-2.0 ({e}); or set GLIB_INCLUDE_DIRS"
            )),
        },
    };
    for p in glib {
        if !includes.contains(&p) {
            includes.push(p);
        }
    }
    includes
}

/// Linker settings per target OS. Linux: none (symbols resolve at load time). macOS: allow
/// undefined symbols in the plugin (resolved from the loading Wireshark). Windows: a DLL
/// must link the import libraries (`WIRESHARK_LIB_DIR`: folders holding wireshark.lib,
/// wsutil.lib and glib-2.0.lib for MSVC, or libwireshark.dll.a, libwsutil.dll.a and
/// libglib-2.0.dll.a for MinGW, as `packaging/build-windows.sh` makes them).
fn link_args() {
    match env::var("CARGO_CFG_TARGET_OS").as_deref() {
        Ok("macos") => println!("cargo:rustc-cdylib-link-arg=-Wl,-undefined,dynamic_lookup"),
        Ok("windows") => {
            if let Some(dirs) = env::var_os("WIRESHARK_LIB_DIR") {
                for d in env::split_paths(&dirs) {
                    println!("cargo:rustc-link-search=native={}", d.display());
                }
            }
            for lib in ["wireshark", "wsutil", "glib-2.0"] {
                println!("cargo:rustc-link-lib=dylib={lib}");
            }
        }
        _ => {}
    }
}

/// What makes cargo re-run this script, and every `cfg` it may set (so `#[cfg(ws_4_2)]` never
/// warns).
fn rerun_and_check_cfgs() {
    println!("cargo:rerun-if-changed=wireshark-include/wrapper.h");
    println!("cargo:rerun-if-changed=wireshark-include/shim.c");
    println!("cargo:rerun-if-changed=wireshark-include/shim.h");
    println!("cargo:rerun-if-changed=wireshark-include/stats.c");
    println!("cargo:rerun-if-changed=wireshark-include/stats.h");
    println!("cargo:rerun-if-changed=wireshark-include/seq.c");
    println!("cargo:rerun-if-changed=wireshark-include/seq.h");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_SYSROOT_DIR");
    println!("cargo:rerun-if-env-changed=LIBCLANG_PATH");
    for v in [
        "WIRESHARK_INCLUDE_DIR",
        "GLIB_INCLUDE_DIRS",
        "WIRESHARK_LIB_DIR",
    ] {
        println!("cargo:rerun-if-env-changed={v}");
    }

    // Every version we may meet, so `#[cfg(ws_4_2)]` never warns.
    for v in [
        "ws_4_0",
        "ws_4_2",
        "ws_4_4",
        "ws_4_6",
        "ws_ge_4_2",
        "ws_ge_4_4",
        "ws_ge_4_6",
        "ws_module_loader",
    ] {
        println!("cargo::rustc-check-cfg=cfg({v})");
    }
}

/// The Wireshark version of the headers as `cfg`s (`ws_4_4`, `ws_ge_4_2` …) and
/// `MSSTUN_WS_*` environment variables.
fn version_cfgs(includes: &[PathBuf]) {
    let (major, minor, micro) = match header_version(includes) {
        Some(v) => v,
        None => fail("ws_version.h not found in the Wireshark include paths"),
    };

    println!("cargo:rustc-cfg=ws_{major}_{minor}");
    for (ma, mi) in [(4, 2), (4, 4), (4, 6)] {
        if (major, minor) >= (ma, mi) {
            println!("cargo:rustc-cfg=ws_ge_{ma}_{mi}");
        }
    }
    if has_module_loader(includes) {
        println!("cargo:rustc-cfg=ws_module_loader");
    }
    println!("cargo:rustc-env=MSSTUN_WS_MAJOR={major}");
    println!("cargo:rustc-env=MSSTUN_WS_MINOR={minor}");
    println!("cargo:rustc-env=MSSTUN_WS_MICRO={micro}");
    println!("cargo:rustc-env=MSSTUN_WS_VERSION={major}.{minor}.{micro}");
}

/// The C shim, statistics and sequence-analysis files, compiled and linked.
fn compile_shim(includes: &[PathBuf]) {
    // The shim: macros, inline functions, preferences and the UAT.
    let mut build = cc::Build::new();
    build
        .file("wireshark-include/shim.c")
        // The statistics: tap, stats trees, SRT table, tshark -z names.
        .file("wireshark-include/stats.c")
        // The MSSTUN flow of the sequence analysis (Flow Graph, -z flow,msstun).
        .file("wireshark-include/seq.c")
        .flag_if_supported("-Wno-unused-parameter")
        // What newer compilers (GCC 14, in the 4.4/4.6 chroots) reject anyway fails here too.
        .flag_if_supported("-Werror=incompatible-pointer-types")
        .flag_if_supported("-Werror=implicit-function-declaration")
        .flag_if_supported("-Werror=int-conversion");
    for p in includes {
        build.include(p);
    }
    build.include("wireshark-include");
    build.compile("msstun_shim");
    // After the shim archive: GNU ld (MinGW) resolves an archive's undefined symbols only
    // against the libraries that follow it on the command line.
    link_args();
}

fn main() {
    rerun_and_check_cfgs();
    let includes = include_dirs();
    version_cfgs(&includes);
    compile_shim(&includes);

    // bindgen over our own wrapper header.
    let mut clang_args: Vec<String> = includes
        .iter()
        .map(|p| format!("-I{}", p.display()))
        .collect();
    clang_args.push("-Iwireshark-include".into());
    let builder = bindgen::Builder::default()
        .header("wireshark-include/wrapper.h")
        .clang_args(&clang_args)
        .allowlist_function(
            "proto_register_protocol|proto_register_plugin|proto_register_field_array|proto_register_subtree_array\
             |proto_tree_add_item|proto_tree_add_uint|proto_tree_add_uint_format_value|proto_tree_add_uint64\
             |proto_tree_add_uint64_format_value|proto_tree_add_boolean|proto_tree_add_ipv4|proto_tree_add_ipv6\
             |proto_tree_add_string|proto_tree_add_bytes|proto_tree_add_bytes_format_value|proto_tree_add_subtree_format\
             |proto_tree_add_none_format|proto_tree_add_time|proto_item_add_subtree|proto_item_set_len|proto_item_append_text\
             |proto_item_set_text|proto_tree_add_protocol_format|proto_item_set_generated_|proto_item_set_hidden_\
             |register_dissector|create_dissector_handle|heur_dissector_add|dissector_add_for_decode_as\
             |dissector_add_uint_range_with_preference|find_dissector|call_dissector|call_data_dissector\
             |find_or_create_conversation|tvb_captured_length|tvb_reported_length|tvb_get_ptr|tvb_new_subset_length\
             |tvb_new_subset_remaining|tvb_new_subset_length_caplen|col_set_str|col_add_str|col_append_str|col_clear\
             |col_set_fence|col_append_sep_str|wmem_strndup|wmem_alloc|wmem_packet_scope|wmem_file_scope|register_init_routine\
             |register_cleanup_routine|register_shutdown_routine|proto_registrar_get_nth|col_get_text|wmem_alloc0|have_tap_listener\
             |expert_register_protocol|expert_register_field_array|expert_add_info_format|msstun_.*",
        )
        .allowlist_type(
            "packet_info|proto_tree|proto_item|tvbuff_t|hf_register_info|header_field_info|value_string\
             |proto_plugin|ftenum|field_display_e|hf_ref_type|ft_framenum_type|conversation_t|nstime_t|dissector_handle_t\
             |heur_dissector_t|heuristic_enable_e|port_type|column_id|ws_in6_addr|unit_name_string\
             |expert_field|expert_field_info|ei_register_info|address_type|ws_module|plugin_type_e",
        )
        .allowlist_var(
            "ENC_.*|BASE_.*|COL_.*|WIRESHARK_VERSION_.*|WIRESHARK_ABI_VERSION_EPAN|FT_FRAMENUM_.*|PI_.*|DESEGMENT_.*\
             |WS_PLUGIN_DESC_.*|WS_PLUGIN_EPAN|MSSTUN_PORTS_.*",
        )
        // bindgen 0.70 panics ("Unable to get layout information?") generating this union of
        // wiretap pseudo-headers from Wireshark 4.4/4.6 headers; the plugin never looks inside.
        .opaque_type("wtap_pseudo_header")
        // C bitfields are read in the shim only (msstun_visited): MSVC and clang/GCC may lay
        // them out differently, so the Rust side gets no accessors for them.
        .opaque_type("_frame_data|frame_data|_packet_info__bindgen_ty_1")
        .rustified_enum("ftenum|ft_framenum_type|hf_ref_type")
        .prepend_enum_name(false)
        .derive_default(false)
        .derive_debug(false)
        .layout_tests(false)
        .generate_comments(false)
        .parse_callbacks(Box::new(bindgen::CargoCallbacks::new()));
    let bindings =
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| builder.generate())) {
            Ok(Ok(b)) => b,
            Ok(Err(e)) => fail(&format!(
                "bindgen failed over wireshark-include/wrapper.h ({e})"
            )),
            Err(_) => fail("bindgen could not load libclang"),
        };
    // Bitfields are read in C only (see `opaque_type` above): no accessor may slip in with a
    // new binding.
    if bindings.to_string().contains("_bitfield_1") {
        fail("a C bitfield reached the Rust bindings: read it in the shim (wireshark-include/shim.c) or make its type opaque in build.rs");
    }
    let out = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR"));
    bindings
        .write_to_file(out.join("bindings.rs"))
        .expect("write bindings.rs");
}
