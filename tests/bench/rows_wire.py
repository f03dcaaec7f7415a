"""make bench rows: the wire layer (HTTP, HTTPS, PostgreSQL) and decisions with OTLP export on."""
import os
import shutil
import statistics
import subprocess
import sys
import time

from benchlib import *  # noqa: F401,F403 (the harness: Cell, Row, row, the columns, the sizes)


@row
def wire_layer(t):
    """Requests through the wire layer (production TCP terminated by the supervisor) against the
    same requests sent directly; 127.0.0.2 is production in the demo profile, 127.0.0.3 is not."""
    wb = os.path.join(t.dir, "wire-bench")
    subprocess.run(["gcc", "-O2", "-pthread", "-Wall", "-Wextra", "-Werror", "-o", wb, os.path.join(BENCH, "wire-bench.c"), os.path.join(BENCH, "wire-relay.c"), "-lssl", "-lcrypto"], check=True)
    ca = os.path.join(t.dir, "ca")
    os.makedirs(ca)
    q = dict(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    # A test CA and a server certificate for *.prod.test and 127.0.0.2: agentshell verifies production with it (SSL_CERT_FILE).
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", f"{ca}/ca.key", "-out", f"{ca}/ca.pem",
                    "-days", "2", "-subj", "/CN=bench CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"], **q)
    subprocess.run(["openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", f"{ca}/srv.key", "-out", f"{ca}/srv.csr", "-subj", "/CN=prod.test"], **q)
    with open(f"{ca}/ext", "w") as f:
        f.write("subjectAltName=DNS:prod.test,DNS:*.prod.test,IP:127.0.0.2\nextendedKeyUsage=serverAuth\n")
    subprocess.run(["openssl", "x509", "-req", "-in", f"{ca}/srv.csr", "-CA", f"{ca}/ca.pem", "-CAkey", f"{ca}/ca.key", "-CAcreateserial", "-out", f"{ca}/srv.pem",
                    "-days", "2", "-extfile", f"{ca}/ext"], **q)
    port, tls_port = os.environ.get("WIRE_PORT", "28080"), os.environ.get("WIRE_TLS_PORT", "28443")
    servers = [subprocess.Popen([wb, "server", "127.0.0.2", port]), subprocess.Popen([wb, "server", "127.0.0.2", tls_port, f"{ca}/srv.pem", f"{ca}/srv.key"]),
               subprocess.Popen([wb, "server", "127.0.0.3", port])]
    old = os.environ.get("SSL_CERT_FILE")
    os.environ["SSL_CERT_FILE"] = f"{ca}/ca.pem"
    try:
        time.sleep(0.3)
        demo = os.path.join(ROOT, "profiles", "demo.json")

        def sup(column, cmd):
            mode = "seccomp" if column == SECCOMP else "kernel"
            return [AS, "run", "--quiet", "--connect-guard", mode, "--profile", demo, "--audit", t.audit, "--", *cmd]

        cases = [
            ("plain HTTP keep-alive GET to production, per request", [wb, "keepalive", "127.0.0.2", port, "0", "prod.test", "2000"], "µs", "≤ x1.3", 1.3),
            ("HTTPS keep-alive GET to production after the handshake, per request", [wb, "keepalive", "127.0.0.2", tls_port, "1", "prod.test", "2000"], "µs", "≤ x1.3", 1.3),
            ("HTTPS first handshake to a new production host + one GET, per connection", [wb, "handshake", "127.0.0.2", tls_port, "prod.test", "50"], "µs", "≤ +5 ms", None),
            # 20,000 requests (~0.4 s), not 2,000 (~40 ms), and timed only after 500 ms of warm-up
            # requests in every column: a run's first tens of ms share the two cores with the
            # supervisor's start-up tail (ImagePages' drop and the pages it maps again, the run CA,
            # root mode's next pool entry), which a 40 ms loop counted as +9 µs per request and a
            # 0.5 s loop from the start still as +2-3 µs (x1.09-1.11). Nothing of ours runs per
            # request after the connect (the supervisor's CPU over the timed loop: ~0.02 µs per
            # request, its timers); this row is about the requests.
            ("plain HTTP keep-alive GET to a non-production address, per request", [wb, "keepalive", "127.0.0.3", port, "0", "staging.test", "20000", "500"], "µs", "x1.0 (untouched)", None),
        ]
        pg_port = os.environ.get("WIRE_PG_PORT", "28432")
        pg = postgres("127.0.0.2", pg_port, t.dir)
        if pg is not None:
            servers.append(pg)
            cases.append(("PostgreSQL `SELECT 1` round trip to production (simple protocol), per round trip",
                          [wb, "pg", "127.0.0.2", pg_port, "postgres", "2000"], "µs", "≤ +50 µs", None))
        # The C floor of these rows: the same client through a plain TCP relay in C (127.0.0.1, no
        # parsing, no decision, a thread per direction): what any relay in user space costs here.
        # (wire-bench.c also has a one-thread relay that polls before it sleeps, `relay ... SPIN_US`:
        # x1.38 at 20 µs with the bench under SCHED_FIFO, worse than this one on a loaded machine.)
        relay_port, relay_pg_port = os.environ.get("WIRE_RELAY_PORT", "28081"), os.environ.get("WIRE_RELAY_PG_PORT", "28433")
        servers.append(subprocess.Popen([wb, "relay", "127.0.0.1", relay_port, "127.0.0.2", port]))
        floors = {cases[0][0]: [wb, "keepalive", "127.0.0.1", relay_port, "0", "prod.test", "2000"]}
        # HTTPS has no floor column: wire-bench.c's `tls-relay` (OpenSSL terminating TLS on both legs)
        # hung one keep-alive client for 15 minutes in a full run (01:35 UTC 2026-12-06), so it is a
        # research tool, run by hand, until that is found.
        if pg is not None:
            servers.append(subprocess.Popen([wb, "relay", "127.0.0.1", relay_pg_port, "127.0.0.2", pg_port]))
            floors[cases[-1][0]] = [wb, "pg", "127.0.0.1", relay_pg_port, "postgres", "2000"]
        time.sleep(0.2)
        rows = []
        for what, cmd, unit, target, limit in cases:
            cols = {BARE: cmd}
            if what in floors:
                cols[FLOOR] = floors[what]
            for c in t.columns([SECCOMP, ROOTMODE]):
                cols[c] = sup(c, cmd)
            s = interleaved(cols)
            cells = {c: Cell(v, unit) for c, v in s.items()}
            b = cells[BARE].median
            ours = [c for c in cells if c not in (BARE, FLOOR)]
            if limit is not None:
                ok = all(cells[c].median / b <= limit for c in ours)
            elif target.startswith("≤ +5 ms"):
                ok = all(cells[c].median - b <= 5000 for c in ours)
            elif target.startswith("≤ +50 µs"):
                ok = all(cells[c].median - b <= 50 for c in ours)
            else:
                ok = all(cells[c].median / b <= 1.1 for c in ours)
            note = "wire layer; " + "; ".join(f"{'C relay' if c == FLOOR else c.split()[-1]} x{cells[c].median / b:.2f} ({cells[c].median - b:+.0f} {unit})" for c in cells if c != BARE)
            rows.append(Row(what, cells, target, verdict(ok), note))
        return rows
    finally:
        if old is None:
            os.environ.pop("SSL_CERT_FILE", None)
        else:
            os.environ["SSL_CERT_FILE"] = old
        for p in servers:
            p.kill()
            p.wait()


