#!/usr/bin/env python3
"""Child process of test/diff/harness.ts: runs a JSON list of netstat cases inside ONE namespace.

Usage (harness.ts does this):
  unshare --net --mount --pid --fork --mount-proc --propagation private python3 run_cases.py < job.json

job.json: {"reference": "/usr/bin/netstat", "candidate": ["node", "/repo/dist/cli.js"],
           "passEnv": {"NETSTAT_BACKEND": "procfs"},
           "timeoutMs": 20000, "continuousMs": 2500,
           "cases": [{"args": [...], "user": "root"|"nobody", "env": {...}, "continuous": bool,
                      "argv0": "netstat" (optional), "stdout": null|"full"|"closed"|"head",
                      "merged": bool}, ...]}

Sets up the environment (test/scenario/environment.py), starts the socket scenario
(test/scenario/sockets.py), then for every case runs reference, candidate, reference again
(the second reference run shows what moves by itself) and writes one JSON document with the
raw results to stdout. Progress and problems go to stderr.

A case is retried (up to 3 attempts) when the kernel's socket, route or group tables changed
while it ran: such a change is the scenario's doing, not the programs'. The TIME_WAIT socket,
which lives 60 s, is re-created between cases before it expires.
"""
import base64
import fcntl
import json
import os
import select
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "test", "scenario"))
import environment  # noqa: E402

NOBODY = 65534
BASE_ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
TIME_WAIT_REFRESH_S = 40      # TIME_WAIT lasts 60 s; re-create it well before
MAX_ATTEMPTS = 3

# Tables whose change during a case invalidates the comparison (the fields that move on their
# own -- timers, retransmit and probe counts -- are left out).
SNAPSHOT_FILES = ["tcp", "tcp6", "udp", "udp6", "udplite", "udplite6", "raw", "raw6", "unix",
                  "igmp", "igmp6", "route", "ipv6_route"]


def log(message):
    print(f"[run_cases] {message}", file=sys.stderr, flush=True)


def snapshot():
    parts = []
    for name in SNAPSHOT_FILES:
        try:
            with open(f"/proc/net/{name}", encoding="latin-1") as f:     # socket paths are bytes
                lines = f.read().splitlines()
        except OSError:
            continue
        if name in ("tcp", "tcp6", "udp", "udp6", "udplite", "udplite6", "raw", "raw6"):
            # sl local rem st tx:rx tr:when retrnsmt uid timeout inode ...
            lines = [" ".join(l.split()[1:5] + l.split()[7:8] + l.split()[9:10]) for l in lines[1:]]
        elif name == "igmp":
            # device lines: Idx Device : Count Querier; group lines: Group Users Timer Reporter
            lines = [" ".join(l.split()[:5] if not l.startswith("\t") else l.split()[:2]) for l in lines]
        elif name == "igmp6":
            lines = [" ".join(l.split()[:4]) for l in lines]     # idx device group users (flags, timer)
        parts.append((name, lines))
    return parts


def argv_for(program, case):
    """(executable, argv). argv[0] is the reference's path, like the candidate run as
    `node dist/cli.js`; a case with "argv0": "netstat" runs the reference under that name and the
    candidate through a link named `netstat`, as an installed bin would be."""
    args = case["args"]
    by_name = case.get("argv0") == "netstat"
    if program == "reference":
        return JOB["reference"], [case.get("argv0") or JOB["reference"]] + args
    command = JOB["candidate"]
    if len(command) == 1 and not command[0].endswith(".js"):
        return command[0], [case.get("argv0") or command[0]] + args
    if by_name:
        return command[0], [command[0]] + list(command[1:-1]) + [candidate_link()] + args
    return command[0], list(command) + args


def candidate_link():
    """A symbolic link named `netstat` to the candidate script, in the private scratch directory."""
    link = os.path.join(environment.SCRATCH, "bin", "netstat")
    if not os.path.islink(link):
        os.makedirs(os.path.dirname(link), mode=0o755, exist_ok=True)
        os.symlink(JOB["candidate"][-1], link)
    return link


F_SETPIPE_SZ = 1031


def output_for(case):
    """(stdout for Popen, read end kept by the harness or None) for the case's `stdout`."""
    kind = case.get("stdout")
    if kind == "full":
        return os.open("/dev/full", os.O_WRONLY), None
    if kind in ("closed", "head"):
        r, w = os.pipe()
        if kind == "closed":
            os.close(r)
            return w, None
        fcntl.fcntl(w, F_SETPIPE_SZ, 4096)   # the smallest pipe: a large output must block in it
        return w, r
    return subprocess.PIPE, None


def start(program, case):
    executable, argv = argv_for(program, case)
    env = dict(BASE_ENV)
    env.update(JOB.get("passEnv") or {})
    env.update(case.get("env") or {})
    extra = {}
    if case.get("user") == "nobody":
        extra = {"user": NOBODY, "group": NOBODY, "extra_groups": []}
    stdout, reader = output_for(case)
    process = subprocess.Popen(argv, executable=executable, env=env, cwd="/",
                               stdin=subprocess.DEVNULL, stdout=stdout,
                               stderr=subprocess.STDOUT if case.get("merged") else subprocess.PIPE, **extra)
    if stdout is not subprocess.PIPE:
        os.close(stdout)
    process.head_reader = reader
    return process


