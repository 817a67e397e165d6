#!/usr/bin/python3
"""Drives zcrecd's web page in a real headless Chromium over the DevTools protocol and checks what a person
would: the page loads without console errors, its timeline shows the catalog's recordings, a click on a
recording plays it, a seek into the middle of a long clip plays within a second through range requests (seen
in zcrecd's log), and the live view plays. Keeps a screenshot. Exit status 0 when every check passed; each
failure is printed as "FAIL: ..." (the GoogleTest in web_page_test.cpp runs this and reports them).

Usage: web_browser_driver.py --url URL --log ZCRECD_LOG --screenshot PNG [--token TOKEN]
                             [--recordings N --long-from MS --long-to MS] [--retired NAME]
                             [--grid N --event-camera NAME --thumb-width W]
                             [--cluster CAMERA:HOST,... [--cluster-play CAMERA,...]]
                             [--chromium /usr/bin/chromium]
With --token the page must ask for it first: it is typed into the login field, and the cookie the login sets
must be HttpOnly and SameSite=Strict. Without --recordings only the login, the live view and the console are
checked. With --retired, the camera NAME (renamed away by a reload) must be listed apart, under "Retired", and
selecting it must load its timeline with its recordings and no live view.
With --cluster the health view must list the cluster's cameras with the host of each one's newest footage, and the
'last 5 min' link of each --cluster-play camera must answer an MP4 to the page's own fetch.
With --grid the page must land on the grid of N cameras, every tile must show a picture that changes, the
page must fit a 390x844 phone in one column; then an event posted from the page to --event-camera must appear in
the review with a thumbnail W pixels wide, and a click on it must play its footage. Screenshots of each view are
kept next to --screenshot (-grid, -phone, -review).
"""
import argparse
import base64
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket  # python3-websocket (Debian): websocket-client

failures = []


def fail(message):
    failures.append(message)
    print("FAIL: " + message, flush=True)


def note(message):
    print(message, flush=True)


class Chromium:
    """A headless Chromium with its DevTools endpoint, attached to its first page."""

    def __init__(self, binary):
        self.profile = tempfile.mkdtemp(prefix="zc-chromium-")
        args = [binary, "--headless=new", "--remote-debugging-port=0", "--user-data-dir=" + self.profile,
                "--autoplay-policy=no-user-gesture-required", "--remote-allow-origins=*", "--no-first-run",
                "--no-default-browser-check", "--disable-gpu", "--window-size=1280,900", "--mute-audio",
                "about:blank"]
        if os.geteuid() == 0:
            args.insert(1, "--no-sandbox")  # Chromium refuses to run its sandbox as root
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        browser_ws = None
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                if self.proc.poll() is not None:
                    break
                continue
            m = re.search(r"DevTools listening on (ws://\S+)", line)
            if m:
                browser_ws = m.group(1)
                break
        if browser_ws is None:
            raise RuntimeError("Chromium did not print its DevTools address")
        port = int(re.match(r"ws://[^:/]+:(\d+)/", browser_ws).group(1))
        pages = []
        while time.monotonic() < deadline and not pages:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as r:
                pages = [t for t in json.load(r) if t.get("type") == "page"]
            if not pages:
                time.sleep(0.1)
        self.ws = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=30, suppress_origin=True)
        self.next_id = 0
        self.events = []

    def send(self, method, **params):
        self.next_id += 1
        my_id = self.next_id
        self.ws.send(json.dumps({"id": my_id, "method": method, "params": params}))
        # A hung renderer never answers while the network keeps sending events: the socket's own timeout never
        # fires then, so the answer has a deadline of its own.
        deadline = time.monotonic() + 30
        while True:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{method}: no answer within 30 s")
            msg = json.loads(self.ws.recv())
            if msg.get("id") == my_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def pump(self, seconds):
        """Collects events for a while (console messages arrive between our calls). The socket's timeout alone
        is not the bound: while a live view plays, network events never leave it idle that long (measured: a
        0.5 s pump ran 147 s)."""
        end = time.monotonic() + seconds
        try:
            while (left := end - time.monotonic()) > 0:
                self.ws.settimeout(left)
                self.events.append(json.loads(self.ws.recv()))
        except websocket.WebSocketTimeoutException:
            pass
        finally:
            self.ws.settimeout(30)

    def eval(self, expression):
        r = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError(f"{expression}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def wait_for(self, expression, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.eval(expression)
            if value:
                return value
            time.sleep(0.05)
        return self.eval(expression)

    def click(self, x, y):
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            extra = {} if kind == "mouseMoved" else {"button": "left", "clickCount": 1}
            self.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, **extra)

    def close(self):
        try:
            self.send("Browser.close")
        except Exception:  # already gone
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


