#!/usr/bin/env python3
"""Two ICE agents of a WebRTC stack (aioice, the ICE of aiortc) on loopback: each
allocates a TURN relay on the coturn at 127.0.0.1:PORT (long-term credentials), they
exchange candidates, run their connectivity checks and send a few datagrams through
the nominated pair. Used by scripts/capture-webrtc-ice.sh; talks to loopback only.

usage: webrtc_ice.py PORT USER PASSWORD [PAIR_LOG]

With PAIR_LOG, each agent's own view of its candidate pairs after ICE is written there,
one line per pair: "agent N pair LOCAL REMOTE STATE[ nominated]" (aioice's check list and
nominated pair), for crates/msstun-analysis/tests/captures.rs to compare with the capture.
"""
import asyncio
import sys

import aioice


async def main(port: int, user: str, password: str) -> None:
    turn = dict(
        turn_server=("127.0.0.1", port),
        turn_username=user,
        turn_password=password,
        turn_transport="udp",
    )
    a = aioice.Connection(ice_controlling=True, components=1, use_ipv6=False, **turn)
    b = aioice.Connection(ice_controlling=False, components=1, use_ipv6=False, **turn)
    await asyncio.gather(a.gather_candidates(), b.gather_candidates())
    for src, dst in ((a, b), (b, a)):
        for cand in src.local_candidates:
            if cand.host.startswith("127.") or cand.type == "relay":
                await dst.add_remote_candidate(cand)
        await dst.add_remote_candidate(None)
        dst.remote_username = src.local_username
        dst.remote_password = src.local_password
    await asyncio.gather(a.connect(), b.connect())
    if len(sys.argv) > 4:
        with open(sys.argv[4], "w") as log:
            for n, conn in enumerate((a, b)):
                nominated = set(id(p) for p in conn._nominated.values())
                for p in conn._check_list:
                    lc, rc = p.local_candidate, p.remote_candidate
                    log.write(
                        "agent %d pair %s:%d %s:%d %s%s\n"
                        % (n, lc.host, lc.port, rc.host, rc.port, p.state.name,
                           " nominated" if id(p) in nominated else "")
                    )
    for i in range(3):
        await a.send(b"ping %d" % i)
        await b.recv()
        await b.send(b"pong %d" % i)
        await a.recv()
    await asyncio.gather(a.close(), b.close())


if __name__ == "__main__":
    asyncio.run(asyncio.wait_for(main(int(sys.argv[1]), sys.argv[2], sys.argv[3]), 30))
