/* msstun.so C shim (see shim.h). Written for this project. */
#include <string.h>
#include <ws_version.h>
#include <epan/packet.h>
#include <epan/prefs.h>
#include <epan/uat.h>
#include <epan/conversation.h>
#include <epan/proto_data.h>
#include <epan/exceptions.h>
#include <epan/show_exception.h>
#include "shim.h"

/* Boolean preferences are `bool` since Wireshark 4.4, `gboolean` before. */
#if WIRESHARK_VERSION_MAJOR > 4 || (WIRESHARK_VERSION_MAJOR == 4 && WIRESHARK_VERSION_MINOR >= 4)
typedef bool msstun_pref_bool;
#else
typedef gboolean msstun_pref_bool;
#endif

/* ---- credentials UAT ------------------------------------------------- */

typedef struct {
    char *username;
    char *realm;
    char *password;
} msstun_cred_t;

static msstun_cred_t *msstun_creds = NULL;
static guint msstun_ncreds = 0;

static void *cred_copy(void *dst, const void *src, size_t len)
{
    const msstun_cred_t *s = (const msstun_cred_t *)src;
    msstun_cred_t *d = (msstun_cred_t *)dst;
    (void)len;
    d->username = g_strdup(s->username);
    d->realm = g_strdup(s->realm);
    d->password = g_strdup(s->password);
    return d;
}

static void cred_free(void *r)
{
    msstun_cred_t *c = (msstun_cred_t *)r;
    g_free(c->username);
    g_free(c->realm);
    g_free(c->password);
}

UAT_CSTRING_CB_DEF(msstun_cred, username, msstun_cred_t)
UAT_CSTRING_CB_DEF(msstun_cred, realm, msstun_cred_t)
UAT_CSTRING_CB_DEF(msstun_cred, password, msstun_cred_t)

guint msstun_cred_count(void)
{
    return msstun_ncreds;
}

int msstun_cred_get(guint i, const char **username, const char **realm, const char **password)
{
    if (i >= msstun_ncreds || msstun_creds == NULL)
        return 0;
    *username = msstun_creds[i].username ? msstun_creds[i].username : "";
    *realm = msstun_creds[i].realm ? msstun_creds[i].realm : "";
    *password = msstun_creds[i].password ? msstun_creds[i].password : "";
    return 1;
}

/* ---- the ports msstun takes ---------------------------------------------
 * The policy (which ports, what goes on each, what was there before, the shared port's
 * decision) is src/plugin/ports.rs; here are only its calls into libwireshark: the
 * preferences' storage, the tables, and the hop of a TCP port shared with TLS. */
static range_t *msstun_tcp_ports = NULL, *msstun_udp_ports = NULL, *msstun_shared_ports = NULL;
static msstun_pref_bool msstun_take_ports = TRUE;
static msstun_hop_route_fn hop_route = NULL;

static const range_t *pref_ports(int which)
{
    switch (which) {
    case MSSTUN_PORTS_UDP:
        return msstun_udp_ports;
    case MSSTUN_PORTS_TCP:
        return msstun_tcp_ports;
    case MSSTUN_PORTS_SHARED:
        return msstun_shared_ports;
    default:
        return NULL;
    }
}

int msstun_pref_ports(int which, guint i, guint32 *low, guint32 *high)
{
    const range_t *r = pref_ports(which);
    if (!r || i >= r->nranges)
        return 0;
    *low = r->ranges[i].low;
    *high = r->ranges[i].high;
    return 1;
}

int msstun_pref_take_ports(void)
{
    return msstun_take_ports ? 1 : 0;
}

int msstun_protocol_enabled(int proto)
{
    protocol_t *p = find_protocol_by_id(proto);
    return p && proto_is_protocol_enabled(p);
}

static dissector_table_t port_table(int tcp)
{
    static dissector_table_t tables[2];
    if (!tables[tcp != 0])
        tables[tcp != 0] = find_dissector_table(tcp ? "tcp.port" : "udp.port");
    return tables[tcp != 0];
}

