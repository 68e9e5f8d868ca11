/*
 * exitcode: the two exit statuses echoctl's network commands and its load
 * generator share beyond <sysexits.h>.  Success is EX_OK and a usage error
 * EX_USAGE, from sysexits itself; sysexits has no status for "what came
 * back was lost, wrong or incomplete" nor one for "the server could not be
 * reached" that scripts can tell apart, and echoctl(1) has promised 1 and 2
 * for those since the first release.  The control verbs use sysexits only
 * (ctlclient.h).
 */
#ifndef ECHOD_EXITCODE_H
#define ECHOD_EXITCODE_H

#include <sysexits.h>

#define EXITCODE_LOSS		1	/* loss, mismatch, truncation, timeout */
#define EXITCODE_CONNECT	2	/* could not resolve, connect or bind */

#endif
