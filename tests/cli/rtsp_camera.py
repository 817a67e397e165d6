#!/usr/bin/python3
"""A real RTSP camera for zcrec's ingest tests: GStreamer's gst-rtsp-server serving a live test pattern
encoded by x264enc or x265enc (plus an optional AAC track) on 127.0.0.1 only.

Prints one line `READY rtsp://127.0.0.1:PORT/MOUNT` on stdout once it listens, then serves until SIGTERM/SIGINT.
Options choose what real cameras differ in: codec, parameter sets in band or only in the SDP, transports,
credentials, packet loss (an `identity drop-probability` after the payloader: whole RTP packets vanish, as
on a lossy network; there is no `tc netem` here), a frame rate declared apart from the one encoded (cameras lie
about it), and a camera that answers RTSP but never sends a frame (`--silent`, plain sockets, no GStreamer)."""
import argparse
import signal
import socket
import sys
import threading

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402


def pipeline(a):
    w, h = a.size.split("x")
    # With --declared-fps the encoder runs at the declared rate (its SPS timing says so) and every picture is a
    # keyframe; lie() then drops encoded pictures so that --fps of them leave, with their real timestamps.
    rate = a.declared_fps or a.fps
    caps = f"video/x-raw,width={w},height={h},framerate={rate}/1"
    src = f"videotestsrc is-live=true pattern=ball ! {caps}"
    kbps = a.bitrate // 1000
    gop = 1 if a.declared_fps else max(1, int(a.gop * a.fps))
    # In band: the encoder repeats its parameter sets before every keyframe (as most cameras do). SDP only: they
    # travel out of band (H.264: the avc stream format keeps them in codec_data, which the payloader puts in the
    # SDP, and x264 is told not to repeat them; x265 writes them once, before the first frame only).
    in_band = a.config_interval != 0
    if a.codec == "h264":
        fmt = "byte-stream" if in_band else "avc"
        repeat = "" if in_band else ' option-string="repeat-headers=0"'
        # B-frames need a profile above baseline; zerolatency would turn them off, so it is left out then.
        if a.bframes > 0:
            enc = (f"x264enc name=enc speed-preset=ultrafast bitrate={kbps} key-int-max={gop} bframes={a.bframes} "
                   f"b-adapt=false{repeat} ! video/x-h264,profile=main,stream-format={fmt}")
        else:
            enc = (f"x264enc name=enc tune=zerolatency speed-preset=ultrafast bitrate={kbps} key-int-max={gop} "
                   f"bframes=0{repeat} ! video/x-h264,profile=baseline,stream-format={fmt}")
        pay = f"rtph264pay config-interval={a.config_interval} pt=96"
    else:
        repeat = ' option-string="repeat-headers=1"' if in_band else ""
        enc = (f"x265enc name=enc tune=zerolatency speed-preset=ultrafast bitrate={kbps} "
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


def lie(a, media):
    """--declared-fps: of the encoder's pictures (all keyframes, at the declared rate), only --fps a second go on."""
    count = [0]

    def keep_some(pad, info):
        n = count[0]
        count[0] += 1
        keep = (n * a.fps) // a.declared_fps != ((n - 1) * a.fps) // a.declared_fps or n == 0
        return Gst.PadProbeReturn.OK if keep else Gst.PadProbeReturn.DROP

    media.get_element().get_by_name("enc").get_static_pad("src").add_probe(Gst.PadProbeType.BUFFER, keep_some)


def serve_silent(a):
    """Answers OPTIONS, DESCRIBE (one H.264 track), SETUP and PLAY like a camera, then sends nothing at all."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", a.port))
    listener.listen(16)
    port = listener.getsockname()[1]
    sdp = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=silent\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
           "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=control:stream=0\r\n")

    def session(conn):
        buf = b""
        with conn:
            while True:
                data = conn.recv(4096)
                if not data:
                    return
                buf += data
                while b"\r\n\r\n" in buf:
                    head, buf = buf.split(b"\r\n\r\n", 1)
                    lines = head.decode("latin-1").split("\r\n")
                    method = lines[0].split(" ")[0]
                    headers = {k.strip().lower(): v.strip() for k, v in
                               (x.split(":", 1) for x in lines[1:] if ":" in x)}
                    reply = [f"RTSP/1.0 200 OK", f"CSeq: {headers.get('cseq', '0')}"]
                    body = ""
                    if method == "OPTIONS":
                        reply.append("Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER")
                    elif method == "DESCRIBE":
                        body = sdp
                        reply += ["Content-Type: application/sdp", f"Content-Base: rtsp://127.0.0.1:{port}{a.mount}/"]
                    elif method == "SETUP":
                        reply += [f"Transport: {headers.get('transport', '')}", "Session: 1234;timeout=60"]
                    elif method in ("PLAY", "GET_PARAMETER", "TEARDOWN"):
                        reply.append("Session: 1234")
                    reply.append(f"Content-Length: {len(body)}")
                    conn.sendall(("\r\n".join(reply) + "\r\n\r\n" + body).encode("latin-1"))

    def accept():
        while True:
            conn, _ = listener.accept()
            threading.Thread(target=session, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    print(f"READY rtsp://127.0.0.1:{port}{a.mount}", flush=True)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    return 0


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
    p.add_argument("--declared-fps", type=int, default=0,
                   help="the frame rate the stream declares (SPS, caps) while frames come at --fps; 0: --fps")
    p.add_argument("--silent", action="store_true", help="answer RTSP, never send a frame")
    p.add_argument("--bframes", type=int, default=0, help="H.264 B-frames between references (main profile)")
    p.add_argument("--auth", choices=["basic", "digest"], default="basic", help="with --user: the scheme required")
    p.add_argument("--file", default="",
                   help="serve this pre-encoded H.264 file (MP4 or Matroska) instead of a live encoder, paced by its "
                        "timestamps; each client gets its own pipeline from the start of the file")
    a = p.parse_args()
    if a.silent:
        return serve_silent(a)

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
    if a.declared_fps:
        factory.connect("media-configure", lambda _factory, media: lie(a, media))
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
