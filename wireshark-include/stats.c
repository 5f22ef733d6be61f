/* msstun.so statistics (see stats.h). Written for this project; no Wireshark code is copied
 * here. What it builds on:
 *  - the "msstun" tap, one msstun_tap_record per decoded STUN message;
 *  - stats trees registered as a plugin's (Statistics → MS-STUN → … in the GUI): Messages,
 *    Allocations, ICE;
 *  - an SRT table per method (tshark -z msstun,srt; GUI Statistics → Service Response Time);
 *  - tshark names -z msstun,stat|alloc|ice|diag[,filter] (stat_tap_ui): msstun,stat is
 *    another name of tshark's own -z msstun_stat,tree (the Messages stats tree); alloc, ice
 *    and diag print the text tables of the Rust listeners.
 * Only Wireshark's public headers (the ones its API documentation lists for plugins).  * No C stdio here (no printf/fprintf/puts): on Windows the plugin's C runtime is not
 * Wireshark's, and its stdout buffer would interleave out of order with tshark's. Text goes
 * out through GLib (g_print/g_printerr), whose runtime is Wireshark's. */
#include <string.h>
#include <ws_version.h>
#include <epan/packet.h>
#include <epan/tap.h>
#include <epan/stats_tree.h>
#include <epan/stat_tap_ui.h>
#include <epan/srt_table.h>
#include <epan/epan_dissect.h>
#include <epan/ftypes/ftypes.h>
#include "stats.h"

#if WIRESHARK_VERSION_MAJOR > 4 || (WIRESHARK_VERSION_MAJOR == 4 && WIRESHARK_VERSION_MINOR >= 6)
#define MSSTUN_CLI_INIT_RET bool
#define MSSTUN_CLI_OK true
#define MSSTUN_CLI_FAIL false
#else
#define MSSTUN_CLI_INIT_RET void
#define MSSTUN_CLI_OK
#define MSSTUN_CLI_FAIL
#endif

static int msstun_tap = -1;
static const char *const *msstun_methods;
static int msstun_n_methods;
static msstun_table_new_fn msstun_tnew;
static msstun_table_packet_fn msstun_tpacket;
static msstun_table_text_fn msstun_ttext;
static msstun_table_free_fn msstun_tfree;
static msstun_table_tree_fn msstun_ttree;

#define ABBR_STAT "msstun_stat"
#define ABBR_ALLOC "msstun_alloc"
#define ABBR_ICE "msstun_ice"

int msstun_tap_id(void)
{
    return msstun_tap;
}

void msstun_tap_queue(packet_info *pinfo, const msstun_tap_record *rec)
{
    msstun_tap_record *copy = wmem_new(pinfo->pool, msstun_tap_record);
    *copy = *rec;
    tap_queue_packet(msstun_tap, pinfo, copy);
}

/* ---- TCP stream of a record, from the packet's own tcp.stream field ----------------
 * The listeners that show TCP streams (the Rust tables) read tcp.stream from the packet's
 * tree when the tap hands them a record. A field is in the tree only when something
 * "primes" it before dissection: a tap listener's display filter does, in tshark's every
 * pass and in Wireshark's retaps. So the first such listener registers one more listener
 * on the msstun tap whose filter names tcp.stream; it does nothing else and stays. Runs
 * without those listeners (no -z, or only msstun,stat/srt) build no tree for it and pay
 * nothing. */

static int hf_tcp_stream = -1;
static gboolean msstun_stream_primed;

static tap_packet_status stream_primer_packet(void *p _U_, packet_info *pinfo _U_,
    epan_dissect_t *edt _U_, const void *data _U_, tap_flags_t flags _U_)
{
    return TAP_PACKET_DONT_REDRAW;
}