dissector_handle_t msstun_port_get(int tcp, guint32 port)
{
    dissector_table_t t = port_table(tcp);
    return t ? dissector_get_uint_handle(t, port) : NULL;
}

void msstun_port_set(int tcp, guint32 port, dissector_handle_t handle)
{
    dissector_add_uint(tcp ? "tcp.port" : "udp.port", port, handle);
}

void msstun_port_delete(int tcp, guint32 port, dissector_handle_t handle)
{
    dissector_delete_uint(tcp ? "tcp.port" : "udp.port", port, handle);
}

dissector_handle_t msstun_find_dissector(const char *name)
{
    return find_dissector(name);
}

/* The hop of a TCP port shared with TLS: the route (src/plugin/ports.rs) names the
 * dissector of this packet; the connection becomes that dissector's when claimed.
 * The hop only stands between TCP and that dissector, so it hands on TCP's offer to
 * desegment: every dissector call lowers pinfo->can_desegment by one (TCP offers 2), which
 * would leave none to the dissector called here (TLS could not reassemble a ClientHello
 * split across segments). The call restores the value the hop had when it returns. */
static int dissect_hop(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    dissector_handle_t handle = NULL;
    int claim = 0;
    int r = hop_route ? hop_route(tvb, pinfo, &handle, &claim) : 0;
    if (r < 0)
        return tvb_captured_length(tvb); /* asked TCP for more */
    if (!handle)
        return 0;
    if (claim && !PINFO_FD_VISITED(pinfo))
        conversation_set_dissector(find_or_create_conversation(pinfo), handle);
    pinfo->can_desegment = pinfo->saved_can_desegment;
    return call_dissector_only(handle, tvb, pinfo, tree, data);
}

dissector_handle_t msstun_register_hop(msstun_hop_route_fn route)
{
    hop_route = route;
    return create_dissector_handle_with_name_and_description(dissect_hop, -1, "msstun_port",
        "MS-STUN (port taken from STUN/TLS)");
}

/* Preferences of relayed payloads and of the session analysis. */
static msstun_pref_bool msstun_decode_payloads = TRUE;
static msstun_pref_bool msstun_analyze_sessions = TRUE;

int msstun_pref_analyze_sessions(void)
{
    return msstun_analyze_sessions ? 1 : 0;
}
static const char *msstun_payload_dissector = "";

