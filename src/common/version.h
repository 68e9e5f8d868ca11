/*
 * version: the version string and the list of compiled-in features, printed
 * by `echod -V` and `echoctl --version` and checked by tests.
 */
#ifndef ECHOD_VERSION_H
#define ECHOD_VERSION_H

const char *version_string(void);	/* "0.1.0" */
const char *version_features(void);	/* "+systemd +reuseport ..." */

#endif
