#!/usr/bin/python3
"""GStreamer's RTSP client as a judge for `zcrec serve`: rtspsrc ! decodebin ! fakesink, counting decoded video
frames. Prints `SDP <ms>` when the server's DESCRIBE answer arrived, `FIRST <ms>` at the first decoded video
frame (both from the start of the pipeline) and `FRAMES <n>` once --frames were decoded, then exits 0. Exits 1
on an error message from the pipeline or when --timeout passes first."""
import argparse
import sys
import time

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("--frames", type=int, default=100)
    p.add_argument("--protocols", default="tcp")
    p.add_argument("--timeout", type=float, default=60)
    a = p.parse_args()

    Gst.init(None)
    start = time.monotonic()
    ms = lambda: int((time.monotonic() - start) * 1000)  # noqa: E731
    # latency=0: the jitter buffer hands packets on as they come, so FIRST measures the server, not the buffer.
    # A decodebin per RTSP stream (video, audio): one decodebin behind rtspsrc would take only the first stream
    # and leave the other unlinked, which stops rtspsrc.
    pipe = Gst.Pipeline.new("client")
    src = Gst.ElementFactory.make("rtspsrc", "src")
    src.set_property("location", a.url)
    src.set_property("latency", 0)
    pipe.add(src)
    Gst.util_set_object_arg(src, "protocols", a.protocols)
    loop = GLib.MainLoop()
    state = {"frames": 0, "rc": 1}

    def on_sdp(_src, _sdp):
        print(f"SDP {ms()}", flush=True)

    def on_frame(_sink, _buf, _pad):
        state["frames"] += 1
        if state["frames"] == 1:
            print(f"FIRST {ms()}", flush=True)
        if state["frames"] == a.frames:
            print(f"FRAMES {state['frames']}", flush=True)
            state["rc"] = 0
            GLib.idle_add(loop.quit)

    def on_stream(_src, pad):
        dec = Gst.ElementFactory.make("decodebin")
        dec.connect("pad-added", on_decoded)
        pipe.add(dec)
        dec.sync_state_with_parent()
        pad.link(dec.get_static_pad("sink"))

    def on_decoded(_dec, pad):
        caps = pad.get_current_caps() or pad.query_caps(None)
        video = caps.to_string().startswith("video/")
        sink = Gst.ElementFactory.make("fakesink")
        sink.set_property("sync", False)
        if video:
            sink.set_property("signal-handoffs", True)
            sink.connect("handoff", on_frame)
        pipe.add(sink)
        sink.sync_state_with_parent()
        pad.link(sink.get_static_pad("sink"))

    def on_message(_bus, msg):
        if msg.type == Gst.MessageType.ERROR:
            err, debug = msg.parse_error()
            print(f"ERROR {err.message} {debug}", file=sys.stderr, flush=True)
            loop.quit()
        elif msg.type == Gst.MessageType.EOS:
            print("EOS before enough frames", file=sys.stderr, flush=True)
            loop.quit()

    src.connect("on-sdp", on_sdp)
    src.connect("pad-added", on_stream)
    bus = pipe.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message)
    GLib.timeout_add(int(a.timeout * 1000), loop.quit)
    pipe.set_state(Gst.State.PLAYING)
    loop.run()
    pipe.set_state(Gst.State.NULL)
    if state["rc"] != 0:
        print(f"decoded {state['frames']} of {a.frames} frames", file=sys.stderr, flush=True)
    return state["rc"]


if __name__ == "__main__":
    sys.exit(main())
