#!/usr/bin/env bash
# Issue 17's figures: decision latency with OTLP export off and on (a receiver on loopback that
# answers 200), and the supervisor's peak RSS after N_RSS decisions with export off and on. Runs
# alternate off/on; medians of RUNS. A row for make bench (tests/bench/bench.py on branch perf can
# fold it in as "decision latency, export off/on" and "supervisor RSS, export on").
set -euo pipefail
cd "$(dirname "$0")/../.."
AS=${AGENTSHELL:-bin/agentshell}
RUNS=${RUNS:-5}
N=${N:-5000}
N_RSS=${N_RSS:-100000}
CURL=$(command -v curl)
tmp=$(mktemp -d)
trap 'kill $sink 2>/dev/null; rm -rf "$tmp"' EXIT
gcc -O2 -Wall -Wextra -Werror -o "$tmp/tb" tests/bench/telemetry-bench.c

# The receiver: an HTTP server on loopback that reads each POST and answers 200.
python3 - "$tmp/port" <<'PY' &
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
PY
sink=$!
while [[ ! -s $tmp/port ]]; do sleep 0.05; done
endpoint="http://127.0.0.1:$(cat "$tmp/port")"

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
under() { # under off|on CMD...: runs CMD under agentshell with export off or on
    local mode=$1; shift
    if [[ $mode == on ]]; then OTEL_EXPORTER_OTLP_ENDPOINT=$endpoint "$AS" run --quiet --profile profiles/demo.json --audit "$tmp/audit.jsonl" -- "$@"
    else env -u OTEL_EXPORTER_OTLP_ENDPOINT "$AS" run --quiet --profile profiles/demo.json --audit "$tmp/audit.jsonl" -- "$@"; fi
}

echo "machine: $(nproc) cpus, $(uname -r), load $(cut -d' ' -f1 /proc/loadavg)"
off=() on=()
for ((r = 0; r < RUNS; r++)); do
    off+=("$(under off "$tmp/tb" latency "$N" "$CURL" 2>/dev/null)")
    on+=("$(under on "$tmp/tb" latency "$N" "$CURL" 2>/dev/null)")
done
mo=$(printf '%s\n' "${off[@]}" | median); mn=$(printf '%s\n' "${on[@]}" | median)
printf 'decision latency, blocked execve (median µs per call of %d, median of %d runs)\n' "$N" "$RUNS"
printf '  export off %8.2f µs   (runs: %s)\n' "$mo" "${off[*]}"
printf '  export on  %8.2f µs   (runs: %s)\n' "$mn" "${on[*]}"
awk -v a="$mn" -v b="$mo" 'BEGIN { printf "  difference %+8.2f µs (x%.3f)\n", a-b, a/b }'

roff=() ron=()
for ((r = 0; r < ${RSS_RUNS:-3}; r++)); do
    roff+=("$(under off "$tmp/tb" rss "$N_RSS" "$CURL" 2>/dev/null)")
    ron+=("$(under on "$tmp/tb" rss "$N_RSS" "$CURL" 2>/dev/null)")
done
printf 'supervisor peak RSS (VmHWM) after %d blocked execs, all audited (median of %d)\n' "$N_RSS" "${RSS_RUNS:-3}"
printf '  export off %8.1f MiB  (runs KiB: %s)\n' "$(printf '%s\n' "${roff[@]}" | median | awk '{print $1/1024}')" "${roff[*]}"
printf '  export on  %8.1f MiB  (runs KiB: %s)\n' "$(printf '%s\n' "${ron[@]}" | median | awk '{print $1/1024}')" "${ron[*]}"
