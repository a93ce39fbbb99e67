#!/usr/bin/env python3
"""Crash, two-tab and full-disk harness for `mamori serve` (issue 12). Everything runs on
127.0.0.1, every loop is bounded in count and time, and it stops by itself.

  tools/crash_harness.py crash   --bin target/debug/mamori --db URL [--kills 20] [--clients 64]
  tools/crash_harness.py tabs    --bin target/debug/mamori --db URL [--trials 200]
  tools/crash_harness.py diskfull --bin target/debug/mamori            (root: mounts a tmpfs)

crash: 64 respondents (threads, one personal link each) save page 2 over and over with a
growing number; the server is killed with SIGKILL at random moments and restarted on the same
database. At the end every respondent's stored answer must be its last acknowledged value or a
later one it sent (a save whose answer was lost in the kill may or may not have been stored,
but never an older one), and SQLite's `PRAGMA integrity_check` must say ok.

tabs: two tabs of one link save different pages at the same moment; both answers must be there.

diskfull: the SQLite database on a small tmpfs that is then filled: saves must fail (never be
acknowledged and lost), /healthz must say degraded, and within 5 s of the space coming back
saves must work again without a restart.

Prints one summary line per run and exits 1 on any violation.
"""
import argparse
import http.client
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

PORT = int(os.environ.get("MAMORI_HARNESS_PORT", "18291"))


def request(method, path, body=None, timeout=10):
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=timeout)
    try:
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if body is not None else {}
        conn.request(method, path, body=urllib.parse.urlencode(body) if body is not None else None, headers=headers)
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


class Server:
    started = []  # every server this run started, stopped at the end whatever happens

    def __init__(self, binary, db, demo_links=None, clients=64):
        self.binary, self.db, self.demo_links, self.clients, self.process = binary, db, demo_links, clients, None

    def start(self, demo=False):
        args = [self.binary, "serve", "--db", self.db, "--bind", f"127.0.0.1:{PORT}"]
        if demo:
            args += ["--demo", "--demo-participants", str(self.clients), "--demo-links", self.demo_links]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        Server.started.append(self)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if request("GET", "/healthz", timeout=1)[0] in (200, 503):
                    return
            except OSError:
                pass
            time.sleep(0.02)
        raise SystemExit("the server did not start")

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


def links_and_tokens(path):
    out = []
    for line in open(path):
        link = urllib.parse.urlparse(line.strip()).path
        status, page = request("GET", link + "/p/2")
        token = re.search(r'name="_csrf" value="([0-9a-f]{64})"', page).group(1)
        out.append((link, token))
    return out


def stored_total(link):
    status, page = request("GET", link + "/p/2")
    m = re.search(r'name="products_total"[^>]*value="(\d*)"', page) or re.search(
        r'value="(\d*)"[^>]*name="products_total"', page
    )
    return int(m.group(1)) if m and m.group(1) else None


def sqlite_path(db):
    return db[len("sqlite://"):].split("?")[0] if db.startswith("sqlite://") else None


def integrity(db):
    path = sqlite_path(db)
    if not path:
        return "n/a (PostgreSQL)"
    return sqlite3.connect(path).execute("PRAGMA integrity_check").fetchone()[0]


def crash(args):
    work = tempfile.mkdtemp()
    links_file = os.path.join(work, "links.txt")
    server = Server(args.bin, args.db, links_file, args.clients)
    server.start(demo=True)
    entries = links_and_tokens(links_file)
    acked = {link: 0 for link, _ in entries}
    sent_max = {link: 0 for link, _ in entries}
    stop = threading.Event()
    counts = {"acked": 0, "failed": 0}
    lock = threading.Lock()

    def respondent(link, token):
        n = 0
        while not stop.is_set():
            n += 1
            with lock:
                sent_max[link] = n
            try:
                status, _ = request("POST", link + "/p/2", {"_csrf": token, "products_total": n, "_go": "save"}, timeout=5)
            except OSError:
                status = None
            with lock:
                if status == 200:
                    acked[link] = n
                    counts["acked"] += 1
                else:
                    counts["failed"] += 1
            if status != 200:
                time.sleep(0.05)

    threads = [threading.Thread(target=respondent, args=e, daemon=True) for e in entries]
    for t in threads:
        t.start()
    deadline = time.time() + args.kills * 10 + 60
    for _ in range(args.kills):
        time.sleep(random.uniform(0.3, 1.5))
        server.kill()
        time.sleep(random.uniform(0, 0.2))
        server.start()
        if time.time() > deadline:
            break
    time.sleep(1)
    stop.set()
    for t in threads:
        t.join(10)
    lost = []
    for link, _ in entries:
        value = stored_total(link)
        if value is None or value < acked[link] or value > sent_max[link]:
            lost.append((link[-8:], acked[link], value))
    check = integrity(args.db)
    server.stop()
    ok = not lost and check in ("ok", "n/a (PostgreSQL)")
    print(
        f"crash: {args.kills} kill -9 under {len(entries)} respondents, {counts['acked']} saves acknowledged, "
        f"{counts['failed']} refused or cut off, {len(lost)} acknowledged answers missing {lost[:3]}, integrity {check}"
    )
    return ok


