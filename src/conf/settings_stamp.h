/*
 * settings_stamp: a STAMP listener's settings (protocol = "stamp": an RFC
 * 8762 session reflector over UDP) as plain values, embedded in struct
 * lconf.  The rows are in settings_stamp.c; daemon/stamp_reflect.h uses
 * them.  The UDP settings (guard, rate limits, max_datagram) apply to STAMP
 * listeners too.
 */
#ifndef ECHOD_SETTINGS_STAMP_H
#define ECHOD_SETTINGS_STAMP_H

#include <stdint.h>

#include "conf/settings.h"

enum { CONF_STAMP_STATELESS, CONF_STAMP_STATEFUL };
enum { CONF_STAMP_NTP, CONF_STAMP_PTP };

struct stamp_lconf {
	int mode;			/* CONF_STAMP_STATELESS / _STATEFUL */
	int timestamp;			/* CONF_STAMP_NTP / _PTP */
	uint32_t sessions;		/* stateful: table slots per worker */
	double session_timeout;		/* stateful: idle seconds */
};

extern const struct setting settings_stamp[];

#endif