class _PgServer:
    """A PostgreSQL started for the bench (as user postgres when run as root), stopped by kill()."""

    def __init__(self, pg_ctl, data, run):
        self.pg_ctl, self.data, self.run = pg_ctl, data, run

    def kill(self):
        subprocess.run(self.run + [self.pg_ctl, "-D", self.data, "-m", "immediate", "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def wait(self):
        pass


def postgres(host, port, workdir):
    """A trust-authentication PostgreSQL on host:port for the SELECT 1 row, or None (with a note) when
    initdb/pg_ctl are not here."""
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if not initdb or not pg_ctl:
        print("wire_layer: no initdb/pg_ctl here; the PostgreSQL row is left out", file=sys.stderr)
        return None
    d = os.path.join(workdir, "pg")
    os.makedirs(d)
    run = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        run = ["runuser", "-u", "postgres", "--"]
        os.chmod(workdir, 0o755)
        shutil.chown(d, "postgres", "postgres")
    q = dict(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    data = os.path.join(d, "data")
    subprocess.run(run + [initdb, "-D", data, "-A", "trust", "-U", "postgres", "--no-sync"], **q)
    subprocess.run(run + [pg_ctl, "-D", data, "-w", "-t", "30", "-l", os.path.join(d, "log"),
                          "-o", f"-c listen_addresses={host} -p {port} -k {d} -c fsync=off", "start"], **q)
    return _PgServer(pg_ctl, data, run)


@row
def telemetry_export(t):
    """Issue 17: decision latency and peak RSS with OTLP export off and on (a loopback receiver
    answering 200, as a collector does): rounds of off, on and off again in each mode, paired per round."""
    tb = os.path.join(t.dir, "telemetry-bench")
    subprocess.run(["gcc", "-O2", "-pthread", "-Wall", "-Wextra", "-Werror", "-o", tb, os.path.join(BENCH, "telemetry-bench.c")], check=True)
    port_file = os.path.join(t.dir, "otlp-port")
    sink_code = OTLP_SINK_HTTP_SERVER if os.environ.get("BENCH_OTLP_SINK") == "http.server" else OTLP_SINK
    sink = subprocess.Popen([sys.executable, "-c", sink_code, port_file])
    try:
        while not (os.path.exists(port_file) and os.path.getsize(port_file)):
            if sink.poll() is not None:
                raise RuntimeError("the OTLP receiver did not start")
            time.sleep(0.05)
        endpoint = f"http://127.0.0.1:{open(port_file).read().strip()}"
        curl, demo = shutil.which("curl") or "/usr/bin/curl", os.path.join(ROOT, "profiles", "demo.json")
        modes = [("seccomp", SECCOMP)] + ([("kernel", ROOTMODE)] if t.root_mode else [])

        def sup(mode, on, *cmd):
            env = ["env", f"OTEL_EXPORTER_OTLP_ENDPOINT={endpoint}"] if on else ["env", "-u", "OTEL_EXPORTER_OTLP_ENDPOINT"]
            return [*env, AS, "run", "--quiet", "--connect-guard", mode, "--profile", demo, "--audit", t.audit, "--", tb, *cmd, curl]

        n = os.environ.get("N_TELEMETRY", "5000")
        # Triplets per mode: off, on and a second off (the noise: what "off" differs from itself by
        # in the same run), in an order that rotates each round so no column always runs first.
        lat = {(col, k): [] for _, col in modes for k in ("off", "on", "off2")}
        cpu = {key: [] for key in lat}
        for i in range(PAIRS):
            for mode, col in modes:
                kinds = ["off", "on", "off2"]
                for k in kinds[i % 3:] + kinds[:i % 3]:
                    f, us = cpu_figure(sup(mode, k == "on", "latency", n))
                    lat[(col, k)].append(f)
                    cpu[(col, k)].append(us / int(n))
        rss = {(col, on): [] for _, col in modes for on in (False, True)}
        for _ in range(RSS_RUNS):
            for mode, col in modes:
                for on in (False, True):
                    rss[(col, on)].append(supervisor_peaks(sup(mode, on, "rss", str(N_RSS_HIGH)))[N_RSS_HIGH])
    finally:
        sink.kill()
        sink.wait()
    off = {col: Cell(lat[(col, "off")], "µs", "{:.2f}") for _, col in modes}
    diff = {col: paired(lat[(col, "on")], lat[(col, "off")]) for _, col in modes}
    noise = {col: paired(lat[(col, "off2")], lat[(col, "off")]) for _, col in modes}
    cpu_diff = {col: paired(cpu[(col, "on")], cpu[(col, "off")]) for _, col in modes}
    cpu_noise = {col: paired(cpu[(col, "off2")], cpu[(col, "off")]) for _, col in modes}
    # "No measurable difference": the median of the paired on − off differences is no further from
    # zero than the noise, the median distance between two off runs of the same round (off and
    # off2 are alike, so their difference is symmetric about zero: this is its interquartile half-width).
    same = all(abs(diff[c][0]) <= noise[c][3] for c in diff)
    # Under load the off − off noise grows until any difference fits inside it: past a tenth of the
    # export-off latency, "within the noise" says nothing, so the row says inconclusive instead.
    loud = [c for c in diff if noise[c][3] > 0.1 * off[c].median]
    judged = verdict(same) if not loud else \
        "inconclusive (" + "; ".join(f"{c.split()[-1]} noise ±{noise[c][3]:.2f} µs > 10% of export off" for c in loud) + ": load)"
    on_cells = {c: Cell(lat[(c, "on")], "µs", "{:.2f}") for c in diff}
    note = "; ".join(f"{c.split()[-1]}: on − off {spread(diff[c])}, noise ±{noise[c][3]:.2f}; CPU per call on − off "
                     f"{spread(cpu_diff[c])}, noise ±{cpu_noise[c][3]:.2f}" for c in diff)
    rss_on = {col: Cell([k / 1024 for k in rss[(col, True)]], "MiB", "{:.1f}") for _, col in modes}
    rss_off = {col: statistics.median(rss[(col, False)]) / 1024 for _, col in modes}
    rss_note = f"median of {RSS_RUNS}; export off " + "; ".join(f"{c.split()[-1]} {v:.1f} MiB" for c, v in rss_off.items())
    return [
        Row(f"blocked execve, export off, per call (median of batches of 100, {n} calls, {PAIRS} rounds)", off, "—", "",
            "every call decided and audited"),
        Row("blocked execve, export on (OTLP/HTTP to a loopback receiver), per call", on_cells, "no measurable difference",
            judged, note + " (µs: median of the per-round differences [quartiles]; noise: median |off − off| of the same rounds)"
            " — met when on − off's median is within the noise, and the noise within 10% of export off"),
        Row(f"supervisor peak RSS after {N_RSS_HIGH:,} blocked execs, export on", rss_on, "seccomp ≤ 16 MiB",
            verdict(rss_on[SECCOMP].median <= 16), rss_note),
    ]


PAIRS = int(os.environ.get("PAIRS", "15"))


# The OTLP receiver: reads each request's head and Content-Length bytes of body straight off the
# socket and answers 200 with keep-alive, as a collector does, and no more. It shares the 2 vCPUs
# with the supervisor and the tree, so what it costs per record is load on the "on" columns only:
# http.server (OTLP_SINK_HTTP_SERVER; BENCH_OTLP_SINK=http.server) parsed every head through the
# email package, ~130 us a post and 2.4-3.0 us of CPU per exported record (its schedstat, 20,000
# records, an earlier session), more than the supervisor's own export; this one 0.65-0.88 us
# (median; its process CPU clock over 20,000 exported decisions, 7 rounds, load 19-28). The issue
# asks for the decision's latency, not a Python server's.
OTLP_SINK = """
import socket, sys, threading
OK = b"HTTP/1.1 200 OK\\r\\nContent-Length: 0\\r\\n\\r\\n"
def serve(c):
    body = bytearray(1 << 16)
    view = memoryview(body)
    got = b""
    with c:
        while True:
            while b"\\r\\n\\r\\n" not in got:
                d = c.recv(1 << 16)
                if not d:
                    return
                got += d
            head, _, got = got.partition(b"\\r\\n\\r\\n")
            n = 0
            for line in head.split(b"\\r\\n")[1:]:
                k, _, v = line.partition(b":")
                if k.strip().lower() == b"content-length":
                    n = int(v)
            left = n - len(got)
            got = got[n:] if left <= 0 else b""
            while left > 0:
                k = c.recv_into(view, min(left, len(body)))
                if not k:
                    return
                left -= k
            c.sendall(OK)
s = socket.create_server(("127.0.0.1", 0))
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
"""

OTLP_SINK_HTTP_SERVER = """
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a collector does
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *a): pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1], "w").write(str(s.server_address[1]))
s.serve_forever()
"""
