/* msstun.so statistics: the "msstun" tap, its record, and the Wireshark statistics built on
 * it (stats_tree, SRT table, tshark -z names). Written for this project; no Wireshark code is
 * copied here. */
#ifndef MSSTUN_STATS_H
#define MSSTUN_STATS_H

#include <epan/packet.h>

/** One decoded STUN message, as the "msstun" tap hands it to its listeners. Strings are
 *  NUL-terminated and live at least as long as the packet; `bytes` is valid during the tap
 *  callbacks of the frame. */
typedef struct msstun_tap_record {
    guint32 frame;
    gint64 secs;            /* pinfo->abs_ts */
    gint32 nsecs;
    guint8 transport;       /* 6 TCP, 17 UDP */
    guint8 family;          /* 4 or 6: src/dst below; 0 neither */
    guint8 klass;           /* 0 Request, 1 Indication, 2 Success Response, 3 Error Response */
    guint8 dialect;         /* msstun.dialect code */
    guint8 framing;         /* msstun.framing code */
    guint8 carrier;         /* 0 direct, else msstun::classify::Carrier code */
    guint16 method;         /* msstun.method */
    guint16 method_index;   /* row of the SRT table and of the method names */
    guint16 error_code;     /* 0: none */
    guint16 src_port;
    guint16 dst_port;
    guint16 channel;        /* carrier ChannelData: its channel number */
    guint8 src[16];
    guint8 dst[16];
    guint32 tcp_stream;     /* G_MAXUINT32 when queued; the listeners that show TCP streams
                               set it from the packet's tcp.stream (stats.c) */
    guint32 request_frame;  /* responses: the request's frame; 0 unknown */
    gint64 req_secs;        /* responses: the request's time */
    gint32 req_nsecs;
    gint64 rtt_ns;          /* responses: response time in ns; -1 unknown */
    const char *method_name;
    const char *class_name;
    const char *dialect_name;
    const char *framing_name;
    const char *carrier_name;
    const char *error_name; /* "401 Unauthorized"; NULL: no ERROR-CODE */
    const guint8 *bytes;    /* the STUN message */
    guint32 len;
} msstun_tap_record;

/** Tap listener callbacks written in Rust (see src/tap.rs): one table kind per `kind`. */
/** A new table of `kind`; `filter`: the listener's display filter (NULL: none). */
typedef void *(*msstun_table_new_fn)(int kind, const char *filter);
typedef void (*msstun_table_packet_fn)(void *table, const msstun_tap_record *rec);
/** Text of the table for tshark (a NUL-terminated string owned by the table). */
typedef const char *(*msstun_table_text_fn)(void *table);
typedef void (*msstun_table_free_fn)(void *table);
/** Stats tree of a table kind for the GUI: called per packet with the tree and the record,
 *  it ticks nodes through msstun_st_tick. `rec` NULL: the tree starts (kind > 0) or ends
 *  (kind 0). */
typedef void (*msstun_table_tree_fn)(void *st, int kind, const msstun_tap_record *rec);

/** Register the "msstun" tap, the stats trees (Statistics → MS-STUN), the SRT table and the
 *  tshark names -z msstun,stat|srt|alloc|ice. `methods[0..n]` names the SRT rows. */
void msstun_register_stats(int proto, const char *const *methods, int n,
    msstun_table_new_fn tnew, msstun_table_packet_fn tpacket, msstun_table_text_fn ttext,
    msstun_table_free_fn tfree, msstun_table_tree_fn ttree);
/** The tap's id (-1 before registration): the plugin asks have_tap_listener(id) before
 *  building a record. */
int msstun_tap_id(void);
/** Copy `rec` into packet-scoped memory and queue it on the tap. */
void msstun_tap_queue(packet_info *pinfo, const msstun_tap_record *rec);
/** Source and destination addresses of the packet: family 4 or 6, else 0. */
int msstun_addresses(packet_info *pinfo, guint8 src[16], guint8 dst[16]);
/** Tick the stats-tree node `path` ("a/b/c": a child of the one before it, created as
 *  needed) under the tree root. */
void msstun_st_tick(void *st, const char *path);

/* Table kinds of the Rust listeners. */
#define MSSTUN_TABLE_ALLOC 1
#define MSSTUN_TABLE_ICE 2
#define MSSTUN_TABLE_DIAG 3

/* ---- Table dialogs (stat_tap_table): Statistics → MS-STUN → Allocations, ICE pairs,
 * Diagnosis; tshark -z msstun,table_alloc|table_ice|table_diag. The rows are made in Rust
 * (src/stats/rows.rs); the tables, their cells and strings are C's. */

/** One cell or one column as Rust hands it over: `type` 1 unsigned (`u`), 2 text (`s`, `len`
 *  bytes, not NUL-terminated), 3 real (`f`); for a column `s` is its name, `u` 1 when
 *  right-aligned and `format` its printf format. */
typedef struct msstun_cell {
    int type;
    guint32 u;
    double f;
    const char *s;
    guint32 len;
    const char *format;
} msstun_cell;

/** The rows of one table dialog of `kind` (MSSTUN_TABLE_*). */
typedef void *(*msstun_rows_new_fn)(int kind);
/** A record passed the dialog's filter; 1: the rows changed. */
typedef int (*msstun_rows_packet_fn)(void *rows, const msstun_tap_record *rec);
typedef guint32 (*msstun_rows_count_fn)(void *rows);
/** Cell `col` of row `row`; 0: none. The text stays valid until the next call on `rows`. */
typedef int (*msstun_rows_cell_fn)(void *rows, guint32 row, guint32 col, msstun_cell *out);
typedef void (*msstun_rows_reset_fn)(void *rows);
/** Column `col` of the tables of `kind`; 0: past the last. */
typedef int (*msstun_rows_column_fn)(int kind, guint32 col, msstun_cell *out);

/** Register the three table dialogs (after msstun_register_stats: they read its tap). */
void msstun_register_stat_tables(msstun_rows_new_fn rnew, msstun_rows_packet_fn rpacket,
    msstun_rows_count_fn rcount, msstun_rows_cell_fn rcell, msstun_rows_reset_fn rreset,
    msstun_rows_column_fn rcolumn);

#endif
