#!/usr/bin/env python3
"""The HTML report in a real browser: renders the report of the booking suite
(through `testdb run --html`), of a suite that runs into a PoolTimeout (the bad
suite's [long-path] cases, through TESTDB_REPORT_HTML) and of a run that fails
at start, with headless Chromium; checks the screenshot (not blank, the lanes
drawn), the rendered DOM (one lane per connection, the timed-out caller and
the holders' file:line) and that the page asked the network for nothing.

  check_html_report.py CHROMIUM TESTDB_CLI BOOKING_SUITE BAD_SUITE [OUT_DIR]
"""
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import zlib

LONG_PATH = ("/home/ci/builds/a-group/a-subgroup/the-project/tests/integration/"
             "a_rather_long_directory_name/booking_repository_holder_test.cpp")
LANE_BG = (0xF2, 0xF4, 0xF8)  # .lane-bg in the report's style
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


# Settings of the caller's shell that would change the runs below.
UNSET = ("DATABASE_URL_TEST", "TESTDB_REPORT", "TESTDB_REPORT_HTML", "TESTDB_RECORD_LEASES")


def run(argv, env_extra, expect_ok):
    env = {k: v for k, v in os.environ.items() if k not in UNSET}
    env.update(env_extra)
    done = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=600)
    if expect_ok and done.returncode != 0:
        sys.stdout.write(done.stdout.decode(errors="replace")[-4000:])
    check((done.returncode == 0) == expect_ok,
          "%s exits %s (got %d)" % (os.path.basename(argv[0]) + " " + " ".join(argv[1:3]),
                                    "0" if expect_ok else "non-zero", done.returncode))


def chromium(browser, html, out_dir, name):
    """Renders `html`: returns (DOM text, PNG path, net log path)."""
    # The browser's own background traffic (component updates, network time)
    # is switched off, so any request left in the net log is the page's.
    common = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--disable-background-networking", "--disable-component-update", "--no-pings",
              "--disable-sync", "--disable-domain-reliability", "--no-first-run",
              "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,MediaRouter,Translate",
              "--hide-scrollbars", "--window-size=1280,1000",
              "--user-data-dir=" + os.path.join(out_dir, name + "-profile")]
    url = "file://" + os.path.abspath(html)
    net_log = os.path.join(out_dir, name + "-net.json")
    dom = subprocess.run(common + ["--log-net-log=" + net_log, "--dump-dom", url],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=120)
    png = os.path.join(out_dir, name + ".png")
    subprocess.run(common + ["--screenshot=" + png, url], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=120)
    return dom.stdout.decode(errors="replace"), png, net_log


def png_pixels(path):
    """Decodes an 8-bit RGB/RGBA PNG (what Chromium writes): (w, h, rows)."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6), "unexpected PNG format"
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw, stride, rows, prev = zlib.decompress(idat), width * bpp, [], bytearray(width * bpp)
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, [[tuple(r[x * bpp:x * bpp + 3]) for x in range(width)] for r in rows]


def check_screenshot(png, name):
    if not os.path.exists(png):
        check(False, name + ": Chromium wrote a screenshot")
        return
    w, h, rows = png_pixels(png)
    pixels = [p for row in rows for p in row]
    background = sum(1 for p in pixels if p == (255, 255, 255))
    check(background < len(pixels) * 0.97, name + ": the screenshot is not blank (%d%% white)"
          % (100 * background // len(pixels)))
    lane = sum(1 for p in pixels if p == LANE_BG)
    check(lane > 3 * 1000, name + ": lane backgrounds are drawn (%d px)" % lane)
    bars = sum(1 for p in pixels if max(p) - min(p) > 60)
    check(bars > 500, name + ": coloured lease bars are drawn (%d px)" % bars)


def requested_urls(net_log):
    """URLs the page asked for. The net log also holds the browser's own
    requests (component updates, sign-in; they fail here, without network):
    those carry the initiator "not an origin", while everything a page asks
    for carries the page's origin ("null" for a file:// page)."""
    try:
        log = json.load(open(net_log))
    except (OSError, ValueError):
        text = open(net_log).read() if os.path.exists(net_log) else ""
        log = json.loads(text.rstrip().rstrip(",") + "]}") if text else {"events": []}
    urls = []
    for event in log.get("events", []):
        params = event.get("params") or {}
        url = params.get("url", "")
        if params.get("initiator", "not an origin") == "not an origin":
            continue
        if re.match(r"(?i)(https?|wss?|ftp)://", url):
            urls.append(url)
    return urls


