/* echod: the daemon's main(); everything else lives in libechod (daemon.c). */
#include "config.h"

#include "daemon/daemon.h"

int
main(int argc, char **argv)
{
	return daemon_main(argc, argv);
}
