/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Two libnice agents doing real ICE with each other on loopback in one of libnice's
 * Microsoft compatibility modes (OC2007, OC2007R2, WLM2009). Built and run by
 * scripts/capture-msmode.sh, which starts coturn and dumpcap around it. Nothing here
 * builds STUN: every byte on the wire is libnice's own.
 *
 *   msmode-ice COMPAT PORT_BASE SECONDS [TURN_HOST TURN_PORT TURN_USER TURN_PASS udp|tcp]
 *
 * Agent 0 (controlling) gathers on 127.0.0.1 ports PORT_BASE..+9, agent 1 on +10..+19;
 * with a TURN server agent 0 also asks it for a relayed candidate. Once both agents are
 * READY each sends one datagram to the other; the agents then stay up for SECONDS
 * (keepalives) and the program exits 0 — or 1 if ICE fails or nothing arrives in 30 s.
 * Each agent logs the pair it selects ("agent N selected pair LOCAL REMOTE").
 */
#include <agent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static GMainLoop *loop;
static NiceAgent *agents[2];
static guint streams[2];
static int gathered, ready[2], got[2], failed, rc = 1;
static double seconds;

static void on_recv(NiceAgent *agent, guint sid, guint cid, guint len, gchar *buf, gpointer data)
{
    int idx = GPOINTER_TO_INT(data);
    (void)agent; (void)sid; (void)cid; (void)buf;
    fprintf(stderr, "msmode-ice: agent %d received %u bytes\n", idx, len);
    got[idx] = 1;
}

static gboolean quit_cb(gpointer data)
{
    (void)data;
    g_main_loop_quit(loop);
    return G_SOURCE_REMOVE;
}