def tabs(args):
    work = tempfile.mkdtemp()
    links_file = os.path.join(work, "links.txt")
    server = Server(args.bin, args.db, links_file, 4)
    server.start(demo=True)
    (link, token), = links_and_tokens(links_file)[:1]
    lost = 0
    for trial in range(args.trials):
        results = {}
        barrier = threading.Barrier(2)

        def save(page, fields):
            barrier.wait()
            results[page] = request("POST", f"{link}/p/{page}", dict(fields, _csrf=token, _go="save"))[0]

        name = f"社{trial}"
        one = threading.Thread(target=save, args=(1, {"org_name": name}))
        two = threading.Thread(target=save, args=(2, {"products_total": trial}))
        one.start(); two.start(); one.join(); two.join()
        if results != {1: 200, 2: 200}:
            print(f"tabs: trial {trial} not acknowledged: {results}")
            lost += 1
            continue
        page1 = request("GET", f"{link}/p/1")[1]
        if f'value="{name}"' not in page1 or stored_total(link) != trial:
            lost += 1
    server.stop()
    print(f"tabs: {args.trials} two-tab trials, {lost} with an acknowledged answer lost")
    return lost == 0


def diskfull(args):
    mount = tempfile.mkdtemp()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", mount], check=True)
    try:
        db = f"sqlite://{mount}/mamori.db"
        links_file = os.path.join(tempfile.mkdtemp(), "links.txt")
        server = Server(args.bin, db, links_file, 16)
        server.start(demo=True)
        entries = links_and_tokens(links_file)
        acked = {}
        filler = os.path.join(mount, "filler")
        try:
            with open(filler, "wb") as f:
                while True:
                    f.write(b"\0" * (1 << 16))
                    f.flush()
        except OSError:
            pass  # the disk is full
        refused = 0
        n = 1000
        for round in range(30):
            for link, token in entries:
                n += 1
                status, _ = request("POST", link + "/p/2", {"_csrf": token, "products_total": n, "_go": "save"})
                if status == 200:
                    acked[link] = n
                else:
                    refused += 1
        health_full = request("GET", "/healthz")
        os.remove(filler)
        freed = time.time()
        recovered = None
        while time.time() - freed < 15:
            link, token = entries[0]
            n += 1
            status, _ = request("POST", link + "/p/2", {"_csrf": token, "products_total": n, "_go": "save"})
            if status == 200 and request("GET", "/healthz")[0] == 200:
                acked[link] = n
                recovered = time.time() - freed
                break
            time.sleep(0.1)
        lost = [l[-8:] for l, v in acked.items() if stored_total(l) != v]
        server.kill()
        server.start()
        lost_after_restart = [l[-8:] for l, v in acked.items() if stored_total(l) != v]
        check = integrity(db)
        server.stop()
    finally:
        subprocess.run(["umount", "-l", mount])
    ok = recovered is not None and recovered <= 5 and not lost and not lost_after_restart and check == "ok"
    print(
        f"diskfull: {refused} saves refused while full (healthz {health_full[0]} {health_full[1]!r}), "
        f"recovered {'in %.2f s' % recovered if recovered is not None else 'never'} without a restart, "
        f"{len(lost)} acknowledged answers missing ({len(lost_after_restart)} after a kill -9), integrity {check}"
    )
    return ok


def stop_all():
    for server in Server.started:
        server.stop()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["crash", "tabs", "diskfull"])
    p.add_argument("--bin", required=True)
    p.add_argument("--db", default=None)
    p.add_argument("--kills", type=int, default=20)
    p.add_argument("--clients", type=int, default=64)
    p.add_argument("--trials", type=int, default=200)
    args = p.parse_args()
    if args.mode != "diskfull" and not args.db:
        args.db = f"sqlite://{tempfile.mkdtemp()}/mamori.db"
    try:
        ok = {"crash": crash, "tabs": tabs, "diskfull": diskfull}[args.mode](args)
    finally:
        stop_all()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
