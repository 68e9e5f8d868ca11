/*
 * echobench: the development build of `echoctl bench` (see bench.h).
 */
#include "config.h"

#include "bench.h"

int
main(int argc, char **argv)
{
	return bench_main(argc, argv);
}