def console_errors(events):
    errors = []
    for e in events:
        m, p = e.get("method"), e.get("params", {})
        if m == "Runtime.exceptionThrown":
            d = p["exceptionDetails"]
            errors.append("exception: " + d.get("exception", {}).get("description", d.get("text", "")))
        elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            errors.append("console." + p["type"] + ": " + " ".join(str(a.get("value", a.get("description"))) for a in p["args"]))
        elif m == "Log.entryAdded" and p["entry"].get("level") == "error":
            errors.append("log: " + p["entry"].get("text", "") + " " + p["entry"].get("url", ""))
    return errors


def log_lines(path):
    with open(path, errors="replace") as f:
        return f.read().splitlines()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--screenshot", required=True)
    ap.add_argument("--token")
    ap.add_argument("--recordings", type=int)
    ap.add_argument("--long-from", type=float, help="the 10-minute recording's start, ms")
    ap.add_argument("--long-to", type=float)
    ap.add_argument("--retired", help="a retired camera the page must list apart and show the footage of")
    ap.add_argument("--grid", type=int, help="the number of cameras the landing grid must show")
    ap.add_argument("--event-camera", help="with --grid: the camera the review's event is posted to")
    ap.add_argument("--thumb-width", type=int, default=320, help="with --grid: the thumbnail's expected width")
    ap.add_argument("--cluster", help="CAMERA:HOST,...: the health view must list these cameras of the cluster, "
                    "each with the host of its newest footage")
    ap.add_argument("--cluster-play", default="", help="with --cluster: CAMERA,...: the ones whose clip must play here")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    a = ap.parse_args()

    browser = Chromium(a.chromium)
    try:
        for domain in ("Runtime", "Log", "Page", "Network"):
            browser.send(domain + ".enable")
        browser.send("Page.navigate", url=a.url)
        if not browser.wait_for(f"location.href === {json.dumps(a.url)} && document.readyState === 'complete'", 15):
            fail("the page did not load")
            return

        # 1. With a token: the login field, typed into like a person would, and the cookie it sets.
        if a.token:
            if not browser.wait_for("!document.getElementById('login').hidden", 10):
                fail("the page does not ask for the token")
                return
            browser.eval("document.getElementById('token').focus()")
            browser.send("Input.insertText", text=a.token)
            browser.eval("document.querySelector('#login button[type=submit]').click()")
            cookies = [c for c in browser.send("Network.getCookies")["cookies"] if c["name"] == "zcrecd_token"]
            deadline = time.monotonic() + 5
            while not cookies and time.monotonic() < deadline:
                time.sleep(0.1)
                cookies = [c for c in browser.send("Network.getCookies")["cookies"] if c["name"] == "zcrecd_token"]
            if not cookies:
                fail("the login set no zcrecd_token cookie")
            else:
                c = cookies[0]
                note(f"cookie: httpOnly={c['httpOnly']} sameSite={c.get('sameSite')} path={c['path']}")
                if not c["httpOnly"] or c.get("sameSite") != "Strict":
                    fail(f"the cookie is not HttpOnly + SameSite=Strict: {c}")
                if browser.eval("document.cookie").find("zcrecd_token") >= 0:
                    fail("page script can read the token cookie")

        if a.cluster:
            cluster_view(browser, a)
            browser.pump(0.5)
            for e in console_errors(browser.events):
                fail("console error: " + e)
            return

        if a.grid is not None:
            overview(browser, a)
            browser.pump(0.5)
            for e in console_errors(browser.events):
                fail("console error: " + e)
            return

        # 2. The page loads and its timeline holds the catalog's recordings.
        if not browser.wait_for("document.getElementById('timeline')?.dataset.loaded === 'true'", 20):
            fail("the timeline never loaded: status line says " + repr(browser.eval("document.getElementById('status').textContent")))
            return
        shown = int(browser.eval("document.getElementById('timeline').dataset.recordings"))
        note(f"timeline shows {shown} recordings, the catalog holds {a.recordings}")
        if a.recordings is not None and shown != a.recordings:
            fail(f"the timeline shows {shown} recordings, the catalog holds {a.recordings}")

        # 3. The live view plays: currentTime advances, no error (with a token, on the cookie alone: a <video>
        # element sends no Authorization header).
        live_ok = browser.wait_for("(() => { const v = document.getElementById('live');"
                                   " return !v.error && v.currentTime > 1.0; })()", 20)
        if not live_ok:
            fail("live view does not play: " + json.dumps(browser.eval(
                "(() => { const v = document.getElementById('live'); return {t: v.currentTime, rs: v.readyState,"
                " err: v.error && v.error.message, src: v.currentSrc}; })()")))

        if a.recordings is not None:
            play_and_seek(browser, a)

        if a.retired:
            retired_camera(browser, a.retired)

        # 6. No console errors anywhere along the way.
        browser.pump(0.5)
        for e in console_errors(browser.events):
            fail("console error: " + e)
    finally:
        try:  # kept whatever happened: it is the first thing to look at when a check failed
            shot = browser.send("Page.captureScreenshot", format="png")
            with open(a.screenshot, "wb") as f:
                f.write(base64.b64decode(shot["data"]))
            note("screenshot: " + a.screenshot)
        except Exception as e:
            fail(f"no screenshot: {e}")
        browser.close()


