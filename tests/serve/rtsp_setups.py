#!/usr/bin/python3
"""On one RTSP connection: a DESCRIBE, then COUNT SETUPs of its first stream, each without a Session header (so each
after the first asks for a new session and a new media). Prints one line per answer: the method and the status
line. What a client that opens sessions on one connection sees of `zcrec serve`'s client bound.
Usage: rtsp_setups.py URL COUNT"""
import re
import socket
import sys
from urllib.parse import urlparse


def read_answer(s, pending):
    """One answer (head and body) from the socket; returns (head, body, what was read past it)."""
    while b"\r\n\r\n" not in pending:
        chunk = s.recv(65536)
        if not chunk:
            raise RuntimeError("the server closed the connection")
        pending += chunk
    head, rest = pending.split(b"\r\n\r\n", 1)
    m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    length = int(m.group(1)) if m else 0
    while len(rest) < length:
        chunk = s.recv(65536)
        if not chunk:
            raise RuntimeError("the server closed the connection")
        rest += chunk
    return head.decode(errors="replace"), rest[:length].decode(errors="replace"), rest[length:]


def main():
    url, count = sys.argv[1], int(sys.argv[2])
    u = urlparse(url)
    with socket.create_connection((u.hostname, u.port), timeout=30) as s:
        cseq = 1
        s.sendall(f"DESCRIBE {url} RTSP/1.0\r\nCSeq: {cseq}\r\nAccept: application/sdp\r\n\r\n".encode())
        head, body, pending = read_answer(s, b"")
        print("DESCRIBE " + head.split("\r\n")[0], flush=True)
        control = re.search(r"(?m)^a=control:(\S+)", body.split("m=", 1)[1] if "m=" in body else "")
        if not control:
            return 1
        track = control.group(1)
        track_url = track if track.startswith("rtsp://") else url.rstrip("/") + "/" + track
        for i in range(count):
            cseq += 1
            s.sendall((f"SETUP {track_url} RTSP/1.0\r\nCSeq: {cseq}\r\n"
                       f"Transport: RTP/AVP/TCP;unicast;interleaved={2 * i}-{2 * i + 1}\r\n\r\n").encode())
            head, _, pending = read_answer(s, pending)
            print("SETUP " + head.split("\r\n")[0], flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
