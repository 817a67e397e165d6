#!/usr/bin/python3
"""A real RTSP camera for zcrec's ingest tests: GStreamer's gst-rtsp-server serving a live test pattern
encoded by x264enc or x265enc (plus an optional AAC track) on 127.0.0.1 only.

Prints one line `READY rtsp://127.0.0.1:PORT/MOUNT` on stdout once it listens, then serves until SIGTERM/SIGINT.
Options choose what real cameras differ in: codec, parameter sets in band or only in the SDP, transports,
credentials, and packet loss (an `identity drop-probability` after the payloader: whole RTP packets vanish, as
on a lossy network; there is no `tc netem` here)."""
import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402


def pipeline(a):
    w, h = a.size.split("x")
    caps = f"video/x-raw,width={w},height={h},framerate={a.fps}/1"
    src = f"videotestsrc is-live=true pattern=ball ! {caps}"
    kbps = a.bitrate // 1000
    gop = max(1, int(a.gop * a.fps))
    # In band: the encoder repeats its parameter sets before every keyframe (as most cameras do). SDP only: they
    # travel out of band (H.264: the avc stream format keeps them in codec_data, which the payloader puts in the
    # SDP, and x264 is told not to repeat them; x265 writes them once, before the first frame only).
    in_band = a.config_interval != 0
    if a.codec == "h264":
        fmt = "byte-stream" if in_band else "avc"
        repeat = "" if in_band else ' option-string="repeat-headers=0"'
        # B-frames need a profile above baseline; zerolatency would turn them off, so it is left out then.
        if a.bframes > 0:
            enc = (f"x264enc speed-preset=ultrafast bitrate={kbps} key-int-max={gop} bframes={a.bframes} "
                   f"b-adapt=false{repeat} ! video/x-h264,profile=main,stream-format={fmt}")
        else:
            enc = (f"x264enc tune=zerolatency speed-preset=ultrafast bitrate={kbps} key-int-max={gop} "
                   f"bframes=0{repeat} ! video/x-h264,profile=baseline,stream-format={fmt}")
        pay = f"rtph264pay config-interval={a.config_interval} pt=96"
    else:
        repeat = ' option-string="repeat-headers=1"' if in_band else ""
        enc = (f"x265enc tune=zerolatency speed-preset=ultrafast bitrate={kbps} "
               f"key-int-max={gop}{repeat}")
        pay = f"rtph265pay config-interval={a.config_interval} pt=96"
    # The server streams from the element named pay0: with loss, that is an identity after the payloader.
    if a.loss > 0:
        video = f"{src} ! {enc} ! {pay} ! identity drop-probability={a.loss} name=pay0"
    else:
        video = f"{src} ! {enc} ! {pay} name=pay0"
    audio = ""
    if a.audio:
        audio = (" audiotestsrc is-live=true wave=sine freq=440 ! audio/x-raw,rate=48000,channels=1 ! "
                 "voaacenc bitrate=64000 ! rtpmp4gpay pt=97 name=pay1")
    return f"( {video}{audio} )"


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int, default=0, help="0: pick a free port")
    p.add_argument("--mount", default="/stream")
    p.add_argument("--codec", choices=["h264", "h265"], default="h264")
    p.add_argument("--size", default="320x240")
    p.add_argument("--fps", type=int, default=25)
    p.add_argument("--gop", type=float, default=1.0, help="keyframe interval in seconds")
    p.add_argument("--bitrate", type=int, default=500_000, help="bit/s")
    p.add_argument("--config-interval", type=int, default=-1,
                   help="-1: parameter sets in band with every keyframe; 0: only in the SDP")
    p.add_argument("--audio", action="store_true", help="add an AAC track")
    p.add_argument("--protocols", choices=["tcp", "udp", "any"], default="any")
    p.add_argument("--user", default="")
    p.add_argument("--password", default="")
    p.add_argument("--loss", type=float, default=0.0, help="fraction of RTP packets dropped")
    p.add_argument("--bframes", type=int, default=0, help="H.264 B-frames between references (main profile)")
    p.add_argument("--auth", choices=["basic", "digest"], default="basic", help="with --user: the scheme required")
    p.add_argument("--file", default="",
                   help="serve this pre-encoded H.264 file (MP4 or Matroska) instead of a live encoder, paced by its "
                        "timestamps; each client gets its own pipeline from the start of the file")
    a = p.parse_args()

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(a.port))
    factory = GstRtspServer.RTSPMediaFactory()
    if a.file:
        factory.set_launch(f"( filesrc location={a.file} ! parsebin ! h264parse config-interval=-1 ! "
                           f"rtph264pay config-interval=-1 pt=96 name=pay0 )")
        factory.set_shared(False)
    else:
        factory.set_launch(pipeline(a))
        factory.set_shared(True)
    protocols = {"tcp": GstRtsp.RTSPLowerTrans.TCP,
                 "udp": GstRtsp.RTSPLowerTrans.UDP,
                 "any": GstRtsp.RTSPLowerTrans.TCP | GstRtsp.RTSPLowerTrans.UDP}[a.protocols]
    factory.set_protocols(protocols)
    if a.user:
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, "camera-user")
        if a.auth == "digest":
            auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
            auth.add_digest(a.user, a.password, token)
        else:
            auth.add_basic(GstRtspServer.RTSPAuth.make_basic(a.user, a.password), token)
        server.set_auth(auth)
        perms = GstRtspServer.RTSPPermissions()
        perms.add_role("camera-user")
        perms.add_permission_for_role("camera-user", GstRtspServer.RTSP_PERM_MEDIA_FACTORY_ACCESS, True)
        perms.add_permission_for_role("camera-user", GstRtspServer.RTSP_PERM_MEDIA_FACTORY_CONSTRUCT, True)
        factory.set_permissions(perms)
    server.get_mount_points().add_factory(a.mount, factory)
    if server.attach(None) == 0:
        print("cannot listen", file=sys.stderr)
        return 1
    loop = GLib.MainLoop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, loop.quit)
    print(f"READY rtsp://127.0.0.1:{server.get_bound_port()}{a.mount}", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
