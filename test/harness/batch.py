#!/usr/bin/env python3
"""The one namespace runner of the tests: runs a batch of programs inside ONE namespace.

Started by batch.ts (`runBatch`) inside `unshare` (which namespaces is the caller's choice), with
a JSON job on stdin; writes one JSON document with every run's raw output to stdout. Progress
and problems go to stderr.

job: {"setup": SHELL or null,               run first, as root; a failure is fatal
      "scenario": {"name": N, "args": {...}} or null,
                                            a socket scenario of test/scenario/, built and held
                                            by THIS process (so, as PID 1 of a PID namespace,
                                            its sockets are `1/python3`'s)
      "readableByNobody": [PATH, ...],       checked before anything runs (fatal otherwise)
      "steps": [STEP, ...]}
STEP: {"shell": SHELL}                      more setup between runs, as root; fatal on failure
    | {"runs": [RUN, ...],                  run one after the other, or with "togetherMs" side by
       "togetherMs": MS or null,             side, each stopped with SIGINT after MS
       "stable": bool}                      re-run (up to 3 times) while the kernel's socket,
                                            route or group tables change under them
RUN: {"argv": [...], "executable": PATH or null, "env": {...} (the whole environment),
      "user": "nobody" or null, "stdout": null | "full" | "closed" | "head", "merged": bool,
      "timeoutMs": MS}
  stdout: `full` = /dev/full; `closed` = a pipe whose reader closed before the start (`| true`);
  `head` = a 4096-byte pipe from which one byte is read before it is closed (`| head -c 1`, the
  byte is the run's stdout); `merged` = stderr into stdout (`2>&1`).

answer: {"fatal": TEXT or null, "results": [{"runs": [RAW, ...], "attempts": N, "stable": bool}]}
one result per STEP with runs; RAW: stdout and stderr (base64), code (null when killed),
signal, timedOut, interrupted (stopped by SIGINT here), ms.

A scenario with `refresh()` and REFRESH_S is refreshed between steps once REFRESH_S seconds
have passed since it was built or last refreshed (the differential scenario's TIME_WAIT row).
"""
import base64
import fcntl
import importlib
import json
import os
import select
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True   # no __pycache__ in the checkout
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "test", "scenario"))
import build  # noqa: E402 -- the scenario builder, which holds a scenario's sockets

NOBODY = 65534
MAX_ATTEMPTS = 3
F_SETPIPE_SZ = 1031

# Tables whose change during a step invalidates it (the fields that move on their own --
# timers, retransmit and probe counts -- are left out).
SNAPSHOT_FILES = ["tcp", "tcp6", "udp", "udp6", "udplite", "udplite6", "raw", "raw6", "unix",
                  "igmp", "igmp6", "route", "ipv6_route"]


def log(message):
    print(f"[batch] {message}", file=sys.stderr, flush=True)


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


def output_for(run):
    """(stdout for Popen, read end kept here or None) for the run's `stdout`."""
    kind = run.get("stdout")
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


def start(run):
    extra = {"user": NOBODY, "group": NOBODY, "extra_groups": []} if run.get("user") == "nobody" else {}
    stdout, reader = output_for(run)
    process = subprocess.Popen(run["argv"], executable=run.get("executable"), env=run["env"], cwd="/",
                               stdin=subprocess.DEVNULL, stdout=stdout,
                               stderr=subprocess.STDOUT if run.get("merged") else subprocess.PIPE, **extra)
    if stdout is not subprocess.PIPE:
        os.close(stdout)
    process.head_reader = reader
    process.started = time.time()
    return process


def read_head(process, timeout):
    """`| head -c 1`: wait for the first byte, read it, close the pipe."""
    reader = process.head_reader
    ready, _, _ = select.select([reader], [], [], timeout)
    first = os.read(reader, 1) if ready else b""
    os.close(reader)
    return first


def finish(process, run, stop_at=None):
    """Collect one run. With stop_at (a time.time()), SIGINT it then."""
    timeout = run["timeoutMs"] / 1000
    timed_out = False
    interrupted = False
    head = read_head(process, timeout) if process.head_reader is not None else None
    try:
        if stop_at is not None:
            try:
                out, err = process.communicate(timeout=max(0.0, stop_at - time.time()))
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
        "ms": round((time.time() - process.started) * 1000),
    }


def run_step(step):
    runs = step["runs"]
    together = step.get("togetherMs")
    if together is not None:
        # All run side by side for the same time, then get SIGINT.
        stop_at = time.time() + together / 1000
        processes = [start(run) for run in runs]
        return [finish(p, run, stop_at) for p, run in zip(processes, runs)]
    return [finish(start(run), run) for run in runs]


def shell(script, what):
    result = subprocess.run(["sh", "-c", script], stdin=subprocess.DEVNULL, stdout=sys.stderr)
    if result.returncode != 0:
        raise SystemExit(f"{what} failed (status {result.returncode}); see its messages above")


def unreadable_by_nobody(paths):
    """The message when a path the runs need cannot be read by uid 65534, else None."""
    # /bin/sh, not this Python: the interpreter running us may itself be unreadable to nobody.
    probe = ('for p; do if [ -d "$p" ]; then [ -r "$p" ] && [ -x "$p" ] || echo "$p"; '
             'else [ -r "$p" ] || echo "$p"; fi; done')
    result = subprocess.run(["/bin/sh", "-c", probe, "sh"] + paths, user=NOBODY, group=NOBODY,
                            extra_groups=[], capture_output=True, text=True, cwd="/")
    if not result.stdout.strip() and result.returncode == 0:
        return None
    return ("not readable by uid 65534 (nobody): " + ", ".join(result.stdout.split() or paths) +
            (f" ({result.stderr.strip()})" if result.stderr.strip() else "") +
            ". Cases run as nobody; make the checkout world-readable (chmod -R o+rX) "
            "or run it from a directory nobody can read.")


class Scenario:
    """A socket scenario built and held by this process (see test/scenario/main.py)."""

    def __init__(self, spec):
        self.module = importlib.import_module(spec["name"])
        self.module.build(**spec.get("args", {}))
        self.made = time.time()

    def refresh_if_due(self):
        every = getattr(self.module, "REFRESH_S", None)
        if every is not None and time.time() - self.made > every:
            self.module.refresh()
            self.made = time.time()

    def stop(self):
        build.stop()


def main():
    job = json.load(sys.stdin)
    if job.get("setup"):
        shell(job["setup"], "the namespace set-up")
    fatal = unreadable_by_nobody(job["readableByNobody"]) if job.get("readableByNobody") else None
    results = []
    if fatal is None:
        scenario = Scenario(job["scenario"]) if job.get("scenario") else None
        started = time.time()
        for index, step in enumerate(job["steps"]):
            if "shell" in step:
                shell(step["shell"], f"step {index}")
                continue
            attempts = 0
            while True:
                attempts += 1
                if scenario is not None:
                    scenario.refresh_if_due()
                before = snapshot() if step.get("stable") else None
                raws = run_step(step)
                stable = before is None or snapshot() == before
                if stable or attempts >= MAX_ATTEMPTS:
                    break
                changed = [name for (name, lines), (_, now) in zip(before, snapshot()) if lines != now]
                log(f"step {index} ({' '.join(step['runs'][0]['argv'][-3:])}): {', '.join(changed) or 'tables'} "
                    "changed during the run, retrying")
            results.append({"runs": raws, "attempts": attempts, "stable": stable})
        log(f"{len(results)} steps in {time.time() - started:.1f} s")
        if scenario is not None:
            scenario.stop()
    json.dump({"fatal": fatal, "results": results}, sys.stdout)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