/* From now on, every packet's tree holds tcp.stream (idempotent). */
static void want_tcp_stream(void)
{
    static int primer;
    if (msstun_stream_primed)
        return;
    hf_tcp_stream = proto_registrar_get_id_byname("tcp.stream");
    if (hf_tcp_stream < 0)
        return;
    GString *err = register_tap_listener("msstun", &primer, "tcp.stream", TL_REQUIRES_NOTHING, NULL,
        stream_primer_packet, NULL, NULL);
    if (err) {
        g_printerr("msstun: no TCP stream numbers in the tables: %s\n", err->str);
        g_string_free(err, TRUE);
        hf_tcp_stream = -1;
        return;
    }
    msstun_stream_primed = TRUE;
}

#if WIRESHARK_VERSION_MAJOR > 4 || (WIRESHARK_VERSION_MAJOR == 4 && WIRESHARK_VERSION_MINOR >= 2)
#define MSSTUN_FI_VALUE(fi) ((fi)->value)
#else
#define MSSTUN_FI_VALUE(fi) (&(fi)->value)
#endif

/* `rec` with tcp_stream set from the packet's last tcp.stream (the TCP that carried it). */
static const msstun_tap_record *with_tcp_stream(const msstun_tap_record *rec, epan_dissect_t *edt,
    msstun_tap_record *copy)
{
    *copy = *rec;
    copy->tcp_stream = G_MAXUINT32;
    if (rec->transport != 6 || hf_tcp_stream < 0 || !edt || !edt->tree)
        return copy;
    GPtrArray *a = proto_get_finfo_ptr_array(edt->tree, hf_tcp_stream);
    if (a && a->len) {
        field_info *fi = (field_info *)g_ptr_array_index(a, a->len - 1);
        copy->tcp_stream = fvalue_get_uinteger(MSSTUN_FI_VALUE(fi));
    }
    return copy;
}

int msstun_addresses(packet_info *pinfo, guint8 src[16], guint8 dst[16])
{
    if (pinfo->src.type == AT_IPv4 && pinfo->dst.type == AT_IPv4) {
        memcpy(src, pinfo->src.data, 4);
        memcpy(dst, pinfo->dst.data, 4);
        return 4;
    }
    if (pinfo->src.type == AT_IPv6 && pinfo->dst.type == AT_IPv6) {
        memcpy(src, pinfo->src.data, 16);
        memcpy(dst, pinfo->dst.data, 16);
        return 6;
    }
    return 0;
}

void msstun_st_tick(void *p, const char *path)
{
    stats_tree *st = (stats_tree *)p;
    char buf[512];
    int parent = 0;
    const char *s = path;
    while (*s) {
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n >= sizeof buf)
            n = sizeof buf - 1;
        memcpy(buf, s, n);
        buf[n] = 0;
        parent = tick_stat_node(st, buf, parent, TRUE);
        if (!e)
            break;
        s = e + 1;
    }
}

/* ---- Messages stats tree -------------------------------------------- */

static const char st_messages[] = "MS-STUN messages";
static int st_node_messages = -1;
static int st_node_method = -1;
static int st_node_class = -1;
static int st_node_error = -1;
static int st_node_dialect = -1;
static int st_node_framing = -1;
static int st_node_carrier = -1;

static void st_stat_init(stats_tree *st)
{
    st_node_messages = stats_tree_create_node(st, st_messages, 0, STAT_DT_INT, TRUE);
    st_node_method = stats_tree_create_node(st, "Method", st_node_messages, STAT_DT_INT, TRUE);
    st_node_class = stats_tree_create_node(st, "Class", st_node_messages, STAT_DT_INT, TRUE);
    st_node_error = stats_tree_create_node(st, "Error code", st_node_messages, STAT_DT_INT, TRUE);
    st_node_dialect = stats_tree_create_node(st, "Dialect", st_node_messages, STAT_DT_INT, TRUE);
    st_node_framing = stats_tree_create_node(st, "Framing", st_node_messages, STAT_DT_INT, TRUE);
    st_node_carrier = stats_tree_create_node(st, "Carried", st_node_messages, STAT_DT_INT, TRUE);
}