def check_page(browser, html, out_dir, name, lanes, needles):
    check(os.path.exists(html), name + ": the report was written")
    if not os.path.exists(html):
        return ""
    page = open(html, encoding="utf-8").read()
    check("default-src 'none'" in page, name + ": the page forbids fetching (CSP)")
    check(not re.search(r"""(?i)\s(src|href)\s*=|url\(|@import""", page),
          name + ": the page references no resource")
    dom, png, net_log = chromium(browser, html, out_dir, name)
    check('data-rendered="yes"' in dom, name + ": the script ran to its end")
    found = len(re.findall(r'<g class="lane" data-slot="\d+"', dom))
    check(found == lanes, name + ": %d lane elements for %d connections" % (found, lanes))
    for needle in needles:
        check(needle in dom, name + ": the rendered page shows " + needle)
    urls = requested_urls(net_log)
    check(os.path.exists(net_log) and not urls, name + ": no request to any URL " + str(urls[:3]))
    if lanes:
        check_screenshot(png, name)
    return dom


def main():
    browser, cli, booking, bad = sys.argv[1:5]
    out_dir = sys.argv[5] if len(sys.argv) > 5 else tempfile.mkdtemp(prefix="testdb-html-")
    os.makedirs(out_dir, exist_ok=True)
    keep = {}

    # The net-log check must see a page's request, or its silence means nothing.
    canary = os.path.join(out_dir, "canary.html")
    with open(canary, "w") as out:
        out.write('<html><body><img src="http://127.0.0.1:9/canary.png"></body></html>')
    _, _, canary_log = chromium(browser, canary, out_dir, "canary")
    check(any("canary.png" in u for u in requested_urls(canary_log)),
          "canary: the net log shows a page's own request")

    booking_html = os.path.join(out_dir, "booking.html")
    run([cli, "run", "--html", booking_html, "--", booking], keep, True)
    dom = check_page(browser, booking_html, out_dir, "booking", 3,
                     ['id="server-connections"', "booking_repository_test.cpp", 'id="files-table"'])
    # At full zoom short leases merge into grey blocks; the wider ones are
    # bars of their own, each naming its caller's file:line.
    bars = re.findall(r'data-file="[^"]*/examples/booking/[^"]*:\d+"', dom)
    check(len(bars) >= 10, "booking: %d lease bars name a booking file:line" % len(bars))

    timeout_html = os.path.join(out_dir, "timeout.html")
    run([bad, "[long-path]"], dict(keep, TESTDB_POOL_TIMEOUT="1", TESTDB_REPORT_HTML=timeout_html),
        False)
    dom = check_page(browser, timeout_html, out_dir, "timeout", 3,
                     ['class="marker timeout" data-caller="fourth caller"'] +
                     ['data-file="%s:%d"' % (LONG_PATH, line) for line in (4201, 4202, 4203)] +
                     ["PoolTimeout"])
    check("leaked" in dom or "LeakError" in dom, "timeout: the kept lease shows as a leak")

    # TESTDB_RECORD_LEASES=0 (the bench's switch) leaves the timeline out.
    off_json = os.path.join(out_dir, "recording-off.json")
    run([bad, "[long-path]"], dict(keep, TESTDB_POOL_TIMEOUT="1", TESTDB_RECORD_LEASES="0",
                                   TESTDB_REPORT=off_json), False)
    off = json.load(open(off_json)) if os.path.exists(off_json) else {}
    check(off.get("timeline", "absent") is None and off.get("tests", {}).get("total") == 2,
          "TESTDB_RECORD_LEASES=0: the report has no timeline")

    start_html = os.path.join(out_dir, "start-error.html")
    run([bad, "[long-path]"], dict(keep, DATABASE_URL_TEST="postgresql://u:hunter2@127.0.0.1:1/app_test",
                                   TESTDB_REPORT_HTML=start_html), False)
    dom = check_page(browser, start_html, out_dir, "start-error", 0, ['id="run-error"', "u:****@"])
    check("hunter2" not in open(start_html).read() if os.path.exists(start_html) else False,
          "start-error: the password is masked")

    print("\n%d check(s) failed" % len(failures) if failures else "\nall checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
