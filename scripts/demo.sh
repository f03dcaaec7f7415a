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

cat > "$work/agent.sh" <<AGENT
#!/usr/bin/env bash
# The "agent": fixing a staging credential, it finds a root token and cleans up a volume.
echo "agent: found RAILWAY_TOKEN in an unrelated file; deleting the stale volume"
curl -sS -X DELETE "$api/volumes/prod-db" -H "Authorization: Bearer rw-root-token"
echo "agent: curl exited with \$?"
echo "agent: checking the volume instead"
curl -sS "$api/volumes/prod-db"
AGENT
chmod +x "$work/agent.sh"

bold=$'\e[1m'; off=$'\e[0m'
[[ -t 1 && -z ${NO_COLOR:-} ]] || { bold=""; off=""; }
echo "${bold}\$ bin/agentshell run --profile profiles/demo.json -- ./agent.sh${off}"
set +e
bin/agentshell run --profile profiles/demo.json -- "$work/agent.sh"
code=$?
set -e
sleep 0.2
echo
echo "${bold}What the production stand-in ($api) received:${off}"
sed 's/^/  /' "$work/requests.log" 2>/dev/null || echo "  (nothing)"
if grep -q '^DELETE' "$work/requests.log" 2>/dev/null; then
    echo "demo: FAILED: the DELETE reached production" >&2
    exit 1
fi
echo "${bold}The DELETE never left the machine; the GET went through (agent exit $code).${off}"