def screenshot(browser, path):
    shot = browser.send("Page.captureScreenshot", format="png")
    with open(path, "wb") as f:
        f.write(base64.b64decode(shot["data"]))
    note("screenshot: " + path)


def overview(browser, a):
    """The grid as the landing view, the phone layout, and the event review."""
    base = os.path.splitext(a.screenshot)[0]
    tiles = "[...document.querySelectorAll('#grid figure.tile')]"
    if not browser.wait_for(f"!document.getElementById('grid').hidden && {tiles}.length === {a.grid}", 20):
        fail(f"the page did not land on a grid of {a.grid} tiles: " + json.dumps(browser.eval(
            f"({{hidden: document.getElementById('grid').hidden, tiles: {tiles}.length,"
            " status: document.getElementById('status').textContent}})")))
        return
    if not browser.wait_for(f"{tiles}.every(t => t.dataset.pictureTime && t.querySelector('img').naturalWidth > 0)", 30):
        fail("tiles without a picture: " + json.dumps(browser.eval(
            f"{tiles}.filter(t => !t.dataset.pictureTime).map(t => t.dataset.camera)")))
        return
    first = browser.eval(f"Object.fromEntries({tiles}.map(t => [t.dataset.camera, t.dataset.pictureTime]))")
    # Each tile's picture moves on (a keyframe a second): bounded by each tile's own refreshes, not a sleep.
    changed = f"{tiles}.every(t => t.dataset.pictureTime && t.dataset.pictureTime !== {json.dumps(first)}[t.dataset.camera])"
    if not browser.wait_for(changed, 30):
        fail("tiles whose picture did not change: " + json.dumps(browser.eval(
            f"{tiles}.filter(t => t.dataset.pictureTime === {json.dumps(first)}[t.dataset.camera])"
            ".map(t => [t.dataset.camera, t.dataset.refreshes])")))
    else:
        note(f"grid: {a.grid} tiles, every picture changed")
    screenshot(browser, base + "-grid.png")

    # A phone: one column, nothing wider than the screen.
    browser.send("Emulation.setDeviceMetricsOverride", width=390, height=844, deviceScaleFactor=1, mobile=True)
    browser.wait_for("document.documentElement.clientWidth === 390", 5)
    browser.pump(0.3)
    layout = browser.eval(f"({{scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth,"
                          f" lefts: [...new Set({tiles}.map(t => Math.round(t.getBoundingClientRect().left)))]}})")
    note(f"phone layout: {layout}")
    if layout["scroll"] > 390:
        fail(f"the page scrolls sideways on a 390 px phone: {layout}")
    if len(layout["lefts"]) != 1:
        fail(f"the phone grid is not one column: {layout}")
    screenshot(browser, base + "-phone.png")
    browser.send("Emulation.clearDeviceMetricsOverride")

    # The review: an event posted now appears with its thumbnail; a click plays it.
    if not a.event_camera:
        return
    browser.eval("document.querySelector('#views button[data-view=review]').click()")
    if not browser.wait_for("!document.getElementById('review').hidden && document.getElementById('review-list').dataset.events !== undefined", 10):
        fail("the event review did not show")
        return
    posted = time.monotonic()
    event_id = browser.eval(
        f"fetch('/api/v1/cameras/{a.event_camera}/events', {{method: 'POST', credentials: 'same-origin',"
        " headers: {'Content-Type': 'application/json'}, body: JSON.stringify({label: 'parcel', score: 0.9,"
        " duration: 1, preroll: 1})}).then(r => r.json()).then(j => j.id)")
    item = f"document.querySelector('#review-list li[data-event-id=\"{event_id}\"]')"
    if not browser.wait_for(item + " !== null", 15):
        fail(f"event {event_id} did not appear in the review")
        return
    note(f"review: event {event_id} appeared {time.monotonic() - posted:.2f} s after it was posted")
    thumb = item + ".querySelector('img')"
    if not browser.wait_for(f"{thumb}.complete && {thumb}.naturalWidth > 0", 15):
        fail(f"event {event_id}'s thumbnail did not load")
    else:
        w = browser.eval(f"{thumb}.naturalWidth")
        note(f"review: thumbnail {w} px wide")
        if w != a.thumb_width:
            fail(f"the thumbnail is {w} px wide, expected {a.thumb_width}")
    screenshot(browser, base + "-review.png")
    # Lock from the review: the event's own recording is locked in the catalog, and the button says so.
    lock = item + ".querySelector('button.lock')"
    if not browser.wait_for(f"{lock} !== null", 15):
        fail(f"event {event_id} offers no lock (it made its own recording)")
    else:
        browser.eval(lock + ".click()")
        if not browser.wait_for(f"{lock}?.textContent === 'Unlock' && {item}.querySelector('button.delete').disabled", 10):
            fail("locking from the review did not show the event locked: " + json.dumps(browser.eval(
                f"({{lock: {lock}?.textContent, status: document.getElementById('status').textContent}})")))
        else:
            note("review: locked from the page")
    browser.eval(item + ".click()")
    plays = browser.wait_for("(() => { const p = document.getElementById('player');"
                             " return !document.getElementById('viewer').hidden && !p.error && p.currentTime > 0.2"
                             " && p.currentSrc.includes('clip.mp4'); })()", 20)
    if not plays:
        fail("a click on the event did not play its footage: " + json.dumps(browser.eval(
            "(() => { const p = document.getElementById('player'); return {t: p.currentTime, src: p.currentSrc,"
            " err: p.error && p.error.message, status: document.getElementById('status').textContent}; })()")))
    else:
        note("review: a click played the event's footage")

    # The camera's timeline: a day holding seconds of footage is zoomed to it, and its event mark shows the
    # event's thumbnail under the pointer.
    view_ms = browser.eval("zcPage.state.view.to - zcPage.state.view.from")
    note(f"timeline: the view spans {view_ms / 60000:.1f} min")
    if view_ms > 12 * 3600e3:
        fail(f"a day with seconds of footage is still shown whole ({view_ms / 3600e3:.1f} h)")
    if browser.wait_for(f"zcPage.state.timeline.events.some(e => e.id === {event_id})", 15):
        at = browser.eval("(() => { const c = document.getElementById('timeline-canvas').getBoundingClientRect();"
                          f" const e = zcPage.state.timeline.events.find(e => e.id === {event_id});"
                          " return {x: c.left + zcPage.xOf(e.from) + 1, y: c.top + 12}; })()")
        browser.send("Input.dispatchMouseEvent", type="mouseMoved", x=at["x"], y=at["y"])
        tip = "document.getElementById('timeline-tip')"
        if not browser.wait_for(f"!{tip}.hidden && {tip}.querySelector('img').complete && {tip}.querySelector('img').naturalWidth > 0", 10):
            fail("hovering the event's mark shows no thumbnail: " + json.dumps(browser.eval(
                f"({{hidden: {tip}.hidden, src: {tip}.querySelector('img').src}})")))
        else:
            note("timeline: the event's mark shows its thumbnail on hover")
        browser.send("Input.dispatchMouseEvent", type="mouseMoved", x=1, y=1)
    else:
        fail(f"event {event_id} is not on its camera's timeline")

    # Health at a glance: a row per camera with its numbers, and the storage's free space.
    browser.eval("document.querySelector('#views button[data-view=health]').click()")
    rows = "document.querySelectorAll('#health-table tbody tr')"
    if not browser.wait_for(f"document.getElementById('health').dataset.loaded === 'true' && {rows}.length === {a.grid}"
                            " && document.getElementById('health-storage').textContent.includes('free')", 15):
        fail("the health view did not show every camera: " + json.dumps(browser.eval(
            f"({{rows: {rows}.length, storage: document.getElementById('health-storage').textContent}})")))
    else:
        note("health: " + browser.eval(f"[...{rows}].map(r => r.cells[0].textContent + ' ' + r.cells[3].textContent + ' fps').join(', ')"))
    screenshot(browser, base + "-health.png")


