#!/usr/bin/python3
"""What the page's grid costs zcrecd: N synthetic 1080p cameras, a window without viewers, then a window with
one grid client fetching every camera's snapshot.jpg?width=480 as overview.js does (each tile again 1 s after
its answer, 4 at a time). Reports zcrecd's CPU (daemon only) in both windows, the pictures served, and the
ingest processes' CPU in the grid window as the same run's baseline (docs/benchmarks.md, "The grid").

Usage: grid_cost.py --zcrecd build/service/zcrecd [--cameras 16] [--seconds 20] [--size 1920x1080] [--fps 30]
"""
import argparse
import json
import os
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request

TICK = os.sysconf("SC_CLK_TCK")


def cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--zcrecd", required=True)
    ap.add_argument("--cameras", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--size", default="1920x1080")
    ap.add_argument("--fps", type=int, default=30)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="zc-grid-")
    port = free_port()
    prefix = f"grid{os.getpid()}_"
    cams = "".join(f"  c{i}:\n    source: testsrc\n    testsrc: {{size: {a.size}, fps: {a.fps}, gop: 1s, bitrate: 4M}}\n"
                   f"    ring_size: 16M\n    record: {{continuous: false}}\n" for i in range(a.cameras))
    cfg = os.path.join(tmp, "zcrecd.yaml")
    with open(cfg, "w") as f:
        f.write(f"storage: {{dir: {tmp}/store}}\napi: {{listen: 127.0.0.1:{port}}}\nring_prefix: {prefix}\ncameras:\n{cams}")
    d = subprocess.Popen([a.zcrecd, "--config", cfg], stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "log"), "w"))
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                items = json.loads(get(base + "/api/v1/cameras")[1])["items"]
                if len(items) == a.cameras and all(c["ingest_state"] == "streaming" for c in items):
                    break
            except Exception:
                pass
            time.sleep(1)
        else:
            raise SystemExit("the cameras did not all stream within 300 s")
        time.sleep(3)
        ingest = [int(p) for p in subprocess.run(["pgrep", "-f", f"feed testsrc --stream {prefix}"],
                                                  capture_output=True, text=True).stdout.split()]

        def window(with_grid):
            served, refused = [0], [0]
            stop = threading.Event()
            queue, lock = [], threading.Lock()

            def worker():
                while not stop.is_set():
                    with lock:
                        job = queue.pop(0) if queue else None
                    if job is None:
                        time.sleep(0.01)
                        continue
                    cam, due = job
                    time.sleep(max(0, due - time.monotonic()))
                    try:
                        st, _ = get(f"{base}/api/v1/cameras/c{cam}/snapshot.jpg?width=480")
                        served[0] += st == 200
                    except Exception:
                        refused[0] += 1
                    with lock:
                        queue.append((cam, time.monotonic() + 1.0))

            threads = []
            if with_grid:
                queue.extend((i, 0) for i in range(a.cameras))
                threads = [threading.Thread(target=worker) for _ in range(4)]
                for t in threads:
                    t.start()
                time.sleep(2)  # the first round's decodes are outside the window
            d0, i0, t0 = cpu_s(d.pid), sum(cpu_s(p) for p in ingest), time.monotonic()
            s0 = served[0]
            time.sleep(a.seconds)
            d1, i1, t1 = cpu_s(d.pid), sum(cpu_s(p) for p in ingest), time.monotonic()
            s1 = served[0]
            stop.set()
            for t in threads:
                t.join()
            w = t1 - t0
            return {"daemon_core": (d1 - d0) / w, "ingest_core": (i1 - i0) / w, "pictures_per_s": (s1 - s0) / w,
                    "failed": refused[0]}

        idle = window(False)
        grid = window(True)
        extra = grid["daemon_core"] - idle["daemon_core"]
        print(json.dumps({
            "cameras": a.cameras, "size": a.size, "fps": a.fps, "seconds": a.seconds,
            "load_1min": os.getloadavg()[0],
            "idle": idle, "grid": grid,
            "grid_extra_core": extra,
            "grid_extra_ms_per_picture": 1000 * extra / grid["pictures_per_s"] if grid["pictures_per_s"] else None,
            "grid_extra_vs_ingest": extra / grid["ingest_core"] if grid["ingest_core"] else None,
        }, indent=1))
    finally:
        d.terminate()
        d.wait(60)


if __name__ == "__main__":
    main()
