/*
 * bench: entry point of the load generator, `echoctl bench` (echoctl.c
 * passes argv starting at "bench").
 */
#ifndef ECHOD_BENCH_H
#define ECHOD_BENCH_H

/* argv[0] is the command name; options and the MODE follow.  Returns the
 * exit status: 0 ok, 1 errors or mismatches, 2 connection failed, 64 usage. */
int bench_main(int argc, char **argv);

#endif