def cluster_view(browser, a):
    """The health view lists every camera of the cluster (any host's), and its clip link plays an MP4."""
    want = dict(pair.split(":") for pair in a.cluster.split(","))
    browser.eval("document.querySelector('#views button[data-view=health]').click()")
    rows = "[...document.querySelectorAll('#cluster-table tbody tr')]"
    if not browser.wait_for(f"document.getElementById('cluster').dataset.loaded === 'true' && {rows}.length === {len(want)}", 20):
        fail("the health view did not list the cluster's cameras: " + json.dumps(browser.eval(
            f"({{hidden: document.getElementById('cluster').hidden, rows: {rows}.length,"
            " status: document.getElementById('status')?.textContent}})")))
        return
    shown = browser.eval(f"JSON.stringify({rows}.map(r => [r.cells[0].textContent, r.cells[1].textContent]))")
    shown = dict(json.loads(shown))
    note(f"cluster cameras: {shown}")
    if shown != want:
        fail(f"the cluster view lists {shown}, the cluster holds {want}")
    for camera in [c for c in a.cluster_play.split(",") if c]:
        # The link the page offers, fetched by the page itself (its cookie, its origin).
        got = browser.eval(
            f"(async () => {{ const a = [...document.querySelectorAll('#cluster-table tbody tr')]"
            f".find(r => r.dataset.camera === {json.dumps(camera)}).querySelector('a');"
            " const r = await fetch(a.href); const b = new Uint8Array(await r.arrayBuffer());"
            " return JSON.stringify({status: r.status, type: r.headers.get('content-type'), bytes: b.length,"
            " ftyp: String.fromCharCode(...b.slice(4, 8)),"
            " text: r.ok ? '' : new TextDecoder().decode(b).slice(0, 300)}); })()")
        got = json.loads(got)
        note(f"cluster clip of {camera}: {got}")
        if got["status"] != 200 or got["type"] != "video/mp4" or got["ftyp"] != "ftyp" or got["bytes"] < 1000:
            fail(f"the cluster clip of {camera} is not an MP4: {got}")
    screenshot(browser, a.screenshot)


