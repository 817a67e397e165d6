#!/usr/bin/python3
"""What being in a cluster costs a zcrecd host (issue 22: "publish and lease overhead per camera as a fraction of
its recording CPU"): one zcrecd with N synthetic cameras, each a cluster camera (hosts: [this host], so each has
a lease renewed every third of it) published into a real PostgreSQL 15 (a throw-away server started here, as the
tests do). Over a window, the CPU of zcrecd's publish thread (zc-publish) and lease thread (zc-leases) is set
against the CPU of the rest of the daemon (recording, ingest supervision, API) in the same run, read per thread
from /proc. The ingest processes (synthetic encoders) are not counted: they cost the same with or without a
cluster. docs/benchmarks.md, "Cluster overhead".

Usage: cluster_overhead.py --zcrecd build/service/zcrecd [--cameras 16] [--seconds 60] [--every 5s] [--lease 15s]
Root is fine: PostgreSQL's tools then run as the `postgres` user.
"""
import argparse
import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request

PG = "/usr/lib/postgresql/15/bin"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_postgres(argv):
    return (["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []) + argv


def threads_cpu(pid):
    """{thread name: CPU seconds} summed over the threads of that name."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                name = f.read().strip()
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                on_cpu_ns = int(f.read().split()[0])  # nanoseconds, not stat's 10 ms ticks
        except FileNotFoundError:
            continue  # a thread that ended meanwhile
        out[name] = out.get(name, 0.0) + on_cpu_ns / 1e9
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--zcrecd", required=True)
    ap.add_argument("--cameras", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--every", default="5s", help="cluster.every: between publishes")
    ap.add_argument("--lease", default="15s", help="cluster.lease")
    ap.add_argument("--size", default="640x360")
    ap.add_argument("--fps", type=int, default=25)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="zc-cluster-overhead-")
    pg_dir = os.path.join(tmp, "pg")
    os.mkdir(pg_dir)
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        os.chown(tmp, pw.pw_uid, pw.pw_gid)
        os.chown(pg_dir, pw.pw_uid, pw.pw_gid)
    pg_port = free_port()
    subprocess.run(as_postgres([f"{PG}/initdb", "-D", f"{pg_dir}/data", "-A", "trust", "-U", "zcrec", "-E", "UTF8",
                                "--no-sync"]), check=True, stdout=subprocess.DEVNULL)
    subprocess.run(as_postgres([f"{PG}/pg_ctl", "-D", f"{pg_dir}/data", "-l", f"{pg_dir}/log", "-o",
                                f"-p {pg_port} -k {pg_dir} -c listen_addresses=127.0.0.1", "-w", "start"]),
                   check=True, stdout=subprocess.DEVNULL)
    d = None
    try:
        url_file = os.path.join(tmp, "pg.url")
        with open(url_file, "w") as f:
            f.write(f"postgresql://zcrec@127.0.0.1:{pg_port}/postgres\n")
        port = free_port()
        prefix = f"clo{os.getpid()}_"
        cams = "".join(f"  c{i}:\n    source: testsrc\n    testsrc: {{size: {a.size}, fps: {a.fps}, gop: 1s, bitrate: 1M}}\n"
                       f"    ring_size: 8M\n    record: {{continuous: true}}\n    hosts: [h1]\n" for i in range(a.cameras))
        cfg = os.path.join(tmp, "zcrecd.yaml")
        with open(cfg, "w") as f:
            f.write(f"storage: {{dir: {tmp}/store, segment: 60s}}\napi: {{listen: 127.0.0.1:{port}}}\n"
                    f"ring_prefix: {prefix}\ncluster: {{host: h1, postgres_url_file: {url_file}, every: {a.every}, "
                    f"lease: {a.lease}}}\ncameras:\n{cams}")
        d = subprocess.Popen([a.zcrecd, "--config", cfg], stdout=subprocess.DEVNULL,
                             stderr=open(os.path.join(tmp, "log"), "w"))
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 300
        while True:  # every camera held and recording
            try:
                with urllib.request.urlopen(base + "/api/v1/cameras", timeout=5) as r:
                    items = json.load(r)["items"]
                if sum(1 for c in items if c.get("lease", {}).get("held") and c["recording_state"] == "continuous") == a.cameras:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or d.poll() is not None:
                raise SystemExit("zcrecd did not start recording every camera; log: " + os.path.join(tmp, "log"))
            time.sleep(0.5)
        time.sleep(5)  # the first (full) publish and the first renewals are behind us
        before, t0 = threads_cpu(d.pid), time.monotonic()
        time.sleep(a.seconds)
        after, t1 = threads_cpu(d.pid), time.monotonic()
        delta = {k: after.get(k, 0.0) - before.get(k, 0.0) for k in after}
        publish, leases = delta.get("zc-publish", 0.0), delta.get("zc-leases", 0.0)
        rest = sum(delta.values()) - publish - leases
        wall = t1 - t0
        report = {
            "cameras": a.cameras, "seconds": round(wall, 1), "every": a.every, "lease": a.lease,
            "publish_cpu_s": round(publish, 4), "lease_cpu_s": round(leases, 4), "daemon_other_cpu_s": round(rest, 3),
            "cluster_us_per_camera_s": round((publish + leases) / a.cameras / wall * 1e6, 1),
            "recording_us_per_camera_s": round(rest / a.cameras / wall * 1e6, 1),
            "fraction": round((publish + leases) / rest, 5) if rest > 0 else None,
        }
        print(json.dumps(report))
    finally:
        if d:
            d.terminate()
            d.wait(30)
        subprocess.run(as_postgres([f"{PG}/pg_ctl", "-D", f"{pg_dir}/data", "-m", "immediate", "-w", "stop"]),
                       stdout=subprocess.DEVNULL)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
