/* msstun.so C shim: the few Wireshark macros (preferences, the UAT, TRY/CATCH), inline
 * helpers and version differences the Rust plugin cannot express directly. Everything else
 * (fields, expert items, the dissector) is registered from Rust (src/epan/).
 * Written for this project; no Wireshark code is copied here. */
#ifndef MSSTUN_SHIM_H
#define MSSTUN_SHIM_H

#include <epan/packet.h>

/** Register the preferences module and the `msstun_credentials` UAT; `apply` is called when
 *  the preferences change (the port policy, src/plugin/ports.rs). */
void msstun_register_prefs(int proto, void (*apply)(void));
/** Default port preferences. */
#define MSSTUN_DEFAULT_TCP_PORTS "3478"
#define MSSTUN_DEFAULT_UDP_PORTS "3478-3481"
#define MSSTUN_DEFAULT_SHARED_PORTS "443"
/** The port preferences of msstun_pref_ports. */
#define MSSTUN_PORTS_UDP 0
#define MSSTUN_PORTS_TCP 1
#define MSSTUN_PORTS_SHARED 2
/** Range `i` (low, high) of preference msstun.udp_ports, tcp_ports or shared_tcp_ports
 *  (`which`); 0: past the last. */
int msstun_pref_ports(int which, guint i, guint32 *low, guint32 *high);
/** Preference msstun.take_ports. */
int msstun_pref_take_ports(void);
/** Whether protocol `proto` is enabled. */
int msstun_protocol_enabled(int proto);
/** The handle on `port` of tcp.port (`tcp` 1) or udp.port (NULL: none). */
dissector_handle_t msstun_port_get(int tcp, guint32 port);
/** dissector_add_uint on tcp.port or udp.port. */
void msstun_port_set(int tcp, guint32 port, dissector_handle_t handle);
/** dissector_delete_uint on tcp.port or udp.port. */
void msstun_port_delete(int tcp, guint32 port, dissector_handle_t handle);
/** find_dissector. */
dissector_handle_t msstun_find_dissector(const char *name);
/** The decision of the hop (a TCP port shared with TLS; any port msstun holds between
 *  hand-off and the first apply) for one packet: -1 TCP was asked
 *  for more bytes; else `*handle` is the dissector to call (NULL: none) and `*claim` 1 when
 *  it becomes the conversation's dissector. */
typedef int (*msstun_hop_route_fn)(tvbuff_t *tvb, packet_info *pinfo, dissector_handle_t *handle,
                                   int *claim);
/** Create the hop's handle (no protocol) that asks `route` per packet. */
dissector_handle_t msstun_register_hop(msstun_hop_route_fn route);
/** Number of credential rows. */
guint msstun_cred_count(void);
/** Row `i` of the credentials UAT (username, realm, password; never NULL). */
int msstun_cred_get(guint i, const char **username, const char **realm, const char **password);

/** Whether this frame was already dissected once (first pass done). */
int msstun_visited(packet_info *pinfo);
/** pinfo->flags.in_error_pkt (a bitfield: read in C). */
int msstun_in_error_pkt(packet_info *pinfo);
/** The Wireshark conversation of this packet (created if needed) and in *index its unique
 *  id (conv_index): two TCP connections reusing one 5-tuple get two ids. */
void *msstun_conv_find(packet_info *pinfo, guint32 *index);
/** Make `handle` the dissector of this packet's conversation. */
void msstun_claim_conversation(packet_info *pinfo, dissector_handle_t handle);

/** Register the heuristic dissector list "msstun.data" of relayed data. */
void msstun_register_data_heur(int proto);
/** Hand relayed data on: to the dissector of preference msstun.payload_dissector when set,
 *  else to `dissector` (by name: "rtp", "rtcp", "dtls", "zrtp"; NULL: none) when preference
 *  msstun.decode_payloads is on; when that declines, to the "msstun.data" heuristics, then the
 *  "udp" heuristics, else `data`. Exceptions thrown by the callee are caught and shown. */
void msstun_call_relayed(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const char *dissector);
/** Preference msstun.analyze_sessions. */
int msstun_pref_analyze_sessions(void);
/** Preference msstun.decode_payloads. */
int msstun_pref_decode_payloads(void);

/** Whether msstun_call_relayed is running (our own heuristics then decline). */
int msstun_relaying(void);

/** Add the TCP/UDP heuristics. `tcp`/`udp` point to Rust functions. */
void msstun_add_heuristics(int proto, void *tcp, void *udp);

/** Seconds/nanoseconds of pinfo->abs_ts. */
void msstun_abs_ts(packet_info *pinfo, gint64 *secs, int *nsecs);
/** Add FT_RELATIVE_TIME `secs`/`nsecs` as generated. */
proto_item *msstun_add_reltime(proto_tree *tree, int hf, tvbuff_t *tvb, gint64 secs, int nsecs);
/** Whether `tree` is shown to a user (not NULL, not only built for filtering). */
int msstun_tree_visible(proto_tree *tree);
/** Mark an item generated. */
void msstun_set_generated(proto_item *item);
/** Mark an item hidden. */
void msstun_set_hidden(proto_item *item);

/** Whether `items` more items can be added `levels` deep below `tree` (1: its children, 2:
 *  their children) without proto_tree_add_* throwing for gui.max_tree_items or
 *  gui.max_tree_depth. NULL tree: yes (nothing is added). */
int msstun_tree_room(proto_tree *tree, unsigned items, unsigned levels);

#endif

/* ---- media: SRTP/SRTCP, TURN over TLS and DTLS ---- */
/** Register `msstun.media_encryption` (after msstun_register_prefs). */
void msstun_register_media_prefs(void);
/** The `msstun.media_encryption` preference: 0 auto, 1 srtp, 2 rtp. */
int msstun_pref_media_encryption(void);
/** Decoding payloads is on and no dissector is forced for all of them. */
int msstun_payloads_by_class(void);
/** Forget the extended RTP sequence numbers and timestamps (init routine). */
void msstun_rtp_ext_reset(void);
/** Queue an RTP tap record (marked SRTP) for the SRTP packet in `tvb`. */
void msstun_rtp_tap(tvbuff_t *tvb, packet_info *pinfo, guint header_len, guint64 flow);
/** ALPN stun.turn/stun.nat-discovery, TLS/DTLS port 5349, the tls/dtls heuristics. */
void msstun_register_tls(int proto, dissector_handle_t stream, void *heur_tls, void *heur_dtls);