def retired_camera(browser, name):
    """A renamed camera: listed apart (not with the running ones), its timeline shows its footage, no live view."""
    sel = json.dumps(f"#cameras button.retired[data-camera={json.dumps(name)}]")
    if not browser.wait_for(f"!!document.querySelector({sel})", 15):
        fail(f"the retired camera {name} is not listed apart: " + browser.eval("document.getElementById('cameras').innerText"))
        return
    running = browser.eval("[...document.querySelectorAll('#cameras button:not(.retired)')].map(b => b.dataset.camera).join(',')")
    if name in running.split(","):
        fail(f"the retired camera {name} is listed with the running ones: {running}")
    browser.eval("document.getElementById('timeline').dataset.loaded = 'false'")
    browser.eval(f"document.querySelector({sel}).click()")
    if not browser.wait_for("document.getElementById('timeline').dataset.loaded === 'true' &&"
                            " Number(document.getElementById('timeline').dataset.recordings) > 0", 20):
        fail("the retired camera's timeline shows no recordings: status line says " +
             repr(browser.eval("document.getElementById('status').textContent")))
    if browser.eval("(() => { const v = document.getElementById('live'); return v.hasAttribute('src') || v.readyState > 0; })()"):
        fail("the page shows a live view for a retired camera")
    shown = browser.eval("document.getElementById('timeline').dataset.recordings")
    note(f"retired camera {name}: listed apart, timeline with {shown} recordings")


