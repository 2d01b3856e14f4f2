// SPDX-License-Identifier: GPL-2.0
/*
 * sg_bench_request: the seal request's round trip against its floor, run
 * by `script/bench` in the VM with sealguardd serving $SEALGUARD_SOCKET.
 *
 * The floor is a bare SCM_RIGHTS echo server on the same socket type
 * (SOCK_SEQPACKET), in a child process: it receives one fd with a
 * request-sized message, closes the fd and answers with a reply-sized
 * message, one thread per client.  Each client thread has its own
 * connection and its own tmpfs file, and times every call; 1, 4 and 16
 * threads.  sealguard's calls are sg_conn_add_seals(fd, SHRINK): the
 * full request (identity, policy, the kernel ioctl, the registry), on a
 * file that already carries the seal after the first call.
 *
 * Usage: sg_bench_request [--calls N] [--title TEXT]
 *   --calls: per thread, default 1000; --title: added to the table's title
 * Prints a Markdown table.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "fdpass.h"
#include "sealguard.h"

#define ECHO_PATH   "/run/sg-bench-echo.sock"
#define MSG_SIZE    64 /* about an ADD request or reply: header and a few fields */
#define MAX_THREADS 16

struct worker {
	int id, calls;
	bool echo;   /* the floor, or sealguard */
	double *lat; /* ns per call */
	int err;
	pthread_barrier_t *start;
};

static int send_fd(int sock, int fd, const char *msg, size_t len)
{
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = len };

	return sg_fdpass_send(sock, &iov, 1, fd, 0) == (ssize_t)len ? 0 : -1;
}

/* The floor's server side: receive the fd, close it, answer. */
static void *echo_conn(void *arg)
{
	int c = (int)(long)arg;
	char buf[MSG_SIZE];

	for (;;) {
		struct sg_fdpass_in in;
		ssize_t n = sg_fdpass_recv(c, buf, sizeof(buf), 1, 0, &in);

		if (n <= 0)
			break;
		while (in.nfds--)
			close(in.fds[in.nfds]);
		if (send(c, buf, sizeof(buf), MSG_NOSIGNAL) != (ssize_t)sizeof(buf))
			break;
	}
	close(c);
	return NULL;
}

static int echo_server(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = ECHO_PATH };
	int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	unlink(ECHO_PATH);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, 64) < 0)
		return 1;
	for (;;) {
		int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
		pthread_t t;

		if (c < 0)
			continue;
		if (pthread_create(&t, NULL, echo_conn, (void *)(long)c) == 0)
			pthread_detach(t);
		else
			close(c);
	}
}

static int echo_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = ECHO_PATH };
	int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	for (int i = 0; s >= 0 && i < 100; i++) {
		if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return s;
		usleep(10000);
	}
	if (s >= 0)
		close(s);
	return -1;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	char path[64], msg[MSG_SIZE] = "seal";
	struct sg_conn *conn = NULL;
	int fd, sock = -1;

	snprintf(path, sizeof(path), "/dev/shm/sg-bench-req.%d", w->id);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	if (w->echo)
		sock = echo_connect();
	else
		conn = sg_connect(NULL, 0);
	if (fd < 0 || (w->echo ? sock < 0 : !conn)) {
		w->err = errno ? errno : EIO;
		pthread_barrier_wait(w->start);
		goto out;
	}
	pthread_barrier_wait(w->start);
	for (int i = 0; i < w->calls; i++) {
		double t0 = now_ns();
		int r;

		if (w->echo)
			r = send_fd(sock, fd, msg, sizeof(msg)) == 0 && recv(sock, msg, sizeof(msg), 0) == sizeof(msg)
				    ? 0
				    : -1;
		else
			r = sg_conn_add_seals(conn, fd, 0x2 /* F_SEAL_SHRINK */);
		if (r < 0) {
			w->err = errno;
			break;
		}
		w->lat[i] = now_ns() - t0;
	}
out:
	if (conn)
		sg_disconnect(conn);
	if (sock >= 0)
		close(sock);
	if (fd >= 0)
		close(fd);
	unlink(path);
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct result {
	double p50, p99, rate;
};

static int run(bool echo, int threads, int calls, struct result *res)
{
	struct worker w[MAX_THREADS];
	pthread_t t[MAX_THREADS];
	pthread_barrier_t start;
	double *all = calloc((size_t)threads * calls, sizeof(double)), t0;
	int err = 0;

	if (!all)
		return -ENOMEM;
	pthread_barrier_init(&start, NULL, (unsigned)threads + 1);
	for (int i = 0; i < threads; i++) {
		w[i] = (struct worker){
			.id = i, .calls = calls, .echo = echo, .lat = all + (size_t)i * calls, .start = &start
		};
		pthread_create(&t[i], NULL, work, &w[i]);
	}
	pthread_barrier_wait(&start);
	t0 = now_ns();
	for (int i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		err = err ? err : w[i].err;
	}
	res->rate = (double)threads * calls / ((now_ns() - t0) / 1e9);
	pthread_barrier_destroy(&start);
	if (!err) {
		qsort(all, (size_t)threads * calls, sizeof(double), cmp);
		res->p50 = all[(size_t)threads * calls / 2];
		res->p99 = all[(size_t)threads * calls * 99 / 100];
	}
	free(all);
	return -err;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "calls", required_argument, NULL, 'c' },
		{ "title", required_argument, NULL, 't' },
		{ 0 },
	};
	static const int thread_counts[] = { 1, 4, 16 };
	const char *title = NULL;
	int calls = 1000, c, status;
	pid_t server;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 't') {
			title = optarg;
			continue;
		}
		if (c != 'c' || (calls = atoi(optarg)) < 1) {
			fprintf(stderr, "usage: sg_bench_request [--calls N] [--title TEXT]\n");
			return 2;
		}
	}
	server = fork();
	if (server == 0)
		_exit(echo_server());
	printf("\n### Seal request round trip (%d calls per thread%s%s)\n\n", calls, title ? ", " : "",
	       title ? title : "");
	printf("| threads | echo p50 us | echo p99 us | echo calls/s | sg_add_seals p50 us | p99 us | calls/s | p50 / echo p50 |\n");
	printf("|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	status = 0;
	for (size_t i = 0; i < sizeof(thread_counts) / sizeof(thread_counts[0]); i++) {
		struct result e, s;
		int r;

		if ((r = run(true, thread_counts[i], calls, &e)) < 0 ||
		    (r = run(false, thread_counts[i], calls, &s)) < 0) {
			fprintf(stderr, "sg_bench_request: %d threads: %s\n", thread_counts[i], strerror(-r));
			status = 1;
			break;
		}
		printf("| %d | %.1f | %.1f | %.0f | %.1f | %.1f | %.0f | %.2f |\n", thread_counts[i], e.p50 / 1e3,
		       e.p99 / 1e3, e.rate, s.p50 / 1e3, s.p99 / 1e3, s.rate, s.p50 / e.p50);
	}
	kill(server, SIGKILL);
	waitpid(server, NULL, 0);
	unlink(ECHO_PATH);
	return status;
}
