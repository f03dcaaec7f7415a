#!/usr/bin/env bash
# make bench: AgentShell's costs as ratios against a baseline measured in the same script.
set -euo pipefail
cd "$(dirname "$0")/../.."
AS=bin/agentshell
PROFILE=profiles/demo.json
RUNS=${RUNS:-5}
N=${N:-1000}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# One run: N fork+execve of /bin/true from a bash loop; prints µs per exec.
loop='s=$(date +%s%N); for ((i=0;i<'"$N"';i++)); do /bin/true; done; e=$(date +%s%N); echo $(( (e-s)/'"$N"'/1000 ))'

echo "machine: $(nproc) cpus, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
# compare UNIT GUARD CMD...: runs CMD bare and under `agentshell run --connect-guard GUARD`
# alternately ($RUNS times each; CMD prints one figure in µs) and prints both medians and their ratio.
compare() {
    local unit=$1 guard=$2; shift 2
    local bare=() sup=()
    for ((r=0;r<RUNS;r++)); do
        bare+=("$("$@")")
        sup+=("$($AS run --connect-guard "$guard" --profile $PROFILE -- "$@" 2>/dev/null)")
    done
    local mb ms
    mb=$(printf '%s\n' "${bare[@]}" | median)
    ms=$(printf '%s\n' "${sup[@]}" | median)
    printf '  bare        %8.1f µs/%s   (runs: %s)\n' "$mb" "$unit" "${bare[*]}"
    printf '  supervised  %8.1f µs/%s   (runs: %s)\n' "$ms" "$unit" "${sup[*]}"
    awk -v a="$ms" -v b="$mb" -v u="$unit" -v t="${TARGET:-< x1.5}" 'BEGIN { printf "  ratio       x%.3f  (+%.1f µs per %s; target %s)\n", a/b, a-b, u, t }'
}

echo "[exec] $N x execve(/bin/true) from a bash loop, median of $RUNS runs (bare and supervised alternate)"
compare exec auto bash -c "$loop"

echo "[start-up] agentshell run -- /bin/true, median of $RUNS (auto: kernel as root, else seccomp)"
for guard in seccomp auto; do
    st=()
    for ((r=0;r<RUNS;r++)); do
        s=$(date +%s%N); $AS run --connect-guard $guard -- /bin/true 2>/dev/null; e=$(date +%s%N); st+=($(( (e-s)/1000 )))
    done
    printf '  %-8s %8.1f µs   (runs: %s)\n' "$guard" "$(printf '%s\n' "${st[@]}" | median)" "${st[*]}"
done

echo "[start-up] agentshell run --profile $PROFILE -- /bin/true (a profile naming production addresses: the run's CA is made while the launcher starts), median of $RUNS"
for guard in seccomp auto; do
    st=()
    for ((r=0;r<RUNS;r++)); do
        s=$(date +%s%N); $AS run --connect-guard $guard --profile $PROFILE -- /bin/true 2>/dev/null; e=$(date +%s%N); st+=($(( (e-s)/1000 )))
    done
    printf '  %-8s %8.1f µs   (runs: %s)\n' "$guard" "$(printf '%s\n' "${st[@]}" | median)" "${st[*]}"
done

echo "[connect] 2000 loopback TCP connects (socket+connect+close), median of $RUNS runs"
cb=$(mktemp -d)/connect-bench
gcc -O2 -pthread -o "$cb" tests/bench/connect-bench.c
echo " seccomp: every connect stops in the supervisor (any user)"
compare connect seccomp "$cb" 2000
if $AS run --connect-guard kernel -- /bin/true 2>/dev/null; then
    echo " kernel: root mode, decided by the eBPF cgroup connect programs"
    compare connect kernel "$cb" 2000
else
    echo " kernel: not measured (root mode unavailable: $($AS run --connect-guard kernel -- /bin/true 2>&1 | tail -1))"
fi

echo "[wire] HTTP(S) through the wire layer vs direct, loopback, median of $RUNS runs (127.0.0.2 is production in $PROFILE)"
wb=$(dirname "$cb")/wire-bench
gcc -O2 -pthread -Wall -Wextra -Werror -o "$wb" tests/bench/wire-bench.c -lssl -lcrypto
ca=$(mktemp -d)
# A test CA and a server certificate for *.prod.test and 127.0.0.2: agentshell verifies production with it (SSL_CERT_FILE).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$ca/ca.key" -out "$ca/ca.pem" -days 2 -subj "/CN=bench CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$ca/srv.key" -out "$ca/srv.csr" -subj "/CN=prod.test" 2>/dev/null
printf 'subjectAltName=DNS:prod.test,DNS:*.prod.test,IP:127.0.0.2\nextendedKeyUsage=serverAuth\n' > "$ca/ext"
openssl x509 -req -in "$ca/srv.csr" -CA "$ca/ca.pem" -CAkey "$ca/ca.key" -CAcreateserial -out "$ca/srv.pem" -days 2 -extfile "$ca/ext" 2>/dev/null
"$wb" server 127.0.0.2 18080 & plain=$!
"$wb" server 127.0.0.2 18443 "$ca/srv.pem" "$ca/srv.key" & tls=$!
"$wb" server 127.0.0.3 18080 & other=$!
trap 'kill $plain $tls $other 2>/dev/null; rm -rf "$ca"' EXIT
sleep 0.3
export SSL_CERT_FILE=$ca/ca.pem
echo " plain HTTP keep-alive GET"
TARGET="<= x1.3" compare request seccomp "$wb" keepalive 127.0.0.2 18080 0 prod.test 2000
echo " HTTPS keep-alive GET, after the first handshake"
TARGET="<= x1.3" compare request seccomp "$wb" keepalive 127.0.0.2 18443 1 prod.test 2000
echo " HTTPS first handshake to a new host (a new server name each connection) and one GET"
TARGET="<= +5000 µs" compare connection seccomp "$wb" handshake 127.0.0.2 18443 prod.test 50
echo " plain HTTP keep-alive GET to a non-production address (127.0.0.3)"
TARGET="x1.0 (unchanged)" compare request seccomp "$wb" keepalive 127.0.0.3 18080 0 staging.test 2000
if $AS run --connect-guard kernel -- /bin/true 2>/dev/null; then
    echo " root mode (kernel): plain HTTP and HTTPS keep-alive GET, first handshake to a new host"
    TARGET="<= x1.3" compare request kernel "$wb" keepalive 127.0.0.2 18080 0 prod.test 2000
    TARGET="<= x1.3" compare request kernel "$wb" keepalive 127.0.0.2 18443 1 prod.test 2000
    TARGET="<= +5000 µs" compare connection kernel "$wb" handshake 127.0.0.2 18443 prod.test 50
fi
unset SSL_CERT_FILE

if [[ -d tests/bench/AgentShell.Bench ]]; then
    dotnet run -c Release --project tests/bench/AgentShell.Bench -- "$@"
fi
