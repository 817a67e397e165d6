#!/usr/bin/python3
"""Sends one RTSP DESCRIBE, optionally with Basic credentials, and prints the status line of the answer (and its
WWW-Authenticate headers): what a client sees of `zcrec serve`'s refusals, with nothing of a client library's
retries in between. Usage: rtsp_describe.py URL [--basic USER:PASSWORD]"""
import argparse
import base64
import socket
import sys
from urllib.parse import urlparse


def main():
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("--basic")
    a = p.parse_args()
    u = urlparse(a.url)
    lines = [f"DESCRIBE {a.url} RTSP/1.0", "CSeq: 1", "Accept: application/sdp"]
    if a.basic:
        lines.append("Authorization: Basic " + base64.b64encode(a.basic.encode()).decode())
    with socket.create_connection((u.hostname, u.port), timeout=20) as s:
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = s.recv(4096)
            if not chunk:
                break
            answer += chunk
    head = answer.decode(errors="replace").split("\r\n\r\n")[0].split("\r\n")
    print(head[0])
    for h in head[1:]:
        if h.lower().startswith("www-authenticate"):
            print(h)
    return 0


if __name__ == "__main__":
    sys.exit(main())