def read_head(process, timeout):
    """`| head -c 1`: wait for the first byte, read it, close the pipe."""
    reader = process.head_reader
    ready, _, _ = select.select([reader], [], [], timeout)
    first = os.read(reader, 1) if ready else b""
    os.close(reader)
    return first


def finish(process, started, stop_after_s=None):
    """Collect one run. With stop_after_s, SIGINT it after that long (continuous mode)."""
    timeout = JOB["timeoutMs"] / 1000
    timed_out = False
    interrupted = False
    head = read_head(process, timeout) if process.head_reader is not None else None
    try:
        if stop_after_s is not None:
            try:
                out, err = process.communicate(timeout=max(0.0, started + stop_after_s - time.time()))
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGINT)
                interrupted = True
                out, err = process.communicate(timeout=timeout)
        else:
            out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        timed_out = True
    code = process.returncode
    if head is not None:
        out = head
    return {
        "stdout": base64.b64encode(out or b"").decode(),
        "stderr": base64.b64encode(err or b"").decode(),
        "code": code if code >= 0 else None,
        "signal": signal.Signals(-code).name if code < 0 else None,
        "timedOut": timed_out,
        "interrupted": interrupted,
        "ms": round((time.time() - started) * 1000),
    }


def run_once(case):
    if case.get("continuous"):
        # All three run side by side for the same time, then get SIGINT.
        started = time.time()
        processes = [start(p, case) for p in ("reference", "candidate", "reference")]
        stop = JOB["continuousMs"] / 1000
        ref1, cand, ref2 = [finish(p, started, stop) for p in processes]
        return ref1, cand, ref2
    results = []
    for program in ("reference", "candidate", "reference"):
        started = time.time()
        results.append(finish(start(program, case), started))
    return tuple(results)


class Scenario:
    def __init__(self):
        self.process = subprocess.Popen(
            [sys.executable, os.path.join(REPO, "test", "scenario", "sockets.py"), environment.SCRATCH],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.expect("READY")

    def expect(self, word):
        line = self.process.stdout.readline().strip()
        if line != word:
            raise SystemExit(f"socket scenario failed (said {line!r}, expected {word}); see its stderr above")
        self.made = time.time()

    def refresh_if_due(self):
        if time.time() - self.made > TIME_WAIT_REFRESH_S:
            self.process.stdin.write("refresh\n")
            self.process.stdin.flush()
            self.expect("REFRESHED")

    def alive(self):
        return self.process.poll() is None

    def stop(self):
        self.process.stdin.close()
        self.process.wait(timeout=10)


def check_readable_by_nobody():
    """Every path of the candidate command (and the repo's dist/ and node_modules/) must be
    readable by uid 65534, or the `nobody` cases would test a permission error."""
    paths = [p for p in JOB["candidate"] if p.startswith("/")]
    for extra in ("dist", "node_modules", "build"):
        if os.path.isdir(os.path.join(REPO, extra)):
            paths.append(os.path.join(REPO, extra))
    # /bin/sh, not this Python: the interpreter running us may itself be unreadable to nobody.
    probe = ('for p; do if [ -d "$p" ]; then [ -r "$p" ] && [ -x "$p" ] || echo "$p"; '
             'else [ -r "$p" ] || echo "$p"; fi; done')
    result = subprocess.run(["/bin/sh", "-c", probe, "sh"] + paths, user=NOBODY, group=NOBODY,
                            extra_groups=[], capture_output=True, text=True, cwd="/")
    result.returncode = 1 if result.stdout.strip() or result.returncode else 0
    if result.returncode != 0:
        return ("not readable by uid 65534 (nobody): " + ", ".join(result.stdout.split() or paths) +
                (f" ({result.stderr.strip()})" if result.stderr.strip() else "") +
                ". The differential suite runs netstat as nobody; make the checkout world-readable "
                "(chmod -R o+rX) or run it from a directory nobody can read.")
    return None


def main():
    global JOB
    JOB = json.load(sys.stdin)
    environment.setup()
    fatal = None
    if any(c.get("user") == "nobody" for c in JOB["cases"]):
        fatal = check_readable_by_nobody()
    results = []
    if fatal is None:
        scenario = Scenario()
        started = time.time()
        for index, case in enumerate(JOB["cases"]):
            attempts = 0
            while True:
                attempts += 1
                scenario.refresh_if_due()
                before = snapshot()
                ref1, cand, ref2 = run_once(case)
                if not scenario.alive():
                    raise SystemExit("the socket scenario died during the run")
                stable = snapshot() == before
                if stable or attempts >= MAX_ATTEMPTS:
                    break
                changed = [name for (name, lines), (_, now) in zip(before, snapshot()) if lines != now]
                log(f"case {index} ({' '.join(case['args'])}): {', '.join(changed) or 'tables'} changed during the run, retrying")
            results.append({"reference": ref1, "candidate": cand, "reference2": ref2, "attempts": attempts,
                            "tablesStable": stable})
        log(f"{len(results)} cases in {time.time() - started:.1f} s")
        scenario.stop()
    json.dump({"fatal": fatal, "results": results}, sys.stdout)
    sys.stdout.flush()


JOB = {}
if __name__ == "__main__":
    main()