void msstun_register_prefs(int proto, void (*apply)(void))
{
    static uat_field_t fields[] = {
        UAT_FLD_CSTRING(msstun_cred, username, "Username", "USERNAME as sent in the messages"),
        UAT_FLD_CSTRING(msstun_cred, realm, "Realm", "REALM (empty: short-term credential, e.g. an ICE password)"),
        UAT_FLD_CSTRING(msstun_cred, password, "Password", "Password (never shown in the packet tree)"),
        UAT_END_FIELDS
    };
    module_t *module = prefs_register_protocol(proto, apply);
    range_convert_str(wmem_epan_scope(), &msstun_tcp_ports, MSSTUN_DEFAULT_TCP_PORTS, 65535);
    range_convert_str(wmem_epan_scope(), &msstun_udp_ports, MSSTUN_DEFAULT_UDP_PORTS, 65535);
    range_convert_str(wmem_epan_scope(), &msstun_shared_ports, MSSTUN_DEFAULT_SHARED_PORTS, 65535);
    prefs_register_bool_preference(module, "take_ports", "Take the STUN/TURN ports",
        "Decode the ports below as MS-STUN. Off: every port is decoded by the dissector that had it "
        "(the built-in STUN on 3478, TLS on 443), as in Wireshark without this plugin; msstun then "
        "finds STUN by its heuristics only (and where Decode As gives it a port).",
        &msstun_take_ports);
    prefs_register_range_preference(module, "tcp_ports", "TCP ports",
        "TCP ports decoded as MS-STUN (default " MSSTUN_DEFAULT_TCP_PORTS ", the STUN/TURN port, "
        "taken from the built-in STUN dissector).",
        &msstun_tcp_ports, 65535);
    prefs_register_range_preference(module, "udp_ports", "UDP ports",
        "UDP ports decoded as MS-STUN (default " MSSTUN_DEFAULT_UDP_PORTS ": STUN/TURN 3478 and the "
        "Microsoft Teams transport relay media ports 3479-3481). A datagram on them that is not STUN "
        "or ChannelData is handed on, not reported as malformed.",
        &msstun_udp_ports, 65535);
    prefs_register_range_preference(module, "shared_tcp_ports", "TCP ports shared with TLS",
        "TCP ports where a connection is MS-STUN when its first bytes are [MS-TURN] pseudo-TLS, "
        "[MS-TURN] TCP framing or STUN, and goes to the port's own dissector (TLS) otherwise; decided "
        "once per connection (default " MSSTUN_DEFAULT_SHARED_PORTS ").",
        &msstun_shared_ports, 65535);
    prefs_register_obsolete_preference(module, "ports");
    prefs_register_bool_preference(module, "decode_payloads", "Decode relayed payloads",
        "Hand what TURN relays (ChannelData, DATA attributes, RFC 6062 data connections, MS-TURN data) "
        "and what travels beside ICE checks to RTP, RTCP, DTLS or ZRTP by RFC 7983's first-byte rules "
        "(STUN is always decoded by msstun). Off: to the msstun.data heuristics, then data.",
        &msstun_decode_payloads);
    prefs_register_string_preference(module, "payload_dissector", "Dissector for relayed payloads",
        "Name of a dissector that takes every relayed payload that is not STUN (e.g. rtp), instead of "
        "the classification. Empty: by RFC 7983.",
        &msstun_payload_dissector);
    prefs_register_bool_preference(module, "analyze_sessions", "Analyze allocations and ICE candidate pairs",
        "Follow TURN allocations (lifetimes, permissions, channels, RFC 6062 data connections) and ICE "
        "candidate pairs (checks each way, valid, nominated) across the capture: msstun.allocation.* and "
        "msstun.ice.* fields and their expert items. Some conclusions (a check never answered, an "
        "allocation that expired) are known only at the end of the capture: use two passes (tshark -2).",
        &msstun_analyze_sessions);
    uat_t *uat = uat_new("MS-STUN credentials",
                         sizeof(msstun_cred_t),
                         "msstun_credentials",
                         TRUE,
                         &msstun_creds,
                         &msstun_ncreds,
                         UAT_AFFECTS_DISSECTION,
                         NULL,
                         cred_copy,
                         NULL,
                         cred_free,
                         NULL,
                         NULL,
                         fields);
    prefs_register_uat_preference(module, "credentials", "Credentials",
        "Usernames, realms and passwords used to verify MESSAGE-INTEGRITY(-SHA256)", uat);
}

/* ---- packet helpers -------------------------------------------------- */

int msstun_visited(packet_info *pinfo)
{
    return PINFO_FD_VISITED(pinfo) ? 1 : 0;
}

int msstun_in_error_pkt(packet_info *pinfo)
{
    return pinfo->flags.in_error_pkt ? 1 : 0;
}

/* The conversation of this packet, found or created (~1,000 instructions in 4.0: the
 * plugin keeps it per flow, see src/plugin/flow.rs, and checks a kept one in Rust from its
 * public fields, src/epan/packet.rs); its index in *index. */
void *msstun_conv_find(packet_info *pinfo, guint32 *index)
{
    conversation_t *c = find_or_create_conversation(pinfo);
    *index = c->conv_index;
    return c;
}

void msstun_claim_conversation(packet_info *pinfo, dissector_handle_t handle)
{
    conversation_set_dissector(find_or_create_conversation(pinfo), handle);
}

void msstun_abs_ts(packet_info *pinfo, gint64 *secs, int *nsecs)
{
    *secs = (gint64)pinfo->abs_ts.secs;
    *nsecs = pinfo->abs_ts.nsecs;
}

proto_item *msstun_add_reltime(proto_tree *tree, int hf, tvbuff_t *tvb, gint64 secs, int nsecs)
{
    nstime_t t;
    proto_item *it;
    t.secs = (time_t)secs;
    t.nsecs = nsecs;
    it = proto_tree_add_time(tree, hf, tvb, 0, 0, &t);
    proto_item_set_generated(it);
    return it;
}