static gboolean check_cb(gpointer data)
{
    (void)data;
    if (failed) {
        fprintf(stderr, "msmode-ice: ICE failed\n");
        g_main_loop_quit(loop);
        return G_SOURCE_REMOVE;
    }
    if (ready[0] && ready[1] && got[0] && got[1]) {
        fprintf(stderr, "msmode-ice: both agents ready, staying up %.1f s\n", seconds);
        rc = 0;
        g_timeout_add((guint)(seconds * 1000), quit_cb, NULL);
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

static void on_state(NiceAgent *agent, guint sid, guint cid, guint state, gpointer data)
{
    int idx = GPOINTER_TO_INT(data);
    fprintf(stderr, "msmode-ice: agent %d state %s\n", idx, nice_component_state_to_string(state));
    if (state == NICE_COMPONENT_STATE_READY && !ready[idx]) {
        char text[64];
        ready[idx] = 1;
        snprintf(text, sizeof text, "msmode hello from agent %d", idx);
        nice_agent_send(agent, sid, cid, strlen(text), text);
    } else if (state == NICE_COMPONENT_STATE_FAILED) {
        failed = 1;
    }
}

/* The pair libnice selected, as the test of msstun-analysis compares it with the capture. */
static void on_selected(NiceAgent *agent, guint sid, guint cid, NiceCandidate *local,
                        NiceCandidate *remote, gpointer data)
{
    char l[NICE_ADDRESS_STRING_LEN], r[NICE_ADDRESS_STRING_LEN];
    (void)agent; (void)sid; (void)cid;
    nice_address_to_string(&local->addr, l);
    nice_address_to_string(&remote->addr, r);
    fprintf(stderr, "msmode-ice: agent %d selected pair %s:%u %s:%u\n", GPOINTER_TO_INT(data), l,
            nice_address_get_port(&local->addr), r, nice_address_get_port(&remote->addr));
}

static void exchange(void)
{
    for (int i = 0; i < 2; i++) {
        int o = 1 - i;
        gchar *ufrag = NULL, *pwd = NULL;
        nice_agent_get_local_credentials(agents[o], streams[o], &ufrag, &pwd);
        nice_agent_set_remote_credentials(agents[i], streams[i], ufrag, pwd);
        GSList *cands = nice_agent_get_local_candidates(agents[o], streams[o], 1);
        for (GSList *l = cands; l; l = l->next) {
            NiceCandidate *c = l->data;
            char a[NICE_ADDRESS_STRING_LEN];
            nice_address_to_string(&c->addr, a);
            fprintf(stderr, "msmode-ice: agent %d candidate type %d %s:%u\n", o, c->type, a,
                    nice_address_get_port(&c->addr));
        }
        nice_agent_set_remote_candidates(agents[i], streams[i], 1, cands);
        g_slist_free_full(cands, (GDestroyNotify)nice_candidate_free);
        g_free(ufrag);
        g_free(pwd);
    }
}

static void on_gathered(NiceAgent *agent, guint sid, gpointer data)
{
    (void)agent; (void)sid;
    fprintf(stderr, "msmode-ice: agent %d gathering done\n", GPOINTER_TO_INT(data));
    if (++gathered == 2)
        exchange();
}

int main(int argc, char **argv)
{
    NiceCompatibility compat;
    if (argc != 4 && argc != 9) {
        fprintf(stderr, "usage: %s OC2007|OC2007R2|WLM2009 PORT_BASE SECONDS "
                        "[TURN_HOST TURN_PORT USER PASS udp|tcp]\n", argv[0]);
        return 2;
    }
    if (!strcmp(argv[1], "OC2007"))
        compat = NICE_COMPATIBILITY_OC2007;
    else if (!strcmp(argv[1], "OC2007R2"))
        compat = NICE_COMPATIBILITY_OC2007R2;
    else if (!strcmp(argv[1], "WLM2009"))
        compat = NICE_COMPATIBILITY_WLM2009;
    else {
        fprintf(stderr, "unknown compatibility %s\n", argv[1]);
        return 2;
    }
    guint port_base = (guint)atoi(argv[2]);
    seconds = atof(argv[3]);

    loop = g_main_loop_new(NULL, FALSE);
    GMainContext *ctx = g_main_loop_get_context(loop);
    for (int i = 0; i < 2; i++) {
        NiceAgent *agent = nice_agent_new(ctx, compat);
        NiceAddress addr;
        g_object_set(agent, "controlling-mode", i == 0, "ice-tcp", FALSE, "upnp", FALSE, NULL);
        nice_address_init(&addr);
        nice_address_set_from_string(&addr, "127.0.0.1");
        nice_agent_add_local_address(agent, &addr);
        guint sid = nice_agent_add_stream(agent, 1);
        nice_agent_set_port_range(agent, sid, 1, port_base + 10 * i, port_base + 10 * i + 9);
        if (argc == 9 && i == 0) {
            NiceRelayType type = !strcmp(argv[8], "tcp") ? NICE_RELAY_TYPE_TURN_TCP
                                                         : NICE_RELAY_TYPE_TURN_UDP;
            nice_agent_set_relay_info(agent, sid, 1, argv[4], (guint)atoi(argv[5]), argv[6],
                                      argv[7], type);
        }
        nice_agent_attach_recv(agent, sid, 1, ctx, on_recv, GINT_TO_POINTER(i));
        g_signal_connect(agent, "component-state-changed", G_CALLBACK(on_state), GINT_TO_POINTER(i));
        g_signal_connect(agent, "candidate-gathering-done", G_CALLBACK(on_gathered), GINT_TO_POINTER(i));
        g_signal_connect(agent, "new-selected-pair-full", G_CALLBACK(on_selected), GINT_TO_POINTER(i));
        agents[i] = agent;
        streams[i] = sid;
    }
    for (int i = 0; i < 2; i++)
        nice_agent_gather_candidates(agents[i], streams[i]);
    g_timeout_add(100, check_cb, NULL);
    g_timeout_add(30000, quit_cb, NULL);
    g_main_loop_run(loop);
    for (int i = 0; i < 2; i++) {
        nice_agent_remove_stream(agents[i], streams[i]);
        g_object_unref(agents[i]);
    }
    g_main_loop_unref(loop);
    return rc;
}
