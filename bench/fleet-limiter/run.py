#!/usr/bin/env python3
"""The fleet rate-limit benchmark: N fleet-member processes (one client id) against
`flowpayroll sandbox serve --quota Q/W`, with the limiter configured (`Q/W`) or
learning, and optionally Redis killed mid-run. Prints, per run, the sandbox's
served/refused count per window of the `list_tokens` quota.

Usage: run.py BIN_DIR N MODE [--kill-redis]   (MODE: configured | learn)
BIN_DIR holds `flowpayroll` and `fleet-member` (cargo build -p flowpayroll-cli
-p flowpayroll-fleet-tests). Needs redis-server on PATH. Loopback only.
"""
import json, os, re, signal, socket, subprocess, sys, time, urllib.request

Q, WINDOW_S, WINDOWS = 10, 1, 12


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    bin_dir, n, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    kill_redis = "--kill-redis" in sys.argv
    redis_port, sandbox_port = free_port(), free_port()
    redis = subprocess.Popen(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1",
                              "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
    sandbox = subprocess.Popen([os.path.join(bin_dir, "flowpayroll"), "sandbox", "serve",
                                "--port", str(sandbox_port), "--quota", f"{Q}/{WINDOW_S}"],
                               stdout=subprocess.PIPE, text=True)
    env = dict(os.environ)
    for line in sandbox.stdout:
        m = re.match(r"\s*export (FLOWPAYROLL_\w+)=(\S+)", line)
        if m:
            env[m.group(1)] = m.group(2)
        if line.startswith("Ctrl-C"):
            break
    time.sleep(0.3)
    env["FLOWPAYROLL_REDIS_URL"] = f"redis://127.0.0.1:{redis_port}"
    env["FLOWPAYROLL_RATE_LIMIT"] = "learn" if mode == "learn" else f"{Q}/{WINDOW_S}"
    env["FLEET_MEMBER_RUN_MS"] = str(WINDOWS * WINDOW_S * 1000)
    members = [subprocess.Popen([os.path.join(bin_dir, "fleet-member")], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
               for _ in range(n)]
    if kill_redis:
        time.sleep(WINDOWS * WINDOW_S / 2)
        redis.send_signal(signal.SIGKILL)
    outs = [m.communicate()[0].strip() for m in members]
    stats = json.load(urllib.request.urlopen(f"http://127.0.0.1:{sandbox_port}/__sandbox/stats"))
    sandbox.send_signal(signal.SIGINT)
    redis.kill()
    windows = stats["quotas"]["/2023-03-01/management/tokens"]["windows"]
    # Full windows only: the first starts when the sandbox does, before the members.
    served = [w["served"] for w in windows]
    refused = [w["refused"] for w in windows]
    print(json.dumps({"n": n, "mode": mode, "kill_redis": kill_redis, "quota": Q,
                      "window_s": WINDOW_S, "served": served, "refused": refused,
                      "rate_limited_total": stats["rate_limited"].get("list_tokens", 0),
                      "members": outs}))


if __name__ == "__main__":
    main()
