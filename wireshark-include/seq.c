/* msstun.so: the MSSTUN flow of Wireshark's sequence analysis.
 *
 * Statistics → Flow Graph → "MSSTUN" and `tshark -z flow,msstun,standard|network[,filter]`
 * draw one arrow per STUN message: the dissector (src/dissect/flow.rs, through
 * src/epan/seq.rs) queues one msstun_flow_record per message on the tap "msstun_flow" (a
 * frame with two messages queues two), and the callback below turns each record into a
 * sequence-analysis item.
 *
 * Debian's libwireshark-dev (4.0, 4.4, 4.6) does not ship epan/sequence_analysis.h, though
 * libwireshark exports its functions. So this file declares what it uses itself: the five
 * functions, and the leading part of the two structures it writes. Their layout differs by
 * version (gboolean in 4.0, bool by 4.4, a free callback added in 4.6); it was read from
 * Wireshark's source and checked against each version's libwireshark.so (the size it
 * allocates for an item, the offsets its functions read and write: see the
 * _Static_asserts). On a version not listed here the flow is not registered.
 *
 * Ownership: the item and its strings belong to the sequence analysis, which frees them with
 * g_free (frame_label, time_str, comment) — so they are g_strdup'ed here. */

#include <stddef.h>
#include <ws_version.h>
#include <epan/packet.h>
#include <epan/tap.h>
#include <epan/address.h>
#include "seq.h"

#if WIRESHARK_VERSION_MAJOR == 4 && \
    (WIRESHARK_VERSION_MINOR == 0 || WIRESHARK_VERSION_MINOR == 4 || WIRESHARK_VERSION_MINOR == 6)
#define MSSTUN_FLOW 1
#endif

static int msstun_flow_tap = -1;

int msstun_flow_tap_id(void)
{
    return msstun_flow_tap;
}

void msstun_flow_queue(packet_info *pinfo, const char *label, const char *comment)
{
    if (msstun_flow_tap < 0)
        return;
    msstun_flow_record *rec = wmem_new(pinfo->pool, msstun_flow_record);
    rec->label = label;
    rec->comment = comment;
    tap_queue_packet(msstun_flow_tap, pinfo, rec);
}

#ifdef MSSTUN_FLOW

#if WIRESHARK_VERSION_MINOR == 0
typedef gboolean msstun_seq_bool;
#else
typedef bool msstun_seq_bool;
#endif

/* seq_analysis_item_t, as far as this file is concerned (all of it: the library allocates
 * it, and its size is checked below). */
typedef struct msstun_seq_item {
    guint32 frame_number;
    address src_addr;
    guint16 port_src;
    address dst_addr;
    guint16 port_dst;
    char *frame_label;
    char *time_str;
    char *comment;
    guint16 conv_num;
    unsigned fg_color;
    unsigned bg_color;
    msstun_seq_bool has_color_filter;
    msstun_seq_bool display;
    unsigned src_node;
    unsigned dst_node;
    guint16 line_style;
    int info_type;
    void *info_ptr;
#if WIRESHARK_VERSION_MINOR >= 6
    void (*free_info_ptr)(void *);
#endif
} msstun_seq_item;

/* The head of seq_analysis_info_t (the tap data the listener passes): only items is used. */
typedef struct msstun_seq_info {
    const char *name;
    msstun_seq_bool any_addr;
    int nconv;
    GQueue *items;
} msstun_seq_info;

#if defined(__x86_64__) || defined(_M_X64) || defined(__aarch64__) || defined(_M_ARM64)
/* The offsets libwireshark 4.0.17 / 4.4.x / 4.6.x (amd64) uses: item size as allocated by
 * sequence_analysis_create_sai_with_addresses, time_str set there, frame_label and comment
 * by sequence_analysis_use_col_info_as_label_comment, display read by
 * sequence_analysis_get_nodes, items by sequence_analysis_list_sort. */
#if WIRESHARK_VERSION_MINOR == 0
_Static_assert(sizeof(msstun_seq_item) == 0x90, "seq_analysis_item_t size (4.0)");
_Static_assert(offsetof(msstun_seq_item, display) == 0x70, "display (4.0)");
#elif WIRESHARK_VERSION_MINOR == 4
_Static_assert(sizeof(msstun_seq_item) == 0x88, "seq_analysis_item_t size (4.4)");
_Static_assert(offsetof(msstun_seq_item, display) == 0x6d, "display (4.4)");
#else
_Static_assert(sizeof(msstun_seq_item) == 0x90, "seq_analysis_item_t size (4.6)");
_Static_assert(offsetof(msstun_seq_item, display) == 0x6d, "display (4.6)");
#endif
_Static_assert(offsetof(msstun_seq_item, time_str) == 0x50, "time_str");
_Static_assert(offsetof(msstun_seq_item, frame_label) == 0x48, "frame_label");
_Static_assert(offsetof(msstun_seq_item, comment) == 0x58, "comment");
_Static_assert(offsetof(msstun_seq_info, items) == 0x10, "items");
#endif

/* Exported by libwireshark (epan/sequence_analysis.c), declared here (no header). */
extern void register_seq_analysis(const char *name, const char *ui_name, const int proto_id,
    const char *tap_listener, unsigned tap_flags, tap_packet_cb tap_func);
extern msstun_seq_item *sequence_analysis_create_sai_with_addresses(packet_info *pinfo,
    msstun_seq_info *sainfo);
extern void sequence_analysis_use_color_filter(packet_info *pinfo, msstun_seq_item *sai);

/* One record → one item: addresses by the listener's choice (standard: pinfo->src/dst,
 * network: net_src/net_dst, done by the library), the ports and the time of the frame; the
 * label and comment of the record. */
static tap_packet_status flow_packet(void *tapdata, packet_info *pinfo, epan_dissect_t *edt _U_,
    const void *data, tap_flags_t flags _U_)
{
    msstun_seq_info *sainfo = (msstun_seq_info *)tapdata;
    const msstun_flow_record *rec = (const msstun_flow_record *)data;
    if (!sainfo || !sainfo->items || !rec || !rec->label)
        return TAP_PACKET_DONT_REDRAW;
    msstun_seq_item *sai = sequence_analysis_create_sai_with_addresses(pinfo, sainfo);
    if (!sai)
        return TAP_PACKET_DONT_REDRAW;
    sai->frame_number = pinfo->num;
    sequence_analysis_use_color_filter(pinfo, sai);
    sai->port_src = (guint16)pinfo->srcport;
    sai->port_dst = (guint16)pinfo->destport;
    sai->frame_label = g_strdup(rec->label);
    sai->comment = g_strdup(rec->comment ? rec->comment : "");
    sai->line_style = 1;
    sai->conv_num = 0;
    sai->display = TRUE;
    g_queue_push_tail(sainfo->items, sai);
    return TAP_PACKET_REDRAW;
}

void msstun_register_flow(int proto)
{
    msstun_flow_tap = register_tap("msstun_flow");
    register_seq_analysis("msstun", "MSSTUN", proto, "msstun_flow", TL_REQUIRES_NOTHING,
        flow_packet);
}

#else /* a Wireshark whose sequence-analysis layout is not known here */

void msstun_register_flow(int proto _U_)
{
}

#endif