int msstun_tree_visible(proto_tree *tree)
{
    return (tree && PTREE_DATA(tree) && PTREE_DATA(tree)->visible) ? 1 : 0;
}

void msstun_set_generated(proto_item *item)
{
    proto_item_set_generated(item);
}

void msstun_set_hidden(proto_item *item)
{
    proto_item_set_hidden(item);
}

/* ---- heuristics and relayed data ------------------------------------- */

static heur_dissector_list_t msstun_data_heur = NULL;

void msstun_register_data_heur(int proto)
{
    msstun_data_heur = register_heur_dissector_list("msstun.data", proto);
}

static heur_dissector_list_t msstun_udp_heur = NULL;
static int msstun_in_relayed = 0;

int msstun_relaying(void)
{
    return msstun_in_relayed;
}


int msstun_pref_decode_payloads(void)
{
    return msstun_decode_payloads ? 1 : 0;
}

/* A dissector by name, looked up once per name (names are static strings of the plugin, or
 * the preference's current value). */
static dissector_handle_t payload_handle(const char *name)
{
    /* No heap: a one-time cache must not look like a leak to memcheck (fuzz-tshark). */
    static char names[8][32];
    static dissector_handle_t handles[8];
    if (!name || !*name)
        return NULL;
    if (strlen(name) >= sizeof names[0])
        return find_dissector(name);
    for (int i = 0; i < 8; i++) {
        if (names[i][0] && strcmp(names[i], name) == 0)
            return handles[i];
        if (!names[i][0]) {
            g_strlcpy(names[i], name, sizeof names[i]);
            handles[i] = find_dissector(name);
            return handles[i];
        }
    }
    return find_dissector(name);
}

void msstun_call_relayed(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const char *dissector)
{
    heur_dtbl_entry_t *hdtbl_entry = NULL;
    /* volatile: set before TRY's setjmp and read inside it (gcc -Wclobbered). */
    dissector_handle_t volatile h = NULL;
    if (msstun_decode_payloads)
        h = payload_handle(*msstun_payload_dissector ? msstun_payload_dissector : dissector);
    if (!msstun_udp_heur)
        msstun_udp_heur = find_heur_dissector_list("udp");
    msstun_in_relayed++;
    TRY {
        if (!(h && call_dissector_only(h, tvb, pinfo, tree, NULL) > 0)
            && !(msstun_data_heur && dissector_try_heuristic(msstun_data_heur, tvb, pinfo, tree, &hdtbl_entry, NULL))
            && !(msstun_udp_heur && dissector_try_heuristic(msstun_udp_heur, tvb, pinfo, tree, &hdtbl_entry, NULL)))
            call_data_dissector(tvb, pinfo, tree);
    }
    CATCH_NONFATAL_ERRORS {
        show_exception(tvb, pinfo, tree, EXCEPT_CODE, GET_MESSAGE);
    }
    ENDTRY;
    msstun_in_relayed--;
}

void msstun_add_heuristics(int proto, void *tcp, void *udp)
{
    heur_dissector_add("tcp", (heur_dissector_t)tcp, "MS-STUN over TCP", "msstun_tcp", proto, HEURISTIC_ENABLE);
    heur_dissector_add("udp", (heur_dissector_t)udp, "MS-STUN over UDP", "msstun_udp", proto, HEURISTIC_ENABLE);
}

/* ---- media: SRTP/SRTCP, TURN over TLS and DTLS (issue 18 items 1 and 3) ---- */
#include <epan/tap.h>
#include <epan/dissectors/packet-rtp.h>
#include <epan/dissectors/packet-tls.h>
#include <epan/dissectors/packet-dtls.h>

static gint msstun_media_encryption = 0;

