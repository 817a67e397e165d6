#!/usr/bin/python3
"""An RTSP client that plays over TCP (interleaved) and then never reads again: OPTIONS, DESCRIBE, SETUP of every
media section with interleaved channels, PLAY, then it prints "playing" and sleeps with its socket open and its
receive buffer small, so that the server's sends block at once. What a viewer whose player hung, or a hostile one,
looks like to the server. With --describe-only it stops after DESCRIBE instead ("described"), its connection open.
It never ends by itself: the test kills it.
With --packets N it is a reading client instead: after PLAY it reads N RTP packets of the first media (interleaved
channel 0), prints "largest BYTES" (the largest RTP packet, header included) and ends.
Usage: rtsp_stalled_client.py URL [--describe-only | --packets N]"""
import argparse
import re
import socket
import sys
import time


def request(s, buf, method, url, cseq, extra=()):
    lines = [f"{method} {url} RTSP/1.0", f"CSeq: {cseq}", *extra]
    s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            raise SystemExit(f"{method}: the server closed the connection")
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    text = head.decode(errors="replace")
    m = re.search(r"(?im)^content-length:\s*(\d+)", text)
    length = int(m.group(1)) if m else 0
    while len(rest) < length:
        chunk = s.recv(65536)
        if not chunk:
            raise SystemExit(f"{method}: the server closed the connection")
        rest += chunk
    status = text.split("\r\n")[0]
    if " 200 " not in status:
        raise SystemExit(f"{method}: {status}")
    return text, rest[:length].decode(errors="replace"), rest[length:]


def stay():
    while True:
        time.sleep(3600)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("--describe-only", action="store_true")
    p.add_argument("--packets", type=int, default=0)
    a = p.parse_args()
    u = re.match(r"rtsp://([^/:]+):(\d+)", a.url)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # A small receive window: the server's socket buffer fills after a few hundred KB, not after megabytes.
    if not a.packets:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(30)
    s.connect((u.group(1), int(u.group(2))))
    buf = b""
    cseq = 1
    _, _, buf = request(s, buf, "OPTIONS", a.url, cseq)
    cseq += 1
    head, sdp, buf = request(s, buf, "DESCRIBE", a.url, cseq, ["Accept: application/sdp"])
    cseq += 1
    if a.describe_only:
        print("described", flush=True)
        stay()
    base = a.url.rstrip("/") + "/"
    m = re.search(r"(?im)^content-base:\s*(\S+)", head)
    if m:
        base = m.group(1)
    controls = re.findall(r"(?m)^a=control:(\S+)", sdp.split("m=", 1)[1] if "m=" in sdp else "")
    session = None
    for i, c in enumerate(controls):
        url = c if c.startswith("rtsp://") else base.rstrip("/") + "/" + c
        extra = [f"Transport: RTP/AVP/TCP;unicast;interleaved={2 * i}-{2 * i + 1}"]
        if session:
            extra.append(f"Session: {session}")
        head, _, buf = request(s, buf, "SETUP", url, cseq, extra)
        cseq += 1
        session = re.search(r"(?im)^session:\s*([^;\r\n]+)", head).group(1)
    # PLAY's answer may come after interleaved data already: read only up to it.
    s.sendall((f"PLAY {a.url} RTSP/1.0\r\nCSeq: {cseq}\r\nSession: {session}\r\n\r\n").encode())
    while b"RTSP/1.0 200" not in buf:
        chunk = s.recv(4096)
        if not chunk:
            raise SystemExit("PLAY: the server closed the connection")
        buf += chunk
    print("playing", flush=True)
    if a.packets:
        read_packets(s, buf[buf.index(b"RTSP/1.0 200"):], a.packets)
        return 0
    stay()  # never reads the socket again


def read_packets(s, buf, count):
    """Skips PLAY's answer, then reads interleaved frames ($, channel, 16-bit length) up to `count` of channel 0."""
    def need(n):
        nonlocal buf
        while len(buf) < n:
            chunk = s.recv(65536)
            if not chunk:
                raise SystemExit("the server closed the connection")
            buf += chunk
    while b"\r\n\r\n" not in buf:
        need(len(buf) + 1)
    head, _, buf = buf.partition(b"\r\n\r\n")
    m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    need(int(m.group(1)) if m else 0)
    buf = buf[int(m.group(1)) if m else 0:]
    largest = 0
    while count > 0:
        need(4)
        if buf[0:1] != b"$":
            raise SystemExit(f"expected an interleaved frame, got {buf[:16]!r}")
        channel, length = buf[1], int.from_bytes(buf[2:4], "big")
        need(4 + length)
        if channel == 0:
            largest = max(largest, length)
            count -= 1
        buf = buf[4 + length:]
    print(f"largest {largest}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
