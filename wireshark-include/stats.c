/* msstun.so statistics (see stats.h). Written for this project; no Wireshark code is copied
 * here. What it builds on:
 *  - the "msstun" tap, one msstun_tap_record per decoded STUN message;
 *  - stats trees registered as a plugin's (Statistics → MS-STUN → … in the GUI): Messages,
 *    Allocations, ICE;
 *  - an SRT table per method (tshark -z msstun,srt; GUI Statistics → Service Response Time);
 *  - tshark names -z msstun,stat|alloc|ice[,filter] (stat_tap_ui): msstun,stat prints the
 *    Messages stats tree exactly as tshark prints any stats tree; alloc and ice print the
 *    text tables of the Rust listeners.
 * No C stdio here (no printf/fprintf/puts): on Windows the plugin's C runtime is not
 * Wireshark's, and its stdout buffer would interleave out of order with tshark's. Text goes
 * out through GLib (g_print/g_printerr), whose runtime is Wireshark's. */
#include <string.h>
#include <ws_version.h>
#include <epan/packet.h>
#include <epan/tap.h>
#include <epan/stats_tree.h>
#include <epan/stats_tree_priv.h>
#include <epan/stat_tap_ui.h>
#include <epan/srt_table.h>
#include <epan/conversation.h>
#include <epan/prefs.h>
#include <epan/dissectors/packet-tcp.h>
#include "stats.h"

#if WIRESHARK_VERSION_MAJOR > 4 || (WIRESHARK_VERSION_MAJOR == 4 && WIRESHARK_VERSION_MINOR >= 6)
#define MSSTUN_CLI_INIT_RET bool
#define MSSTUN_CLI_OK true
#define MSSTUN_CLI_FAIL false
#define MSSTUN_ST_FORMAT ((st_format_type)prefs.st_format)
#else
#define MSSTUN_CLI_INIT_RET void
#define MSSTUN_CLI_OK
#define MSSTUN_CLI_FAIL
#define MSSTUN_ST_FORMAT ST_FORMAT_PLAIN
#endif

static int msstun_tap = -1;
static int msstun_proto_tcp = -1;
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

guint32 msstun_tcp_stream(packet_info *pinfo)
{
    if (pinfo->ptype != PT_TCP)
        return G_MAXUINT32;
    if (msstun_proto_tcp < 0)
        msstun_proto_tcp = proto_get_id_by_filter_name("tcp");
    if (msstun_proto_tcp < 0)
        return G_MAXUINT32;
    conversation_t *conv = find_conversation_pinfo(pinfo, 0);
    if (!conv)
        return G_MAXUINT32;
    struct tcp_analysis *tcpd = (struct tcp_analysis *)conversation_get_proto_data(conv, msstun_proto_tcp);
    return tcpd ? tcpd->stream : G_MAXUINT32;
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

static tap_packet_status st_alloc_packet(stats_tree *st, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
    const void *p, tap_flags_t flags _U_)
{
    if (msstun_ttree)
        msstun_ttree(st, MSSTUN_TABLE_ALLOC, (const msstun_tap_record *)p);
    return TAP_PACKET_REDRAW;
}

static tap_packet_status st_ice_packet(stats_tree *st, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
    const void *p, tap_flags_t flags _U_)
{
    if (msstun_ttree)
        msstun_ttree(st, MSSTUN_TABLE_ICE, (const msstun_tap_record *)p);
    return TAP_PACKET_REDRAW;
}

static void st_alloc_init(stats_tree *st)
{
    if (msstun_ttree)
        msstun_ttree(st, MSSTUN_TABLE_ALLOC, NULL);
}

static void st_ice_init(stats_tree *st)
{
    if (msstun_ttree)
        msstun_ttree(st, MSSTUN_TABLE_ICE, NULL);
}

static void st_table_cleanup(stats_tree *st)
{
    if (msstun_ttree)
        msstun_ttree(st, 0, NULL);
}

/* ---- tshark -z msstun,stat[,filter]: the Messages tree, printed as tshark prints trees */

static void cli_tree_draw(void *p)
{
    stats_tree *st = (stats_tree *)p;
    GString *s = stats_tree_format_as_str(st, MSSTUN_ST_FORMAT, stats_tree_get_default_sort_col(st),
        stats_tree_is_default_sort_DESC(st));
    g_print("%s", s->str);
    g_string_free(s, TRUE);
}

static void cli_tree_free(void *p)
{
    stats_tree_free((stats_tree *)p);
}

/* The filter after "<cli>," (NULL: none). */
static const char *cli_filter(const char *opt_arg, const char *cli)
{
    size_t n = strlen(cli);
    if (strncmp(opt_arg, cli, n) == 0 && opt_arg[n] == ',' && opt_arg[n + 1])
        return opt_arg + n + 1;
    return NULL;
}

static MSSTUN_CLI_INIT_RET cli_stat_init(const char *opt_arg, void *userdata _U_)
{
    stats_tree_cfg *cfg = stats_tree_get_cfg_by_abbr(ABBR_STAT);
    if (!cfg) {
        g_printerr("msstun: stats tree %s not registered\n", ABBR_STAT);
        return MSSTUN_CLI_FAIL;
    }
    stats_tree *st = stats_tree_new(cfg, NULL, cli_filter(opt_arg, "msstun,stat"));
    GString *err = register_tap_listener(cfg->tapname, st, st->filter, cfg->flags, stats_tree_reset,
        stats_tree_packet, cli_tree_draw, cli_tree_free);
    if (err) {
        g_printerr("tshark: Couldn't register msstun,stat tap: %s\n", err->str);
        g_string_free(err, TRUE);
        stats_tree_free(st);
        return MSSTUN_CLI_FAIL;
    }
    if (cfg->init)
        cfg->init(st);
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

static tap_packet_status cli_table_packet(void *p, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
    const void *data, tap_flags_t flags _U_)
{
    cli_table_t *t = (cli_table_t *)p;
    msstun_tpacket(t->table, (const msstun_tap_record *)data);
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
    stats_tree_register_plugin("msstun", ABBR_ALLOC, "MS-STUN/Allocations", 0, st_alloc_packet,
        st_alloc_init, st_table_cleanup);
    stats_tree_register_plugin("msstun", ABBR_ICE, "MS-STUN/ICE", 0, st_ice_packet,
        st_ice_init, st_table_cleanup);
    register_stat_tap_ui(&ui_stat, NULL);
    register_stat_tap_ui(&ui_alloc, NULL);
    register_stat_tap_ui(&ui_ice, NULL);
    register_diag_cli();
    register_srt_table(proto, "msstun", 1, srt_packet, srt_init, NULL);
}
