/* msstun.so: the MSSTUN flow of Wireshark's sequence analysis (Statistics → Flow Graph,
 * tshark -z flow,msstun,standard|network). See seq.c. */
#ifndef MSSTUN_SEQ_H
#define MSSTUN_SEQ_H

#include <epan/packet.h>

/* One arrow of the flow: one STUN message. The strings are packet-scoped (pinfo->pool);
 * the flow's callback copies them. */
typedef struct msstun_flow_record {
    const char *label;   /* above the arrow: "Allocate Error Response 401" */
    const char *comment; /* beside it: allocation, ICE pair, peer, findings (may be NULL) */
} msstun_flow_record;

/* Register the msstun_flow tap and the MSSTUN sequence analysis (from register_protoinfo).
 * Does nothing on a Wireshark whose sequence-analysis layout seq.c does not know. */
void msstun_register_flow(int proto);

/* The tap's id (-1: not registered). */
int msstun_flow_tap_id(void);

/* Queue one arrow for the frame being dissected. */
void msstun_flow_queue(packet_info *pinfo, const char *label, const char *comment);

#endif
