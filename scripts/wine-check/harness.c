/* scripts/wine-check.sh's harness: loads msstun.dll (under Wine) beside the stand-in
 * Wireshark DLLs built from the real headers of the version under test, and checks the
 * plugin's entry points, its registration and its heuristics. Prints one line per check,
 * "field\t<abbrev>" per registered field, and "N passed, M failed".
 *   harness.exe X.Y msstun.dll
 * Written for this project. */
#include <windows.h>
#include <stdio.h>
#include <string.h>
#include <ws_version.h>
#include <epan/packet.h>
#if __has_include(<wsutil/plugins.h>)
#include <wsutil/plugins.h>
#endif

WS_DLL_PUBLIC tvbuff_t *standin_tvb(const guint8 *data, guint len);
WS_DLL_PUBLIC const proto_plugin *standin_plugin(void);
WS_DLL_PUBLIC const char *standin_protocol(void);
WS_DLL_PUBLIC int standin_fields(const char ***out);
WS_DLL_PUBLIC void *standin_heuristic(const char *list);
WS_DLL_PUBLIC void standin_init(void);

static int passed, failed;

static void check(int ok, const char *what, const char *detail)
{
    printf("%s %s%s%s\n", ok ? "ok  " : "FAIL", what, detail ? ": " : "", detail ? detail : "");
    if (ok)
        passed++;
    else
        failed++;
}

static guint32 crc32(const guint8 *p, size_t n)
{
    guint32 c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
    }
    return c ^ 0xffffffffu;
}

/* A STUN Binding Request with FINGERPRINT (RFC 5389). */
static size_t binding_request(guint8 *m)
{
    static const guint8 head[20] = { 0x00, 0x01, 0x00, 0x08, 0x21, 0x12, 0xa4, 0x42,
        0x6d, 0x73, 0x73, 0x74, 0x75, 0x6e, 0x77, 0x69, 0x6e, 0x65, 0x21, 0x21 };
    guint32 fp;
    memcpy(m, head, 20);
    m[20] = 0x80; m[21] = 0x28; m[22] = 0x00; m[23] = 0x04;
    fp = crc32(m, 20) ^ 0x5354554eu;
    m[24] = fp >> 24; m[25] = fp >> 16; m[26] = fp >> 8; m[27] = fp;
    return 28;
}

static packet_info *new_pinfo(port_type pt, guint32 num)
{
    static guint8 a[4] = { 192, 0, 2, 1 }, b[4] = { 198, 51, 100, 7 };
    packet_info *p = (packet_info *)calloc(1, sizeof *p);
    p->fd = (frame_data *)calloc(1, sizeof *p->fd);
    p->num = num;
    p->ptype = pt;
    p->src.type = AT_IPv4; p->src.len = 4; p->src.data = a;
    p->dst.type = AT_IPv4; p->dst.len = 4; p->dst.data = b;
    p->srcport = 50000;
    p->destport = 50001;
    p->curr_proto_layer_num = 1;
    p->pool = (wmem_allocator_t *)p; /* any pointer: the stand-in wmem ignores it */
    return p;
}

typedef int (*heur_fn)(tvbuff_t *, packet_info *, proto_tree *, void *);

static int heur(void *fn, const guint8 *data, size_t len, port_type pt, guint32 num)
{
    heur_dissector_t h = (heur_dissector_t)fn;
    return h(standin_tvb(data, (guint)len), new_pinfo(pt, num), NULL, NULL) ? 1 : 0;
}

int main(int argc, char **argv)
{
    char buf[256], want[64];
    const char **fields;
    int n, major, minor;
    guint8 stun[64], junk[64];
    size_t stun_len;

    if (argc < 3) {
        fprintf(stderr, "usage: harness.exe X.Y msstun.dll\n");
        return 2;
    }
    if (sscanf(argv[1], "%d.%d", &major, &minor) != 2)
        return 2;
    HMODULE m = LoadLibraryA(argv[2]);
    snprintf(buf, sizeof buf, "%s (error %lu)", argv[2], (unsigned long)GetLastError());
    check(m != NULL, "LoadLibrary", m ? argv[2] : buf);
    if (!m) {
        printf("%d passed, %d failed\n", passed, failed);
        return 1;
    }

    const char *version = (const char *)GetProcAddress(m, "plugin_version");
    const int *want_major = (const int *)GetProcAddress(m, "plugin_want_major");
    const int *want_minor = (const int *)GetProcAddress(m, "plugin_want_minor");
    void (*reg)(void) = (void (*)(void))GetProcAddress(m, "plugin_register");
    snprintf(want, sizeof want, "built for Wireshark %d.%d.", major, minor);
    check(version && strstr(version, want), "plugin_version", version ? version : "missing");
    snprintf(buf, sizeof buf, "%d.%d", want_major ? *want_major : -1, want_minor ? *want_minor : -1);
    check(want_major && want_minor && *want_major == major && *want_minor == minor,
        "plugin_want_major/minor", buf);
    check(WIRESHARK_VERSION_MAJOR == major && WIRESHARK_VERSION_MINOR == minor,
        "stand-ins built from the headers of this version", NULL);
#ifdef WS_PLUGIN_DESC_DISSECTOR
    {
        guint32 (*describe)(void) = (guint32 (*)(void))GetProcAddress(m, "plugin_describe");
        snprintf(buf, sizeof buf, "%u", describe ? (unsigned)describe() : 0u);
        check(describe && describe() == WS_PLUGIN_DESC_DISSECTOR, "plugin_describe = WS_PLUGIN_DESC_DISSECTOR", buf);
    }
#else
    check(GetProcAddress(m, "plugin_describe") == NULL, "no plugin_describe before 4.4", NULL);
#endif
    check(reg != NULL, "plugin_register exported", NULL);
    if (!reg) {
        printf("%d passed, %d failed\n", passed, failed);
        return 1;
    }
    reg();
    const proto_plugin *pp = standin_plugin();
    check(pp && pp->register_protoinfo && pp->register_handoff, "plugin_register → proto_register_plugin", NULL);
    if (pp && pp->register_protoinfo && pp->register_handoff) {
        pp->register_protoinfo();
        pp->register_handoff();
    }
    check(strcmp(standin_protocol(), "msstun") == 0, "protocol registered", standin_protocol());
    n = standin_fields(&fields);
    snprintf(buf, sizeof buf, "%d fields", n);
    check(n > 100, "fields registered", buf);
    for (int i = 0; i < n; i++)
        printf("field\t%s\n", fields[i]);

    void *tcp = standin_heuristic("tcp"), *udp = standin_heuristic("udp");
    check(tcp && udp, "heuristics added to tcp and udp", NULL);
    if (tcp && udp) {
        standin_init();
        stun_len = binding_request(stun);
        memset(junk, 0xab, sizeof junk);
        memcpy(junk, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27);
        check(heur(udp, stun, stun_len, PT_UDP, 1) == 1, "UDP heuristic accepts a STUN Binding Request", NULL);
        check(heur(udp, junk, sizeof junk, PT_UDP, 2) == 0, "UDP heuristic refuses junk", NULL);
        check(heur(tcp, stun, stun_len, PT_TCP, 3) == 1, "TCP heuristic accepts a STUN Binding Request", NULL);
        check(heur(tcp, junk, sizeof junk, PT_TCP, 4) == 0, "TCP heuristic refuses junk", NULL);
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
