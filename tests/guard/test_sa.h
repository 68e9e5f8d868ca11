/*
 * test_sa: a sockaddr from a numeric IPv4 or IPv6 text, for the guard's
 * unit tests.  Include after <cmocka.h>.
 */
#ifndef ECHOD_TEST_SA_H
#define ECHOD_TEST_SA_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

static inline struct sockaddr_storage
sa(const char *host)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1)
		in4->sin_family = AF_INET;
	else {
		assert_int_equal(inet_pton(AF_INET6, host, &in6->sin6_addr), 1);
		in6->sin6_family = AF_INET6;
	}
	return ss;
}

#define SA(h) ((const struct sockaddr *)(struct sockaddr_storage[]){ sa(h) })

#endif
