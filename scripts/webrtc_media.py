#!/usr/bin/env python3
"""Two WebRTC peers (aiortc) send each other audio through a coturn, relay candidates only,
so that every media packet is real SRTP/SRTCP (DTLS-SRTP keys) carried by TURN. Used by
scripts/capture-webrtc-media.sh; talks to loopback only.

usage: webrtc_media.py HOST PORT TRANSPORT USER PASSWORD SECONDS [KEYLOG [ALPN]]

TRANSPORT is udp, tcp or tls (TURN over TLS on TCP: aioice's TCP transport with an
SSLContext that accepts the self-signed certificate, writes the TLS secrets to KEYLOG in
the NSS key log format, and offers ALPN ALPN when given, e.g. "stun.turn" (RFC 7443)).
"""
import asyncio
import ssl
import sys

from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection
from aiortc.rtcconfiguration import RTCIceTransportPolicy
from aiortc import rtcicetransport
from aiortc.mediastreams import AudioStreamTrack


def tls_context(keylog, alpn):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if keylog:
        ctx.keylog_filename = keylog
    if alpn:
        ctx.set_alpn_protocols([alpn])
    return ctx


async def main(host, port, transport, user, password, seconds, keylog, alpn):
    if transport == "tls":
        url = "turns:%s:%d?transport=tcp" % (host, port)
        ctx = tls_context(keylog, alpn)
        plain = rtcicetransport.connection_kwargs

        def with_context(servers):
            kw = plain(servers)
            if kw.get("turn_ssl"):
                kw["turn_ssl"] = ctx  # aioice hands it to loop.create_connection(ssl=…)
            return kw

        rtcicetransport.connection_kwargs = with_context
    else:
        url = "turn:%s:%d?transport=%s" % (host, port, transport)
    config = RTCConfiguration(
        iceServers=[RTCIceServer(urls=url, username=user, credential=password)],
        iceTransportPolicy=RTCIceTransportPolicy.RELAY,
    )
    a = RTCPeerConnection(config)
    b = RTCPeerConnection(config)
    a.addTrack(AudioStreamTrack())
    b.addTrack(AudioStreamTrack())
    await a.setLocalDescription(await a.createOffer())
    await b.setRemoteDescription(a.localDescription)
    await b.setLocalDescription(await b.createAnswer())
    await a.setRemoteDescription(b.localDescription)
    for _ in range(200):
        if a.connectionState == "connected" and b.connectionState == "connected":
            break
        await asyncio.sleep(0.05)
    print("%s: %s / %s" % (transport, a.connectionState, b.connectionState))
    await asyncio.sleep(seconds)
    await a.close()
    await b.close()


if __name__ == "__main__":
    args = sys.argv[1:]
    asyncio.run(
        main(
            args[0],
            int(args[1]),
            args[2],
            args[3],
            args[4],
            float(args[5]),
            args[6] if len(args) > 6 else None,
            args[7] if len(args) > 7 else None,
        )
    )
