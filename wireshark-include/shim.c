/* msstun.so C shim (see shim.h). Written for this project. */
#include <string.h>
#include <ws_version.h>
#include <epan/packet.h>
#include <epan/expert.h>
#include <epan/prefs.h>
#include <epan/uat.h>
#include <epan/conversation.h>
#include <epan/proto_data.h>
#include <epan/exceptions.h>
#include <epan/show_exception.h>
#include "shim.h"

/* ---- expert items ---------------------------------------------------- */

static expert_field msstun_ei_fields[MSSTUN_EI_COUNT];

void msstun_register_expert(int proto)
{
    static ei_register_info ei[] = {
        { &msstun_ei_fields[MSSTUN_EI_MALFORMED], { "msstun.expert.malformed", PI_MALFORMED, PI_ERROR,
            "Malformed message: truncated, overrunning or badly padded attribute", EXPFILL } },
        { &msstun_ei_fields[MSSTUN_EI_BAD_VALUE], { "msstun.expert.bad_value", PI_MALFORMED, PI_WARN,
            "Attribute value does not fit its layout", EXPFILL } },
        { &msstun_ei_fields[MSSTUN_EI_FINGERPRINT_BAD], { "msstun.expert.fingerprint_bad", PI_CHECKSUM, PI_ERROR,
            "Bad FINGERPRINT", EXPFILL } },
        { &msstun_ei_fields[MSSTUN_EI_INTEGRITY_BAD], { "msstun.expert.integrity_bad", PI_CHECKSUM, PI_WARN,
            "Bad MESSAGE-INTEGRITY", EXPFILL } },
        { &msstun_ei_fields[MSSTUN_EI_INTEGRITY_UNVERIFIED], { "msstun.expert.integrity_unverified", PI_CHECKSUM, PI_CHAT,
            "MESSAGE-INTEGRITY not verified (no matching credentials in msstun_credentials)", EXPFILL } },
        { &msstun_ei_fields[MSSTUN_EI_UNKNOWN_REQUIRED], { "msstun.expert.unknown_required", PI_UNDECODED, PI_WARN,
            "Unknown comprehension-required attribute", EXPFILL } },
        { &msstun_ei_fields[MSSTUN_EI_UNANSWERED], { "msstun.expert.unanswered", PI_SEQUENCE, PI_WARN,
            "Request never answered", EXPFILL } },
        { &msstun_ei_fields[MSSTUN_EI_ERROR_RESPONSE], { "msstun.expert.error_response", PI_RESPONSE_CODE, PI_NOTE,
            "Error response", EXPFILL } },
        { &msstun_ei_fields[MSSTUN_EI_BIND_NO_ATTEMPT], { "msstun.expert.bind_no_attempt", PI_SEQUENCE, PI_WARN,
            "ConnectionBind with no matching ConnectionAttempt or Connect response", EXPFILL } },
        { &msstun_ei_fields[MSSTUN_EI_PANIC], { "msstun.expert.internal_error", PI_MALFORMED, PI_ERROR,
            "msstun internal error (please report)", EXPFILL } },
        { &msstun_ei_fields[MSSTUN_EI_RETRANSMISSION], { "msstun.expert.retransmission", PI_SEQUENCE, PI_NOTE,
            "Retransmitted request", EXPFILL } },
        { &msstun_ei_fields[MSSTUN_EI_DATA_CONNECTION], { "msstun.expert.data_connection", PI_SEQUENCE, PI_CHAT,
            "RFC 6062 data connection", EXPFILL } },
        { &msstun_ei_fields[MSSTUN_EI_DEVIATION], { "msstun.expert.deviation", PI_PROTOCOL, PI_WARN,
            "Tolerated deviation from the dialect", EXPFILL } },
    };
    expert_module_t *m = expert_register_protocol(proto);
    expert_register_field_array(m, ei, array_length(ei));
}

void msstun_expert(packet_info *pinfo, proto_item *item, int which, const char *text)
{
    if (which < 0 || which >= MSSTUN_EI_COUNT)
        which = MSSTUN_EI_PANIC;
    expert_add_info_format(pinfo, item, &msstun_ei_fields[which], "%s", text);
}

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

/* Ports claimed outright (preference msstun.ports, empty by default). */
static range_t *msstun_ports = NULL;
static range_t *msstun_ports_applied = NULL;
static dissector_handle_t msstun_handle = NULL;

