#!/bin/sh
# t-backpressure.sh on the plain path: io_uring = false, one system call per TCP read
# and write (the path echod takes where io_uring is not allowed).
ECHOD_IO_URING=false exec sh "$(dirname "$0")/t-backpressure.sh"
