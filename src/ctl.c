/* ctl: the control socket.  Placeholder until the systemd issue lands it. */
#include "config.h"

#include <stddef.h>

#include "ctl.h"

struct ctl *
ctl_new(struct echod *d, const char *path)
{
	return NULL;
}

void
ctl_free(struct ctl *c)
{
}
