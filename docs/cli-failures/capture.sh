#!/usr/bin/env bash
# Runs `flowpayroll token mint` against five broken servers on 127.0.0.1 and prints what
# the command says, its exit code and how long it took. Usage:
#   docs/cli-failures/capture.sh BINARY before|after > docs/cli-failures/BEFORE_OR_AFTER.log
# `before`: the build before issue 31, which can trust the test CA only through
# SSL_CERT_FILE; `after`: the build with `--ca-file`.
# Needs python3 (with `cryptography`), openssl, tinyproxy and bc (Debian packages).
set -u
bin=$1
mode=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT
python3 "$here/make_certs.py" "$work"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

serve_tls() { # stem port [extra s_server flags]
    local stem=$1 port=$2
    shift 2
    openssl s_server -quiet -www -accept "127.0.0.1:$port" -cert "$work/$stem.pem" \
        -key "$work/$stem.key" "$@" >/dev/null 2>&1 &
    pids+=($!)
}

expired=$(free_port); serve_tls expired "$expired"
selfsigned=$(free_port); serve_tls selfsigned "$selfsigned"
tls10=$(free_port); serve_tls good "$tls10" -tls1 -cipher 'DEFAULT:@SECLEVEL=0'
good=$(free_port); serve_tls good "$good"
stall=$(free_port)
python3 -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $stall)); s.listen(64)
held = []
while True:
    held.append(s.accept()[0])  # accepted, never answered: the TLS handshake stalls
" &
pids+=($!)
proxy=$(free_port)
cat >"$work/tinyproxy.conf" <<CONF
Port $proxy
Listen 127.0.0.1
Timeout 30
MaxClients 10
BasicAuth capture right-password
CONF
tinyproxy -d -c "$work/tinyproxy.conf" >/dev/null 2>&1 &
pids+=($!)
sleep 1

if [ "$mode" = before ]; then
    trust=(env SSL_CERT_FILE="$work/ca.pem")
    flags=()
else
    trust=(env)
    flags=(--ca-file "$work/ca.pem")
fi

run() { # title port [env...]
    local title=$1 port=$2
    shift 2
    echo "## $title"
    echo '$ flowpayroll token mint'
    local start end status
    start=$(date +%s.%N)
    "${trust[@]}" "$@" FLOWPAYROLL_CLIENT_ID=capture-id FLOWPAYROLL_CLIENT_SECRET=capture-secret \
        FLOWPAYROLL_TOKEN_URL="https://127.0.0.1:$port/oauth2/token" \
        FLOWPAYROLL_API_URL="https://127.0.0.1:$port/" \
        "$bin" "${flags[@]}" token mint 2>&1
    status=$?
    end=$(date +%s.%N)
    printf '(exit code %s after %.1f s)\n\n' "$status" "$(echo "$end - $start" | bc)"
}

echo "# flowpayroll token mint against broken servers ($mode)"
echo
run "1. a certificate that expired on 2021-01-01 (its CA trusted)" "$expired"
run "2. a self-signed certificate" "$selfsigned"
run "3. a server that speaks only TLS 1.0" "$tls10"
run "4. a server that accepts the connection and never answers the TLS handshake" "$stall"
run "5. a proxy that wants credentials (tinyproxy, 407)" "$good" HTTPS_PROXY="http://127.0.0.1:$proxy"