static tap_packet_status st_stat_packet(stats_tree *st, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
    const void *p, tap_flags_t flags _U_)
{
    const msstun_tap_record *r = (const msstun_tap_record *)p;
    tick_stat_node(st, st_messages, 0, TRUE);
    tick_stat_node(st, "Method", st_node_messages, TRUE);
    int m = tick_stat_node(st, r->method_name, st_node_method, TRUE);
    tick_stat_node(st, r->class_name, m, FALSE);
    tick_stat_node(st, "Class", st_node_messages, TRUE);
    tick_stat_node(st, r->class_name, st_node_class, FALSE);
    if (r->error_name) {
        tick_stat_node(st, "Error code", st_node_messages, TRUE);
        tick_stat_node(st, r->error_name, st_node_error, FALSE);
    }
    tick_stat_node(st, "Dialect", st_node_messages, TRUE);
    tick_stat_node(st, r->dialect_name, st_node_dialect, FALSE);
    tick_stat_node(st, "Framing", st_node_messages, TRUE);
    tick_stat_node(st, r->framing_name, st_node_framing, FALSE);
    tick_stat_node(st, "Carried", st_node_messages, TRUE);
    tick_stat_node(st, r->carrier_name, st_node_carrier, FALSE);
    return TAP_PACKET_REDRAW;
}

/* ---- Allocations and ICE stats trees (GUI), fed by Rust ------------- */

static tap_packet_status st_alloc_packet(stats_tree *st, packet_info *pinfo _U_, epan_dissect_t *edt,
    const void *p, tap_flags_t flags _U_)
{
    msstun_tap_record rec;
    if (msstun_ttree)
        msstun_ttree(st, MSSTUN_TABLE_ALLOC, with_tcp_stream((const msstun_tap_record *)p, edt, &rec));
    return TAP_PACKET_REDRAW;
}

static tap_packet_status st_ice_packet(stats_tree *st, packet_info *pinfo _U_, epan_dissect_t *edt,
    const void *p, tap_flags_t flags _U_)
{
    msstun_tap_record rec;
    if (msstun_ttree)
        msstun_ttree(st, MSSTUN_TABLE_ICE, with_tcp_stream((const msstun_tap_record *)p, edt, &rec));
    return TAP_PACKET_REDRAW;
}

static void st_alloc_init(stats_tree *st)
{
    want_tcp_stream();
    if (msstun_ttree)
        msstun_ttree(st, MSSTUN_TABLE_ALLOC, NULL);
}

static void st_ice_init(stats_tree *st)
{
    want_tcp_stream();
    if (msstun_ttree)
        msstun_ttree(st, MSSTUN_TABLE_ICE, NULL);
}

static void st_table_cleanup(stats_tree *st)
{
    if (msstun_ttree)
        msstun_ttree(st, 0, NULL);
}

/* ---- tshark -z msstun,stat[,filter]: the Messages tree, as -z msstun_stat,tree[,filter] */

/* The filter after "<cli>," (NULL: none). */
static const char *cli_filter(const char *opt_arg, const char *cli)
{
    size_t n = strlen(cli);
    if (strncmp(opt_arg, cli, n) == 0 && opt_arg[n] == ',' && opt_arg[n + 1])
        return opt_arg + n + 1;
    return NULL;
}

/* An alias: tshark's own stats-tree command runs the tree (the same text, in every format
 * tshark offers). tshark starts it after the -z commands it was given, so among several it
 * is set up last. */
static MSSTUN_CLI_INIT_RET cli_stat_init(const char *opt_arg, void *userdata _U_)
{
    const char *filter = cli_filter(opt_arg, "msstun,stat");
    char *tree = filter ? g_strconcat(ABBR_STAT ",tree,", filter, NULL) : g_strdup(ABBR_STAT ",tree");
    gboolean ok = process_stat_cmd_arg(tree);
    if (!ok)
        g_printerr("msstun: tshark has no -z %s\n", tree);
    g_free(tree);
    if (!ok)
        return MSSTUN_CLI_FAIL;
    return MSSTUN_CLI_OK;
}

/* ---- tshark -z msstun,alloc|ice[,filter]: Rust tables --------------- */

