/* version: PACKAGE_VERSION and the feature string. */
#include "config.h"

#include "common/version.h"

const char *
version_string(void)
{
	return PACKAGE_VERSION;
}

const char *
version_features(void)
{
	return "+systemd +journal +socket-activation +reuseport +pktinfo"
#ifdef HAVE_RECVMMSG
	    " +recvmmsg"
#endif
#ifdef HAVE_SENDMMSG
	    " +sendmmsg"
#endif
#ifdef HAVE_LIBURING
	    " +io_uring"
#else
	    " -io_uring"
#endif
#ifdef HAVE_LIBEDIT
	    " +libedit"
#else
	    " -libedit"
#endif
#ifdef HAVE_SANITIZERS
	    " +sanitizers"
#endif
	    ;
}
