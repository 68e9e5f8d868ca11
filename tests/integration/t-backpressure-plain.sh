#!/bin/sh
# t-backpressure.sh on the plain path: io_uring = false and splice = false, one
# system call per TCP read and write (the path echod takes where neither is
# allowed).
ECHOD_IO_URING=false ECHOD_SPLICE=false exec sh "$(dirname "$0")/t-backpressure.sh"