typedef struct {
    int kind;
    void *table;
    char *filter;
} cli_table_t;

static void cli_table_reset(void *p)
{
    cli_table_t *t = (cli_table_t *)p;
    msstun_tfree(t->table);
    t->table = msstun_tnew(t->kind, t->filter);
}

static tap_packet_status cli_table_packet(void *p, packet_info *pinfo _U_, epan_dissect_t *edt,
    const void *data, tap_flags_t flags _U_)
{
    cli_table_t *t = (cli_table_t *)p;
    msstun_tap_record rec;
    msstun_tpacket(t->table, with_tcp_stream((const msstun_tap_record *)data, edt, &rec));
    return TAP_PACKET_REDRAW;
}

static void cli_table_draw(void *p)
{
    cli_table_t *t = (cli_table_t *)p;
    const char *text = msstun_ttext(t->table);
    if (text)
        g_print("%s", text);
}

static void cli_table_finish(void *p)
{
    cli_table_t *t = (cli_table_t *)p;
    msstun_tfree(t->table);
    g_free(t->filter);
    g_free(t);
}

static MSSTUN_CLI_INIT_RET cli_table_init(int kind, const char *cli, const char *opt_arg)
{
    want_tcp_stream();
    cli_table_t *t = g_new0(cli_table_t, 1);
    t->kind = kind;
    t->filter = g_strdup(cli_filter(opt_arg, cli));
    t->table = msstun_tnew(kind, t->filter);
    GString *err = register_tap_listener("msstun", t, t->filter, TL_REQUIRES_NOTHING,
        cli_table_reset, cli_table_packet, cli_table_draw, cli_table_finish);
    if (err) {
        g_printerr("tshark: Couldn't register %s tap: %s\n", cli, err->str);
        g_string_free(err, TRUE);
        msstun_tfree(t->table);
        g_free(t->filter);
        g_free(t);
        return MSSTUN_CLI_FAIL;
    }
    return MSSTUN_CLI_OK;
}

static MSSTUN_CLI_INIT_RET cli_alloc_init(const char *opt_arg, void *userdata _U_)
{
    return cli_table_init(MSSTUN_TABLE_ALLOC, "msstun,alloc", opt_arg);
}

static MSSTUN_CLI_INIT_RET cli_ice_init(const char *opt_arg, void *userdata _U_)
{
    return cli_table_init(MSSTUN_TABLE_ICE, "msstun,ice", opt_arg);
}

/* ---- tshark -z msstun,diag[,filter]: outcomes and findings (a Rust table) */

static MSSTUN_CLI_INIT_RET cli_diag_init(const char *opt_arg, void *userdata _U_)
{
    return cli_table_init(MSSTUN_TABLE_DIAG, "msstun,diag", opt_arg);
}

static void register_diag_cli(void)
{
    static stat_tap_ui ui_diag = { REGISTER_STAT_GROUP_GENERIC, "MS-STUN Diagnosis", "msstun,diag",
        cli_diag_init, 0, NULL };
    register_stat_tap_ui(&ui_diag, NULL);
}

/* ---- SRT table per method -------------------------------------------- */

static void srt_init(struct register_srt *srt _U_, GArray *srt_array)
{
    srt_stat_table *t = init_srt_table("MS-STUN", NULL, srt_array, msstun_n_methods, "Method",
        "msstun.method", NULL);
    for (int i = 0; i < msstun_n_methods; i++)
        init_srt_table_row(t, i, msstun_methods[i] ? msstun_methods[i] : "");
}

static tap_packet_status srt_packet(void *p, packet_info *pinfo, epan_dissect_t *edt _U_,
    const void *data, tap_flags_t flags _U_)
{
    srt_data_t *d = (srt_data_t *)p;
    const msstun_tap_record *r = (const msstun_tap_record *)data;
    if ((r->klass != 2 && r->klass != 3) || r->request_frame == 0)
        return TAP_PACKET_DONT_REDRAW;
    if (r->method_index >= msstun_n_methods)
        return TAP_PACKET_DONT_REDRAW;
    srt_stat_table *t = g_array_index(d->srt_array, srt_stat_table *, 0);
    nstime_t req;
    req.secs = (time_t)r->req_secs;
    req.nsecs = r->req_nsecs;
    add_srt_table_data(t, r->method_index, &req, pinfo);
    return TAP_PACKET_REDRAW;
}

