#!/usr/bin/env python3
"""freeze_thread: stop one thread of a running process, and only that one,
until a file appears (a worker that does not answer, as a debugger, a
page-in storm or a bug would make it), with ptrace(2) through ctypes:
PTRACE_SEIZE then PTRACE_INTERRUPT put that thread in a ptrace-stop while
the process's other threads run on; PTRACE_DETACH lets it go.

  freeze_thread.py PID COMM GOFILE [--timeout S]
      Stops the thread of PID whose name (/proc/PID/task/TID/comm) is
      COMM (or, if none has it, the only thread but the main one), prints "frozen tid=TID", waits until GOFILE exists (or S
      seconds, default 60), resumes it and prints "thawed".  Exit 0, or 2
      with the reason (no such thread, ptrace refused).
"""
import argparse
import ctypes
import os
import sys
import time

PTRACE_DETACH = 17
PTRACE_SEIZE = 0x4206
PTRACE_INTERRUPT = 0x4207
WALL = 0x40000000		# __WALL: wait for a thread, not only a child

libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_int, ctypes.c_void_p,
                        ctypes.c_void_p]
libc.ptrace.restype = ctypes.c_long


def ptrace(req, tid):
    if libc.ptrace(req, tid, None, None) == -1:
        e = ctypes.get_errno()
        raise OSError(e, "ptrace(%#x, %d): %s" % (req, tid, os.strerror(e)))


def find(pid, comm):
    others = []
    for tid in sorted(os.listdir("/proc/%d/task" % pid)):
        with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
            if f.read().strip() == comm:
                return int(tid)
        if int(tid) != pid:
            others.append(int(tid))
    # A program that does not name its threads: its only other one.
    return others[0] if len(others) == 1 else None


def main():
    p = argparse.ArgumentParser()
    p.add_argument("pid", type=int)
    p.add_argument("comm")
    p.add_argument("gofile")
    p.add_argument("--timeout", type=float, default=60)
    a = p.parse_args()
    tid = find(a.pid, a.comm)
    if tid is None:
        print("no thread named %s in %d" % (a.comm, a.pid), flush=True)
        return 2
    try:
        ptrace(PTRACE_SEIZE, tid)
        ptrace(PTRACE_INTERRUPT, tid)
        os.waitpid(tid, WALL)
    except OSError as e:
        print(e, flush=True)
        return 2
    print("frozen tid=%d" % tid, flush=True)
    end = time.monotonic() + a.timeout
    while not os.path.exists(a.gofile) and time.monotonic() < end:
        time.sleep(0.05)
    ptrace(PTRACE_DETACH, tid)
    print("thawed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
