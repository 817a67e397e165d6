#!/usr/bin/python3
"""A pusher that ends its push with TEARDOWN but keeps its RTSP connection open: ANNOUNCE (an H.264 SDP), SETUP
(interleaved TCP, mode=record), RECORD, TEARDOWN, then it holds the connection until its stdin closes. Prints each
request's method and the status line of its answer, then `holding`. With --lose-one it first sends 60 small
H.264 RTP packets, 40 ms apart, with one sequence number missing (what a lossy link or a pusher's bug gives the
server), and prints `sent` before its TEARDOWN. Usage: rtsp_push_teardown.py URL [--lose-one]"""
import socket
import struct
import sys
import time
from urllib.parse import urlparse

SDP = ("v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=push\r\nt=0 0\r\n"
       "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1\r\na=control:streamid=0\r\n")


def request(s, cseq, method, url, headers=(), body=""):
    lines = [f"{method} {url} RTSP/1.0", f"CSeq: {cseq}"] + list(headers)
    if body:
        lines += ["Content-Type: application/sdp", f"Content-Length: {len(body)}"]
    s.sendall(("\r\n".join(lines) + "\r\n\r\n" + body).encode())
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = s.recv(4096)
        if not chunk:
            break
        answer += chunk
    head = answer.decode(errors="replace").split("\r\n\r\n")[0].split("\r\n")
    print(method, head[0], flush=True)
    for h in head[1:]:
        if h.lower().startswith("session:"):
            return h.split(":", 1)[1].strip().split(";")[0]
    return None


def main():
    url = sys.argv[1]
    u = urlparse(url)
    with socket.create_connection((u.hostname, u.port), timeout=20) as s:
        request(s, 1, "ANNOUNCE", url, body=SDP)
        session = request(s, 2, "SETUP", url + "/streamid=0",
                          ["Transport: RTP/AVP/TCP;unicast;interleaved=0-1;mode=record"])
        request(s, 3, "RECORD", url, [f"Session: {session}", "Range: npt=0.000-"])
        if "--lose-one" in sys.argv[2:]:
            for seq in list(range(1, 11)) + list(range(12, 62)):  # 11 is lost
                rtp = struct.pack(">BBHII", 0x80, 0x80 | 96, seq, seq * 3600, 1234) + bytes([0x41]) + b"\x9a" * 300
                s.sendall(b"$\x00" + struct.pack(">H", len(rtp)) + rtp)
                time.sleep(0.04)
            print("sent", flush=True)
        request(s, 4, "TEARDOWN", url, [f"Session: {session}"])
        print("holding", flush=True)
        sys.stdin.read()
    return 0


if __name__ == "__main__":
    sys.exit(main())