/* ---- registration ---------------------------------------------------- */

void msstun_register_stats(int proto, const char *const *methods, int n,
    msstun_table_new_fn tnew, msstun_table_packet_fn tpacket, msstun_table_text_fn ttext,
    msstun_table_free_fn tfree, msstun_table_tree_fn ttree)
{
    static stat_tap_ui ui_stat = { REGISTER_STAT_GROUP_GENERIC, "MS-STUN Messages", "msstun,stat",
        cli_stat_init, 0, NULL };
    static stat_tap_ui ui_alloc = { REGISTER_STAT_GROUP_GENERIC, "MS-STUN Allocations", "msstun,alloc",
        cli_alloc_init, 0, NULL };
    static stat_tap_ui ui_ice = { REGISTER_STAT_GROUP_GENERIC, "MS-STUN ICE", "msstun,ice",
        cli_ice_init, 0, NULL };

    msstun_methods = methods;
    msstun_n_methods = n;
    msstun_tnew = tnew;
    msstun_tpacket = tpacket;
    msstun_ttext = ttext;
    msstun_tfree = tfree;
    msstun_ttree = ttree;
    msstun_tap = register_tap("msstun");

    stats_tree_register_plugin("msstun", ABBR_STAT, "MS-STUN/Messages", 0, st_stat_packet,
        st_stat_init, NULL);
    stats_tree_register_plugin("msstun", ABBR_ALLOC, "MS-STUN/Allocation messages", 0, st_alloc_packet,
        st_alloc_init, st_table_cleanup);
    stats_tree_register_plugin("msstun", ABBR_ICE, "MS-STUN/ICE checks", 0, st_ice_packet,
        st_ice_init, st_table_cleanup);
    register_stat_tap_ui(&ui_stat, NULL);
    register_stat_tap_ui(&ui_alloc, NULL);
    register_stat_tap_ui(&ui_ice, NULL);
    register_diag_cli();
    register_srt_table(proto, "msstun", 1, srt_packet, srt_init, NULL);
}

/* ---- Table dialogs: Statistics → MS-STUN → Allocations, ICE pairs, Diagnosis ----------
 * One stat_tap_table per dialog kind, its rows made by Rust from the capture's session
 * analysis. The framework's tables are shared by every dialog of a kind (and the Qt
 * dialog keeps pointers into the row arrays until it closes), so a row array is never
 * freed while the table lives: a reset empties the cells and keeps the arrays in `pool`
 * for the next run. Cells' strings are g_strndup'ed here and freed here. */

typedef struct {
    stat_tap_table_ui ui; /* the framework hands this pointer back */
    int kind;
    void *rows;           /* Rust's rows of this kind */
    GPtrArray *pool;      /* every row array made for the current table, in row order */
    guint used;           /* rows of the table in use (its num_elements as last set) */
    stat_tap_table *table;
} msstun_gui_table;

static msstun_rows_new_fn msstun_rnew;
static msstun_rows_packet_fn msstun_rpacket;
static msstun_rows_count_fn msstun_rcount;
static msstun_rows_cell_fn msstun_rcell;
static msstun_rows_reset_fn msstun_rreset;

static msstun_gui_table msstun_gui_tables[3];

static msstun_gui_table *gui_table_of(const stat_tap_table_ui *ui)
{
    for (int i = 0; i < 3; i++)
        if (&msstun_gui_tables[i].ui == ui)
            return &msstun_gui_tables[i];
    return NULL;
}

static msstun_gui_table *gui_table_of_table(const stat_tap_table *table)
{
    for (int i = 0; i < 3; i++)
        if (msstun_gui_tables[i].table == table)
            return &msstun_gui_tables[i];
    return NULL;
}