def play_and_seek(browser, a):
    """Clicks the long recording on the timeline, then seeks to the middle of its clip."""
    # 4. A click on the long recording plays it (a real mouse event at the recording's place on the canvas).
    # At 24 h per canvas width a 10-minute recording is a few pixels wide: zoom until it is wide enough to hit.
    browser.eval(f"(() => {{ zcPage.state.view = {{from: {a.long_from} - 20 * 60e3, to: {a.long_to} + 20 * 60e3}};"
                 " document.getElementById('timeline-canvas').scrollIntoView();"
                 " window.dispatchEvent(new Event('resize')); })()")
    point = browser.eval(
        "(() => { const c = document.getElementById('timeline-canvas'); const r = c.getBoundingClientRect();"
        f" return {{x: r.left + zcPage.xOf({a.long_from} + 10000), y: r.top + 37}}; }})()")
    browser.click(point["x"], point["y"])
    playing = browser.wait_for("(() => { const v = document.getElementById('player');"
                               " return !v.error && v.currentTime > 1.0 && !v.paused; })()", 15)
    state = browser.eval("(() => { const v = document.getElementById('player'); return {t: v.currentTime,"
                         " d: v.duration, err: v.error && v.error.message, src: v.currentSrc}; })()")
    note("after the click: " + json.dumps(state))
    if not playing:
        fail("clicking the recording does not play it: " + json.dumps(state))

    # 5. Seeking into the middle of the 10-minute clip: range requests, and playing again within 1 s.
    lines_before = len(log_lines(a.log))
    duration = float(state.get("d") or 0)
    target = duration / 2 if duration == duration and 0 < duration < 1e9 else (a.long_to - a.long_from) / 2000
    started = time.monotonic()
    browser.eval(f"(() => {{ document.getElementById('player').currentTime = {target}; }})()")
    resumed = browser.wait_for(
        "(() => { const v = document.getElementById('player');"
        f" return !v.seeking && !v.paused && v.readyState >= 3 && v.currentTime > {target} + 0.1; }})()", 5)
    elapsed = time.monotonic() - started
    note(f"seek to {target:.1f} s of {duration:.1f} s: playing again after {elapsed * 1000:.0f} ms")
    if not resumed:
        fail("the player did not play again after the seek")
    elif elapsed > 1.0:
        fail(f"the seek took {elapsed:.2f} s to play (limit 1 s)")
    ranges = [l for l in log_lines(a.log)[lines_before:] if "clip.mp4" in l and "range=bytes=" in l]
    note(f"range requests after the seek: {len(ranges)}" + (f" (first: {ranges[0]})" if ranges else ""))
    if not ranges:
        fail("zcrecd's log shows no range request for clip.mp4 after the seek")


def give_up(signum, frame):
    raise TimeoutError("the driver ran for 150 s (the test's own limit is 180 s)")


if __name__ == "__main__":
    signal.signal(signal.SIGALRM, give_up)
    signal.alarm(150)
    try:
        main()
    except Exception as e:  # the driver itself broke: a failure, with its reason
        fail(f"driver error: {type(e).__name__}: {e}")
    sys.exit(1 if failures else 0)
