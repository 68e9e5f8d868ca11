/*
 * bench: entry point of the load generator, `echoctl bench` (echoctl.c
 * passes argv starting at "bench").
 */
#ifndef ECHOD_BENCH_H
#define ECHOD_BENCH_H

/* argv[0] is the command name; options and the MODE follow.  Returns the
 * exit status: EX_OK, EXITCODE_LOSS (errors or mismatches), EXITCODE_CONNECT
 * (connection failed) or EX_USAGE (common/exitcode.h). */
int bench_main(int argc, char **argv);

#endif
