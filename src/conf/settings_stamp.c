/*
 * settings_stamp: the settings rows of STAMP listeners.  The help texts are
 * what `echod --settings`, the sample config and echod.conf(5) show.
 */
#include "config.h"

#include "conf/conf.h"
#include "conf/settings_stamp.h"
#include "conf/settings.h"

static const struct setting_choice mode_choices[] = {
	{ "stateless", CONF_STAMP_STATELESS },
	{ "stateful", CONF_STAMP_STATEFUL }, { NULL, 0 },
};

static const struct setting_choice timestamp_choices[] = {
	{ "ntp", CONF_STAMP_NTP }, { "ptp", CONF_STAMP_PTP }, { NULL, 0 },
};

#define S(member) SETTING_AT(struct lconf, stamp.member)
#define LISTENER(t) .scope = SETTING_LISTENER, .type = (t), \
	.protos = SETTING_STAMP

const struct setting settings_stamp[] = {
	{ .name = "stamp_mode", LISTENER(SETTING_ENUM), S(mode),
	  .def = "\"stateless\"", .choices = mode_choices,
	  .help = "stateless: answers carry the sender's sequence numbers; "
	  "stateful: each session (5-tuple) is numbered from 0, so a sender "
	  "can tell forward from backward loss" },
	{ .name = "stamp_timestamp", LISTENER(SETTING_ENUM), S(timestamp),
	  .def = "\"ntp\"", .choices = timestamp_choices,
	  .help = "format of the receive and transmit timestamps: NTP 64-bit, "
	  "or PTPv2 truncated (TAI); the Z bit of the error estimate says "
	  "which" },
	{ .name = "stamp_sessions", LISTENER(SETTING_INT), S(sessions),
	  .min = 8, .max = 1048576, .def = "4096",
	  .help = "stateful: sessions remembered per worker (48 bytes each); "
	  "when full, the least recently seen one starts again from 0" },
	{ .name = "stamp_session_timeout", LISTENER(SETTING_DURATION),
	  S(session_timeout), .min = 1, .max = 86400, .def = "\"60s\"",
	  .help = "stateful: a session idle this long has ended; its next "
	  "packet is numbered from 0" },
	SETTING_END
};
