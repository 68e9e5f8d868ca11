#!/usr/bin/env python3
"""seccomp_deny.py SYSCALL CMD...: run CMD with a real seccomp filter that
fails SYSCALL with EPERM, as a unit's SystemCallFilter= without it would
(SystemCallErrorNumber=EPERM).  Exits 77 where this machine's system call
numbers are not known here."""
import ctypes, errno, os, platform, struct, sys

NR = {"x86_64": {"splice": 275, "io_uring_setup": 425},
      "aarch64": {"splice": 76, "io_uring_setup": 425}}
name, cmd = sys.argv[1], sys.argv[2:]
nr = NR.get(platform.machine(), {}).get(name)
if nr is None or not cmd:
    sys.exit(77)
BPF_LD_W_ABS, BPF_JEQ_K, BPF_RET_K = 0x20, 0x15, 0x06
RET_ALLOW, RET_ERRNO = 0x7FFF0000, 0x00050000
prog = [(BPF_LD_W_ABS, 0, 0, 0),                    # seccomp_data.nr
        (BPF_JEQ_K, 0, 1, nr),
        (BPF_RET_K, 0, 0, RET_ERRNO | errno.EPERM),
        (BPF_RET_K, 0, 0, RET_ALLOW)]
code = b"".join(struct.pack("HBBI", *i) for i in prog)
buf = ctypes.create_string_buffer(code)
class Fprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
fp = Fprog(len(prog), ctypes.addressof(buf))
libc = ctypes.CDLL(None, use_errno=True)
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 or \
   libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fp), 0, 0) != 0:
    print("seccomp_deny: %s" % os.strerror(ctypes.get_errno()), file=sys.stderr)
    sys.exit(1)
os.execvp(cmd[0], cmd)