static const enum_val_t msstun_media_encryption_vals[] = {
    { "auto", "Auto: SRTCP by its trailer, SRTP on flows that show it (ICE checks with MESSAGE-INTEGRITY, DTLS-SRTP, Microsoft dialects)", 0 },
    { "srtp", "SRTP/SRTCP: every relayed or multiplexed RTP/RTCP payload is encrypted", 1 },
    { "rtp", "RTP/RTCP: every relayed or multiplexed RTP/RTCP payload is plain", 2 },
    { NULL, NULL, -1 }
};

void msstun_register_media_prefs(void)
{
    module_t *module = prefs_find_module("msstun");
    if (!module)
        return;
    prefs_register_enum_preference(module, "media_encryption", "Media encryption",
        "How RTP and RTCP that msstun hands on (relayed by TURN, or beside ICE checks) are shown. "
        "Auto: RTCP followed by an SRTCP trailer (E flag and index, authentication tag; lengths "
        "consistent with the compound's own) goes to SRTCP; RTP is SRTP (header decoded, payload, "
        "padding and tag not interpreted) on flows where SRTP is the rule: ICE checks with "
        "MESSAGE-INTEGRITY, a DTLS(-SRTP) handshake or a Microsoft dialect seen on the flow. "
        "SRTP: all of it is SRTP/SRTCP. RTP: all of it is plain RTP/RTCP.",
        &msstun_media_encryption, msstun_media_encryption_vals, FALSE);
}

int msstun_pref_media_encryption(void)
{
    return msstun_media_encryption;
}

int msstun_payloads_by_class(void)
{
    return msstun_decode_payloads && !*msstun_payload_dissector;
}

/* The extended sequence number and timestamp of each SSRC on each flow, as the RTP dissector
 * keeps them (the previous value's high bits; a jump of more than half the range wraps), for
 * the tap record. Direct-mapped, no heap; forgotten with the capture file. */
#define MSSTUN_RTP_EXT 256
static struct {
    guint64 key;
    guint32 seq;
    guint64 ts;
} msstun_rtp_ext[MSSTUN_RTP_EXT];

void msstun_rtp_ext_reset(void)
{
    memset(msstun_rtp_ext, 0, sizeof msstun_rtp_ext);
}

/* The slot key of an RTP stream: the plugin's flow key (src/plugin/flow.rs) and the SSRC. */
static guint64 mix(guint64 h, guint64 v)
{
    h ^= v;
    h *= G_GUINT64_CONSTANT(0x9e3779b97f4a7c15);
    return h ^ (h >> 29);
}

static void rtp_extend(guint64 flow, guint32 ssrc, guint16 seq, guint32 ts,
                       guint32 *ext_seq, guint64 *ext_ts)
{
    guint64 key = mix(flow, ssrc) | 1;
    size_t slot = (size_t)(key % MSSTUN_RTP_EXT);
    if (msstun_rtp_ext[slot].key != key) {
        msstun_rtp_ext[slot].key = key;
        msstun_rtp_ext[slot].seq = 0x10000 | seq;
        msstun_rtp_ext[slot].ts = G_GUINT64_CONSTANT(0x100000000) | ts;
    } else {
        guint32 s = (msstun_rtp_ext[slot].seq & 0xffff0000) | seq;
        guint64 t = (msstun_rtp_ext[slot].ts & G_GUINT64_CONSTANT(0xffffffff00000000)) | ts;
        if (s + 0x8000 < msstun_rtp_ext[slot].seq)
            s += 0x10000;
        else if (msstun_rtp_ext[slot].seq + 0x8000 < s)
            s -= 0x10000;
        if (t + G_GUINT64_CONSTANT(0x80000000) < msstun_rtp_ext[slot].ts)
            t += G_GUINT64_CONSTANT(0x100000000);
        else if (msstun_rtp_ext[slot].ts + G_GUINT64_CONSTANT(0x80000000) < t)
            t -= G_GUINT64_CONSTANT(0x100000000);
        msstun_rtp_ext[slot].seq = s;
        msstun_rtp_ext[slot].ts = t;
    }
    *ext_seq = msstun_rtp_ext[slot].seq;
    *ext_ts = msstun_rtp_ext[slot].ts;
}

