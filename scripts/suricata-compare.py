#!/usr/bin/env python3
"""Compare Suricata's msstun events with the STUN messages tshark+msstun decodes.

    suricata-compare.py EVE_JSON TSHARK_FIELDS [--allow N]

EVE_JSON: Suricata's eve.json (event_type "msstun": request/response/indication objects).
TSHARK_FIELDS: `tshark -Y msstun.type -T fields -e frame.number -e msstun.type
-e msstun.transaction_id` output (several messages in a frame comma-separated).
Each eve message object must be the event schema's (crates/msstun-event: exactly the keys
of KEYS, in order — what the relay prints, written here through Suricata's JsonBuilder).
Each message is (message type, transaction id); the two multisets must be equal. Prints
the counts and every difference; exit 1 when they differ (by more than --allow messages).

One difference is explained, counted apart and allowed: a request (class bits 00) that
nothing in the capture answers, missing from Suricata. Suricata 8 gives a UDP flow's
parser no end of flow (no EOF call), so a transaction still waiting for its response when
the capture ends is never complete and never logged (TCP flows get their EOF and are).
"""
import collections
import json
import sys


# The message object of crates/msstun-event (the relay's JSON Lines keys without its
# connection keys): every eve message object must have exactly these, in this order.
KEYS = ["record", "framing", "dialect", "type", "method", "class", "transaction_id",
        "summary", "attributes", "fingerprint", "integrity"]
BAD_OBJECTS = []


def eve_messages(path):
    out = collections.Counter()
    with open(path, encoding="utf-8") as f:
        for line in f:
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            if ev.get("event_type") != "msstun":
                continue
            m = ev.get("msstun", {})
            for key in ("request", "response", "indication"):
                o = m.get(key)
                if o and o.get("type") is not None:
                    out[(o["type"], o["transaction_id"])] += 1
                if o and (list(o) != KEYS or o["record"] != "message"):
                    BAD_OBJECTS.append(o)
    return out


def tshark_messages(path):
    out = collections.Counter()
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3 or not parts[1]:
                continue
            types = parts[1].split(",")
            tids = parts[2].split(",")
            for t, tid in zip(types, tids):
                out[(int(t, 0), tid.replace(":", "").lower())] += 1
    return out


def main():
    args = sys.argv[1:]
    allow = 0
    if "--allow" in args:
        i = args.index("--allow")
        allow = int(args[i + 1])
        del args[i : i + 2]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    eve, ts = eve_messages(args[0]), tshark_messages(args[1])
    missing = ts - eve
    extra = eve - ts
    answered = {tid for (t, tid) in ts if (t & 0x0110) in (0x0100, 0x0110)}
    unanswered = collections.Counter(
        {k: n for k, n in missing.items() if (k[0] & 0x0110) == 0 and k[1] not in answered}
    )
    missing -= unanswered
    print(
        f"tshark+msstun {sum(ts.values())} messages, suricata+msstun {sum(eve.values())}; "
        f"only in tshark {sum(missing.values())}, only in suricata {sum(extra.values())}; "
        f"unanswered requests at the end of a UDP flow (not logged by Suricata) {sum(unanswered.values())}"
    )
    for (t, tid), n in sorted(unanswered.items()):
        print(f"  unanswered, not logged: type 0x{t:04x} tid {tid} x{n}")
    for (t, tid), n in sorted(missing.items()):
        print(f"  only in tshark:   type 0x{t:04x} tid {tid} x{n}")
    for (t, tid), n in sorted(extra.items()):
        print(f"  only in suricata: type 0x{t:04x} tid {tid} x{n}")
    for o in BAD_OBJECTS[:5]:
        print(f"  not the event schema's message object: {json.dumps(o)[:200]}")
    if BAD_OBJECTS:
        return 1
    return 0 if sum(missing.values()) + sum(extra.values()) <= allow else 1


if __name__ == "__main__":
    sys.exit(main())
