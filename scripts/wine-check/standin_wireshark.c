/* Stand-in libwireshark.dll for scripts/wine-check.sh, compiled with MinGW against the real
 * headers of the Wireshark version under test (so the types msstun.dll shares with it, e.g.
 * proto_plugin, hf_register_info, packet_info, e_prefs, have that version's layout). It
 * records what the plugin registers; everything else msstun.dll imports is a generated stub
 * that returns 0 (stubs_*.c). Written for this project. */
#define BUILD_WIRESHARK 1
#include <stdlib.h>
#include <string.h>
#include <ws_version.h>
#include <epan/packet.h>
#include <epan/prefs.h>
#include <epan/conversation.h>
#include <epan/expert.h>

e_prefs prefs;

static const proto_plugin *plugin;
static char protocol[64];
static const char *abbrevs[1024];
static int n_abbrevs;
static int next_id = 1000;
static void *heur_tcp, *heur_udp;
static dissector_t msstun_dissector;
static void (*init_routine)(void);
static conversation_t conv;

struct tvbuff {
    const guint8 *data;
    guint len;
};

void proto_register_plugin(const proto_plugin *p)
{
    plugin = p;
}

int proto_register_protocol(const char *name, const char *short_name, const char *filter_name)
{
    (void)name;
    (void)short_name;
    strncpy(protocol, filter_name, sizeof protocol - 1);
    return 42;
}

void proto_register_field_array(const int parent, hf_register_info *hf, const int num_records)
{
    (void)parent;
    for (int i = 0; i < num_records; i++) {
        *hf[i].p_id = next_id++;
        if (n_abbrevs < 1024)
            abbrevs[n_abbrevs++] = hf[i].hfinfo.abbrev;
    }
}

/* Expert items are fields too (tshark -G fields lists them under the protocol). */
void expert_register_field_array(expert_module_t *module, ei_register_info *ei, const int num_records)
{
    (void)module;
    for (int i = 0; i < num_records; i++) {
        ei[i].ids->ei = next_id++;
        if (n_abbrevs < 1024)
            abbrevs[n_abbrevs++] = ei[i].eiinfo.name;
    }
}

dissector_handle_t register_dissector(const char *name, dissector_t dissector, const int proto)
{
    (void)proto;
    if (strcmp(name, "msstun") == 0)
        msstun_dissector = dissector;
    return (dissector_handle_t)&msstun_dissector;
}

void heur_dissector_add(const char *name, heur_dissector_t dissector, const char *display_name,
    const char *internal_name, const int proto, heuristic_enable_e enable)
{
    (void)display_name;
    (void)internal_name;
    (void)proto;
    (void)enable;
    if (strcmp(name, "tcp") == 0)
        heur_tcp = (void *)dissector;
    if (strcmp(name, "udp") == 0)
        heur_udp = (void *)dissector;
}

void register_init_routine(void (*func)(void))
{
    init_routine = func;
}

#if WIRESHARK_VERSION_MAJOR > 4 || WIRESHARK_VERSION_MINOR >= 6
conversation_t *find_or_create_conversation(const packet_info *pinfo)
#else
conversation_t *find_or_create_conversation(packet_info *pinfo)
#endif
{
    (void)pinfo;
    conv.conv_index = 7;
    conv.setup_frame = 1;
    conv.last_frame = 0xffffffff;
    return &conv;
}

guint tvb_captured_length(const tvbuff_t *tvb)
{
    return tvb->len;
}

guint tvb_reported_length(const tvbuff_t *tvb)
{
    return tvb->len;
}

const guint8 *tvb_get_ptr(tvbuff_t *tvb, const gint offset, const gint length)
{
    if (offset < 0 || length < -1 || (guint)offset > tvb->len)
        abort(); /* epan would throw: the plugin must never ask */
    if (length >= 0 && (guint)offset + (guint)length > tvb->len)
        abort();
    return tvb->data + offset;
}

tvbuff_t *tvb_new_subset_length(tvbuff_t *backing, const gint backing_offset, const gint reported_length)
{
    tvbuff_t *t = (tvbuff_t *)calloc(1, sizeof *t);
    if (backing_offset < 0 || reported_length < 0 || (guint)backing_offset + (guint)reported_length > backing->len)
        abort();
    t->data = backing->data + backing_offset;
    t->len = (guint)reported_length;
    return t;
}

/* ---- for the harness ---- */
WS_DLL_PUBLIC tvbuff_t *standin_tvb(const guint8 *data, guint len);
WS_DLL_PUBLIC const proto_plugin *standin_plugin(void);
WS_DLL_PUBLIC const char *standin_protocol(void);
WS_DLL_PUBLIC int standin_fields(const char ***out);
WS_DLL_PUBLIC void *standin_heuristic(const char *list);
WS_DLL_PUBLIC void standin_init(void);

tvbuff_t *standin_tvb(const guint8 *data, guint len)
{
    tvbuff_t *t = (tvbuff_t *)calloc(1, sizeof *t);
    t->data = data;
    t->len = len;
    return t;
}

const proto_plugin *standin_plugin(void)
{
    return plugin;
}

const char *standin_protocol(void)
{
    return protocol;
}

int standin_fields(const char ***out)
{
    *out = abbrevs;
    return n_abbrevs;
}

void *standin_heuristic(const char *list)
{
    return strcmp(list, "tcp") == 0 ? heur_tcp : strcmp(list, "udp") == 0 ? heur_udp : NULL;
}

void standin_init(void)
{
    prefs.gui_max_tree_items = 1000000;
    prefs.gui_max_tree_depth = 32;
    if (init_routine)
        init_routine();
}
