/* gai: getaddrinfo(NAME) as a program does, for netcalc's comparison of
 * `netcalc resolve --libc musl|glibc` with the real C library.
 * Build: musl-gcc -static -o gai gai.c (or gcc for glibc).
 * Usage: gai NAME [any|4|6]  (family: AF_UNSPEC, AF_INET, AF_INET6)
 * Prints "canon NAME" (ai_canonname, when set), then one line per address,
 * "A 198.51.100.10" or "AAAA 2001:db8::10", in getaddrinfo's order; or
 * "error CODE MESSAGE" and exit status 1; last, "ms N", the milliseconds
 * getaddrinfo took (monotonic clock). It reads /etc/resolv.conf and
 * /etc/hosts: run it where those are test files (a private mount
 * namespace), never against the machine's resolver. */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	struct addrinfo hints, *res, *ai;
	char buf[INET6_ADDRSTRLEN];
	int rc;
	long t0;

	if (argc < 2) {
		fprintf(stderr, "usage: gai NAME [any|4|6]\n");
		return 2;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	if (argc > 2 && !strcmp(argv[2], "4"))
		hints.ai_family = AF_INET;
	if (argc > 2 && !strcmp(argv[2], "6"))
		hints.ai_family = AF_INET6;
	hints.ai_socktype = SOCK_STREAM; /* one entry per address */
	hints.ai_flags = AI_CANONNAME;
	t0 = now_ms();
	rc = getaddrinfo(argv[1], NULL, &hints, &res);
	t0 = now_ms() - t0;
	if (rc) {
		printf("error %d %s\nms %ld\n", rc, gai_strerror(rc), t0);
		return 1;
	}
	if (res->ai_canonname)
		printf("canon %s\n", res->ai_canonname);
	for (ai = res; ai; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET) {
			inet_ntop(AF_INET, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, buf, sizeof buf);
			printf("A %s\n", buf);
		} else if (ai->ai_family == AF_INET6) {
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, buf, sizeof buf);
			printf("AAAA %s\n", buf);
		}
	}
	freeaddrinfo(res);
	printf("ms %ld\n", t0);
	return 0;
}