/* Queue an RTP tap record for an SRTP packet msstun decoded itself (so that Telephony > RTP
 * and -z rtp,streams list the stream, marked SRTP). */
void msstun_rtp_tap(tvbuff_t *tvb, packet_info *pinfo, guint header_len, guint64 flow)
{
    static int rtp_tap = -2;
    struct _rtp_info *ri;
    const guint8 *p;
    guint len = tvb_captured_length(tvb);
    if (rtp_tap == -2)
        rtp_tap = find_tap_id("rtp");
    if (rtp_tap < 0 || pinfo->flags.in_error_pkt || len < 12 || header_len > len)
        return;
    p = tvb_get_ptr(tvb, 0, len);
    ri = wmem_new0(pinfo->pool, struct _rtp_info);
    ri->info_version = p[0] >> 6;
    ri->info_padding_set = (p[0] & 0x20) != 0;
    ri->info_marker_set = (p[1] & 0x80) != 0;
    ri->info_payload_type = p[1] & 0x7f;
    ri->info_seq_num = (guint16)(p[2] << 8 | p[3]);
    ri->info_timestamp = (guint32)p[4] << 24 | (guint32)p[5] << 16 | (guint32)p[6] << 8 | p[7];
    ri->info_sync_src = (guint32)p[8] << 24 | (guint32)p[9] << 16 | (guint32)p[10] << 8 | p[11];
    rtp_extend(flow, ri->info_sync_src, ri->info_seq_num, ri->info_timestamp,
               &ri->info_extended_seq_num, &ri->info_extended_timestamp);
    ri->info_is_srtp = TRUE;
    ri->info_all_data_present = len == tvb_reported_length(tvb);
    ri->info_data_len = ri->info_all_data_present ? len : 0;
    ri->info_data = ri->info_all_data_present ? p : NULL;
    ri->info_payload_offset = header_len;
    ri->info_payload_len = len - header_len;
    tap_queue_packet(rtp_tap, pinfo, ri);
}

/* TURN over TLS and DTLS: RFC 7443 ALPN, RFC 8656 port 5349, and the tls/dtls heuristics
 * (which TLS tries before the port's dissector: `turns:` on 443, no ALPN). Not tls.port 443:
 * the TLS tree names that port's dissector even without keys. */
void msstun_register_tls(int proto, dissector_handle_t stream, void *heur_tls, void *heur_dtls)
{
    dissector_add_string("tls.alpn", "stun.turn", stream);
    dissector_add_string("tls.alpn", "stun.nat-discovery", stream);
    dissector_add_string("dtls.alpn", "stun.turn", stream);
    dissector_add_string("dtls.alpn", "stun.nat-discovery", stream);
    ssl_dissector_add(5349, stream);
    dtls_dissector_add(5349, stream);
    heur_dissector_add("tls", (heur_dissector_t)heur_tls, "MS-STUN over TLS", "msstun_tls", proto, HEURISTIC_ENABLE);
    heur_dissector_add("dtls", (heur_dissector_t)heur_dtls, "MS-STUN over DTLS", "msstun_dtls", proto, HEURISTIC_ENABLE);
}

/* ---- keeping epan from throwing (see the table in src/epan/mod.rs) ------ */

int msstun_tree_room(proto_tree *tree, unsigned items, unsigned levels)
{
    /* proto_tree_add_* throw DissectorError when the tree would hold more than
     * gui.max_tree_items items, or when a node's first child would sit deeper than
     * gui.max_tree_depth (1 + the nodes from the parent up to the root). Answer whether
     * `items` more items, `levels` below `tree`, stay within both. */
    const proto_node *n;
    unsigned depth = 0;
    if (!tree)
        return 1; /* epan adds nothing to no tree */
    if (!PTREE_DATA(tree) || PTREE_DATA(tree)->count + items > prefs.gui_max_tree_items)
        return 0;
    if (levels <= 1 && tree->first_child)
        return 1; /* epan checks the depth only for a node's first child */
    for (n = tree; n; n = n->parent)
        depth++;
    return depth + levels <= prefs.gui_max_tree_depth;
}