static void cell_clear(stat_tap_table_item_type *c)
{
    if (c->type == TABLE_ITEM_STRING)
        g_free((char *)c->value.string_value);
    memset(c, 0, sizeof *c);
}

/* Empty every row (the arrays stay: a dialog may still point to them). */
static void gui_table_empty(msstun_gui_table *t)
{
    if (!t->table)
        return;
    for (guint i = 0; i < t->pool->len; i++) {
        stat_tap_table_item_type *row = (stat_tap_table_item_type *)g_ptr_array_index(t->pool, i);
        for (guint c = 0; c < t->table->num_fields; c++)
            cell_clear(&row[c]);
    }
    t->table->num_elements = 0;
    t->used = 0;
}

/* Copy Rust's rows into the table. */
static void gui_table_fill(msstun_gui_table *t)
{
    guint32 n = msstun_rcount(t->rows);
    guint nf = t->table->num_fields;
    while (t->pool->len < n)
        g_ptr_array_add(t->pool, g_new0(stat_tap_table_item_type, nf));
    if (n > t->table->num_elements)
        t->table->elements = (stat_tap_table_item_type **)g_realloc(t->table->elements,
            sizeof(stat_tap_table_item_type *) * n);
    for (guint32 r = 0; r < n; r++) {
        stat_tap_table_item_type *row = (stat_tap_table_item_type *)g_ptr_array_index(t->pool, r);
        t->table->elements[r] = row;
        for (guint c = 0; c < nf; c++) {
            msstun_cell cell;
            memset(&cell, 0, sizeof cell);
            cell_clear(&row[c]);
            if (!msstun_rcell(t->rows, r, c, &cell))
                continue;
            switch (cell.type) {
            case 1:
                row[c].type = TABLE_ITEM_UINT;
                row[c].value.uint_value = cell.u;
                break;
            case 2:
                row[c].type = TABLE_ITEM_STRING;
                row[c].value.string_value = g_strndup(cell.s ? cell.s : "", cell.len);
                break;
            case 3:
                row[c].type = TABLE_ITEM_FLOAT;
                row[c].value.float_value = cell.f;
                break;
            default:
                break;
            }
        }
    }
    /* Rows past the new count (a narrower filter) are emptied, not shown. */
    for (guint32 r = n; r < t->pool->len && r < t->table->num_elements; r++) {
        stat_tap_table_item_type *row = (stat_tap_table_item_type *)g_ptr_array_index(t->pool, r);
        for (guint c = 0; c < nf; c++)
            cell_clear(&row[c]);
    }
    t->table->num_elements = n;
    t->used = n;
}

static void gui_table_init(stat_tap_table_ui *ui)
{
    msstun_gui_table *t = gui_table_of(ui);
    if (!t)
        return;
    want_tcp_stream();
    if (!t->rows)
        t->rows = msstun_rnew(t->kind);
    else
        msstun_rreset(t->rows);
    if (!ui->tables || ui->tables->len == 0 || !t->table) {
        /* The framework freed the table (free_stat_tables) and the rows in use then;
         * the pool's rows past them are ours to free. */
        if (t->pool) {
            for (guint i = t->used; i < t->pool->len; i++)
                g_free(g_ptr_array_index(t->pool, i));
            g_ptr_array_free(t->pool, TRUE);
        }
        t->pool = g_ptr_array_new();
        t->used = 0;
        t->table = stat_tap_init_table(ui->title, (int)ui->nfields, 0, NULL);
        stat_tap_add_table(ui, t->table);
    } else {
        gui_table_empty(t);
    }
}

static void gui_table_reset(stat_tap_table *table)
{
    msstun_gui_table *t = gui_table_of_table(table);
    if (!t)
        return;
    if (t->rows)
        msstun_rreset(t->rows);
    gui_table_empty(t);
}

