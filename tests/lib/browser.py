#!/usr/bin/python3
"""Drive a headless Chromium through the DevTools protocol for the tests.

    browser.py URL --until TEXT [--timeout S] [--screenshot FILE]

Loads URL in a fresh headless Chromium (Debian's `chromium`), then reads the
page's text (document.body.innerText) every 200 ms until it holds TEXT or the
timeout passes, following reloads and navigations. Prints each distinct text
seen as one JSON line {"t_ms": ..., "url": ..., "text": ...}; saves a PNG of
the last one with --screenshot. Exits 0 when TEXT was seen, 1 when not, 2 on
trouble with the browser.
"""
import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket  # Debian's python3-websocket


def start_browser(profile):
    binary = shutil.which("chromium") or "/usr/bin/chromium"
    proc = subprocess.Popen(
        [binary, "--headless", "--no-sandbox", "--disable-gpu",
         "--no-first-run", "--no-default-browser-check",
         "--disable-background-networking", "--remote-debugging-port=0",
         "--remote-allow-origins=*", "--user-data-dir=" + profile,
         "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    port_file = os.path.join(profile, "DevToolsActivePort")
    deadline = time.time() + 60
    while time.time() < deadline:
        if os.path.exists(port_file):
            with open(port_file) as f:
                lines = f.read().split()
            if lines:
                return proc, int(lines[0])
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("chromium did not start its DevTools endpoint")


class Page:
    def __init__(self, port):
        with urllib.request.urlopen("http://127.0.0.1:%d/json" % port,
                                    timeout=10) as r:
            targets = json.load(r)
        page = next(t for t in targets if t.get("type") == "page")
        self.ws = websocket.create_connection(
            page["webSocketDebuggerUrl"], timeout=30, suppress_origin=True)
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        mine = self.next_id
        self.ws.send(json.dumps({"id": mine, "method": method,
                                 "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == mine:
                if "error" in msg:
                    raise RuntimeError("%s: %s" % (method, msg["error"]))
                return msg.get("result", {})

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression,
                           returnByValue=True)
        return result.get("result", {}).get("value")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--until", required=True)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--screenshot")
    args = ap.parse_args()

    profile = tempfile.mkdtemp(prefix="spacehook-chromium.")
    proc = None
    try:
        proc, port = start_browser(profile)
        page = Page(port)
        page.call("Page.enable")
        start = time.time()
        page.call("Page.navigate", url=args.url)
        last = None
        seen = False
        while time.time() - start < args.timeout:
            try:
                text = page.evaluate(
                    "document.body ? document.body.innerText : ''") or ""
                url = page.evaluate("location.href") or ""
            except (RuntimeError, websocket.WebSocketException):
                text, url = last or "", ""
            if text != last:
                print(json.dumps({"t_ms": int((time.time() - start) * 1000),
                                  "url": url, "text": text}), flush=True)
                last = text
            if args.until in text:
                seen = True
                break
            time.sleep(0.2)
        if args.screenshot:
            shot = page.call("Page.captureScreenshot", format="png")
            with open(args.screenshot, "wb") as f:
                f.write(base64.b64decode(shot["data"]))
        return 0 if seen else 1
    except Exception as e:  # the browser, not the page, failed
        print("browser.py: %s" % e, file=sys.stderr)
        return 2
    finally:
        if proc:
            proc.kill()
            proc.wait()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
