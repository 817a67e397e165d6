#!/usr/bin/python3
"""A TCP proxy between an RTSP client and server that makes the camera's RTP clock jump: RTSP over interleaved
TCP passes through untouched, except that JUMP_AFTER seconds after the first RTP packet, every RTP timestamp (and
the RTP timestamp of RTCP sender reports) is shifted by JUMP_SECONDS at 90 kHz, as a camera does whose clock is
reset or stepped. With --ntp-shift, the NTP time of every RTCP sender report is moved that many seconds, as from a
camera whose wall clock is off. Listens on 127.0.0.1 only; prints `READY PORT` once listening."""
import argparse
import socket
import struct
import sys
import threading
import time


def shut_down(*sockets):
    for s in sockets:
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def pump_client_to_server(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        shut_down(src, dst)


class Jumper:
    def __init__(self, after_s, shift_ticks, ntp_shift_s):
        self.after_s = after_s
        self.shift = shift_ticks
        self.ntp_shift = ntp_shift_s
        self.first = None

    def active(self):
        now = time.monotonic()
        if self.first is None:
            self.first = now
        return now - self.first >= self.after_s

    def rewrite(self, channel, payload):
        if len(payload) < 12:
            return payload
        out = bytearray(payload)
        if channel % 2 == 0:  # RTP: timestamp at bytes 4..8
            offset = 4
        elif payload[1] == 200 and len(payload) >= 20:  # RTCP sender report: RTP timestamp at bytes 16..20
            offset = 16
            if self.ntp_shift:  # NTP seconds at bytes 8..12
                ntp = struct.unpack_from("!I", out, 8)[0]
                struct.pack_into("!I", out, 8, (ntp + self.ntp_shift) % (1 << 32))
        else:
            return payload
        if not self.active():
            return bytes(out)
        ts = struct.unpack_from("!I", out, offset)[0]
        struct.pack_into("!I", out, offset, (ts + self.shift) % (1 << 32))
        return bytes(out)


def pump_server_to_client(src, dst, jumper):
    buf = b""
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            buf += data
            while buf:
                if buf[0:1] == b"$":
                    if len(buf) < 4:
                        break
                    channel, length = buf[1], struct.unpack_from("!H", buf, 2)[0]
                    if len(buf) < 4 + length:
                        break
                    dst.sendall(buf[:4] + jumper.rewrite(channel, buf[4:4 + length]))
                    buf = buf[4 + length:]
                else:
                    end = buf.find(b"\r\n\r\n")
                    if end < 0:
                        break
                    head = buf[:end + 4]
                    body = 0
                    for line in head.split(b"\r\n"):
                        if line.lower().startswith(b"content-length:"):
                            body = int(line.split(b":", 1)[1])
                    if len(buf) < end + 4 + body:
                        break
                    dst.sendall(buf[:end + 4 + body])
                    buf = buf[end + 4 + body:]
    except OSError:
        pass
    finally:
        shut_down(src, dst)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--server-port", type=int, required=True)
    p.add_argument("--jump-after", type=float, default=2.0)
    p.add_argument("--jump-seconds", type=float, default=-5.0)
    p.add_argument("--ntp-shift", type=int, default=0, help="seconds added to sender reports' NTP time")
    a = p.parse_args()
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    print(f"READY {listener.getsockname()[1]}", flush=True)
    while True:
        client, _ = listener.accept()
        server = socket.create_connection(("127.0.0.1", a.server_port))
        jumper = Jumper(a.jump_after, int(a.jump_seconds * 90000), a.ntp_shift)
        threading.Thread(target=pump_client_to_server, args=(client, server), daemon=True).start()
        threading.Thread(target=pump_server_to_client, args=(server, client, jumper), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