static void gui_table_free_item(stat_tap_table *table, guint row, guint column,
    stat_tap_table_item_type *field_data)
{
    msstun_gui_table *t = gui_table_of_table(table);
    cell_clear(field_data);
    if (t && t->pool && row + 1 == table->num_elements && column + 1 == table->num_fields) {
        /* The framework frees rows 0..num_elements and the table after this; the pool
         * keeps the rest until gui_table_init. */
        for (guint i = table->num_elements; i < t->pool->len; i++)
            g_free(g_ptr_array_index(t->pool, i));
        g_ptr_array_free(t->pool, TRUE);
        t->pool = NULL;
        t->table = NULL;
    }
}

static tap_packet_status gui_table_packet(void *tapdata, packet_info *pinfo _U_,
    epan_dissect_t *edt, const void *data, tap_flags_t flags _U_)
{
    stat_data_t *sd = (stat_data_t *)tapdata;
    msstun_gui_table *t = sd ? gui_table_of(sd->stat_tap_data) : NULL;
    if (!t || !t->rows || !t->table)
        return TAP_PACKET_DONT_REDRAW;
    msstun_tap_record rec;
    if (!msstun_rpacket(t->rows, with_tcp_stream((const msstun_tap_record *)data, edt, &rec)))
        return TAP_PACKET_DONT_REDRAW;
    gui_table_fill(t);
    return TAP_PACKET_REDRAW;
}

void msstun_register_stat_tables(msstun_rows_new_fn rnew, msstun_rows_packet_fn rpacket,
    msstun_rows_count_fn rcount, msstun_rows_cell_fn rcell, msstun_rows_reset_fn rreset,
    msstun_rows_column_fn rcolumn)
{
    static const struct {
        int kind;
        const char *title;
        const char *cli;
    } kinds[3] = {
        { MSSTUN_TABLE_ALLOC, "MS-STUN Allocations", "msstun,table_alloc" },
        { MSSTUN_TABLE_ICE, "MS-STUN ICE pairs", "msstun,table_ice" },
        { MSSTUN_TABLE_DIAG, "MS-STUN Diagnosis", "msstun,table_diag" },
    };
    msstun_rnew = rnew;
    msstun_rpacket = rpacket;
    msstun_rcount = rcount;
    msstun_rcell = rcell;
    msstun_rreset = rreset;
    for (int i = 0; i < 3; i++) {
        msstun_gui_table *t = &msstun_gui_tables[i];
        guint32 n = 0;
        msstun_cell c;
        memset(&c, 0, sizeof c);
        while (rcolumn(kinds[i].kind, n, &c))
            n++;
        stat_tap_table_item *fields = g_new0(stat_tap_table_item, n ? n : 1);
        for (guint32 k = 0; k < n; k++) {
            memset(&c, 0, sizeof c);
            rcolumn(kinds[i].kind, k, &c);
            fields[k].type = c.type == 1 ? TABLE_ITEM_UINT : c.type == 3 ? TABLE_ITEM_FLOAT : TABLE_ITEM_STRING;
            fields[k].align = c.u ? TAP_ALIGN_RIGHT : TAP_ALIGN_LEFT;
            fields[k].column_name = g_strndup(c.s ? c.s : "", c.len);
            fields[k].field_format = c.format ? c.format : "%s";
        }
        t->kind = kinds[i].kind;
        t->ui.group = REGISTER_PACKET_STAT_GROUP_UNSORTED; /* Statistics, beside the MS-STUN submenu */
        t->ui.title = kinds[i].title;
        t->ui.tap_name = "msstun";
        t->ui.cli_string = kinds[i].cli;
        t->ui.stat_tap_init_cb = gui_table_init;
        t->ui.packet_func = gui_table_packet;
        t->ui.stat_tap_reset_table_cb = gui_table_reset;
        t->ui.stat_tap_free_table_item_cb = gui_table_free_item;
        t->ui.stat_filter_check_cb = NULL;
        t->ui.nfields = n;
        t->ui.fields = fields;
        t->ui.nparams = 0;
        t->ui.params = NULL;
        t->ui.tables = NULL;
        t->ui.refcount = 0;
        register_stat_tap_table_ui(&t->ui);
    }
}
