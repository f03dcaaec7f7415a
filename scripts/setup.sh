#!/usr/bin/env bash
# Installs what AgentShell needs to build and test on a fresh Debian machine of this kind.
# Idempotent: installs only what is missing; runs `apt-get update` once, only if needed.
# afl++ drives make soak's fuzzing; hyperfine and strace are make bench's comparisons; nodejs runs the
# tests' Node harnesses and clients.
set -euo pipefail

need=()
have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for pkg in curl python3 nodejs gcc make libc6-dev clang-14 libbpf-dev libbpf1 postgresql postgresql-client tmux screen iproute2 strace git afl++ hyperfine; do
    have "$pkg" || need+=("$pkg")
done

if ((${#need[@]})); then
    SUDO=""
    [[ $(id -u) -eq 0 ]] || SUDO="sudo"
    echo "setup: installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if ! command -v dotnet >/dev/null; then
    echo "setup: the .NET SDK 10 (dotnet) is required and is not on PATH" >&2
    exit 1
fi
echo "setup: ok ($(dotnet --version), $(gcc --version | head -1), $(curl --version | head -1 | cut -d' ' -f1-2))"
