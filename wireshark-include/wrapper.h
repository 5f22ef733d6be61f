/* msstun.so: the Wireshark API the Rust plugin binds to (input for bindgen). */
#include <ws_version.h>
#include <epan/packet.h>
#include <epan/proto.h>
#include <epan/column-utils.h>
#include <epan/conversation.h>
#include <epan/wmem_scopes.h>
#include <epan/ipv6.h>
#include "shim.h"
