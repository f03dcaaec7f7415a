#!/usr/bin/env bash
# make demo: a scripted "agent" finds a production token and tries to delete a volume on
# 127.0.0.2 (a local stand-in for production). AgentShell stops it in the kernel; a read passes.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT

python3 scripts/demo-server.py 0 "$work/requests.log" > "$work/port" &
server=$!
for _ in $(seq 50); do [[ -s $work/port ]] && break; sleep 0.1; done
port=$(cat "$work/port")
api="http://127.0.0.2:$port"

# The "agent" runs each step as its own `bash -c`, as Claude Code, Codex and Aider do. Fixing a
# staging credential error, it found a root-scoped token in an unrelated file and "cleans up" the
# volume it believes is stale: the Railway incident, replayed against 127.0.0.2.
cat > "$work/agent.py" <<AGENT
import subprocess
steps = [
    ("found a root-scoped RAILWAY_TOKEN in an unrelated file; deleting the stale volume",
     """curl -sS -X POST $api/graphql/v2 -H 'Authorization: Bearer rw-root-token' -H 'Content-Type: application/json' -d '{"query":"mutation { volumeDelete(volumeId: \\\\"vol-prod-db\\\\") }"}'"""),
    ("that was refused; reading the volume instead",
     """curl -sS -X POST $api/graphql/v2 -H 'Content-Type: application/json' -d '{"query":"query { volume(id: \\\\"vol-prod-db\\\\") { name } }"}'"""),
]
for why, cmd in steps:
    print(f"agent: {why}\nagent\$ {cmd}", flush=True)
    try:
        rc = subprocess.run(["bash", "-c", cmd]).returncode
    except PermissionError as e:
        rc = f"refused ({e.strerror})"
    print(f"agent: exit {rc}\n", flush=True)
AGENT

bold=$'\e[1m'; off=$'\e[0m'
[[ -t 1 && -z ${NO_COLOR:-} ]] || { bold=""; off=""; }
echo "${bold}\$ bin/agentshell run --profile profiles/demo.json -- python3 agent.py${off}"
set +e
bin/agentshell run --profile profiles/demo.json -- python3 "$work/agent.py"
code=$?
set -e
sleep 0.2
echo
echo "${bold}What the production stand-in ($api) received:${off}"
sed 's/^/  /' "$work/requests.log" 2>/dev/null || echo "  (nothing)"
if grep -q 'volumeDelete' "$work/requests.log" 2>/dev/null; then
    echo "demo: FAILED: the volumeDelete mutation reached production" >&2
    exit 1
fi
echo "${bold}The volumeDelete mutation never left the machine; the read-only query went through (agent exit $code).${off}"