static void msstun_ports_apply(void)
{
    if (!msstun_handle || !msstun_ports)
        return;
    if (msstun_ports_applied) {
        dissector_delete_uint_range("tcp.port", msstun_ports_applied, msstun_handle);
        dissector_delete_uint_range("udp.port", msstun_ports_applied, msstun_handle);
        wmem_free(wmem_epan_scope(), msstun_ports_applied);
    }
    msstun_ports_applied = range_copy(wmem_epan_scope(), msstun_ports);
    dissector_add_uint_range("tcp.port", msstun_ports_applied, msstun_handle);
    dissector_add_uint_range("udp.port", msstun_ports_applied, msstun_handle);
}

void msstun_handoff_ports(dissector_handle_t handle)
{
    msstun_handle = handle;
    dissector_add_for_decode_as("tcp.port", handle);
    dissector_add_for_decode_as("udp.port", handle);
    msstun_ports_apply();
}

void msstun_register_prefs(int proto)
{
    static uat_field_t fields[] = {
        UAT_FLD_CSTRING(msstun_cred, username, "Username", "USERNAME as sent in the messages"),
        UAT_FLD_CSTRING(msstun_cred, realm, "Realm", "REALM (empty: short-term credential, e.g. an ICE password)"),
        UAT_FLD_CSTRING(msstun_cred, password, "Password", "Password (never shown in the packet tree)"),
        UAT_END_FIELDS
    };
    module_t *module = prefs_register_protocol(proto, msstun_ports_apply);
    msstun_ports = range_empty(wmem_epan_scope());
    prefs_register_range_preference(module, "ports", "TCP and UDP ports",
        "Ports whose traffic msstun claims outright, before the built-in stun and TLS "
        "dissectors (e.g. 3478,443). Empty: only heuristics and Decode As.",
        &msstun_ports, 65535);
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

/* A direct-mapped cache: hash of the packet's addresses/ports/port type -> the conversation
 * found for it. A conversation table lookup costs ~1,000 instructions in 4.0; the cache
 * costs a hash. A cached conversation is still the right one for frame `num` when it was
 * set up before `num` and no newer conversation on the same key (the hash chain: TCP adds
 * one when a SYN with a new ISN reuses a 5-tuple) was set up at or before `num`. */
#define MSSTUN_CONV_CACHE 1024
static struct {
    guint64 key;
    conversation_t *conv;
} msstun_conv_cache[MSSTUN_CONV_CACHE];

void msstun_conv_cache_reset(void)
{
    memset(msstun_conv_cache, 0, sizeof msstun_conv_cache);
}

static guint64 mix(guint64 h, guint64 v)
{
    h ^= v;
    h *= G_GUINT64_CONSTANT(0x9e3779b97f4a7c15);
    return h ^ (h >> 29);
}

static guint64 endpoint_hash(const address *a, guint32 port)
{
    guint64 h = mix(G_GUINT64_CONSTANT(0xcbf29ce484222325), ((guint64)a->type << 32) | port);
    const guint8 *p = (const guint8 *)a->data;
    int i = 0;
    if (a->len > 0 && p) {
        for (; i + 4 <= a->len; i += 4)
            h = mix(h, (guint64)p[i] << 24 | (guint64)p[i + 1] << 16 | (guint64)p[i + 2] << 8 | p[i + 3]);
        for (; i < a->len; i++)
            h = mix(h, p[i]);
    }
    return h;
}

guint64 msstun_flow_key(packet_info *pinfo)
{
    guint64 a = endpoint_hash(&pinfo->src, pinfo->srcport);
    guint64 b = endpoint_hash(&pinfo->dst, pinfo->destport);
    guint64 lo = a < b ? a : b, hi = a < b ? b : a;
    return mix(mix(lo, hi), (guint64)pinfo->ptype);
}

guint32 msstun_conv_id(packet_info *pinfo)
{
    guint64 k = msstun_flow_key(pinfo);
    guint32 num = pinfo->num;
    size_t slot = (size_t)(k % MSSTUN_CONV_CACHE);
    conversation_t *c = msstun_conv_cache[slot].conv;
    if (c && msstun_conv_cache[slot].key == k && c->setup_frame <= num
        && (c->next == NULL || c->next->setup_frame > num))
        return c->conv_index;
    c = find_or_create_conversation(pinfo);
    msstun_conv_cache[slot].key = k;
    msstun_conv_cache[slot].conv = c;
    return c->conv_index;
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

void msstun_call_relayed(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree)
{
    heur_dtbl_entry_t *hdtbl_entry = NULL;
    if (!msstun_udp_heur)
        msstun_udp_heur = find_heur_dissector_list("udp");
    msstun_in_relayed++;
    TRY {
        if (!(msstun_data_heur && dissector_try_heuristic(msstun_data_heur, tvb, pinfo, tree, &hdtbl_entry, NULL))
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
