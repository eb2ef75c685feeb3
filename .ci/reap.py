#!/usr/bin/env python3
"""Stops every process a CI run left behind: those whose environment holds ESFCHECK_CI_MARKER with the
given value (set by .ci/run, so inherited by everything it started, also by daemons that left its
process group), except this process and the ones named on the command line. Each one found is named
on standard error and killed, so that no leftover server or browser keeps the run's output open.

    reap.py MARKER [PID ...]
"""
import os
import signal
import sys
import time


def marked(marker):
    found = []
    keep = {os.getpid(), os.getppid()} | {int(p) for p in sys.argv[2:]}
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) in keep:
            continue
        try:
            with open("/proc/%s/environ" % entry, "rb") as f:
                env = f.read().split(b"\0")
            with open("/proc/%s/cmdline" % entry, "rb") as f:
                command = f.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
        except OSError:
            continue
        if ("ESFCHECK_CI_MARKER=" + marker).encode() in env:
            found.append((int(entry), command))
    return found


def main():
    marker = sys.argv[1]
    left = marked(marker)
    for pid, command in left:
        print("ci: a process was left running, stopped: %d %s" % (pid, command[:200]), file=sys.stderr)
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass
    if left:
        time.sleep(2)
        for pid, _ in marked(marker):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
