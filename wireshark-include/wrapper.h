/* msstun.so: the Wireshark API the Rust plugin binds to (input for bindgen). */
#include <ws_version.h>
#include <epan/packet.h>
#include <epan/proto.h>
#include <epan/column-utils.h>
#include <epan/conversation.h>
#include <epan/expert.h>
#include <epan/wmem_scopes.h>
/* unit_name_string: packet.h pulls this in on 4.0 only. */
#include <epan/unit_strings.h>
/* epan/ipv6.h is not shipped by 4.4+; ws_in6_addr comes from wsutil/inet_addr.h (4.0+). */
#if __has_include(<epan/ipv6.h>)
#include <epan/ipv6.h>
#endif
#include <wsutil/inet_addr.h>
#include <epan/tap.h>
/* plugin_describe()'s WS_PLUGIN_DESC_* (4.4+; the header exists from 4.2). */
#if __has_include(<wsutil/plugins.h>)
#include <wsutil/plugins.h>
#endif
#include "shim.h"
#include "stats.h"
#include "seq.h"
