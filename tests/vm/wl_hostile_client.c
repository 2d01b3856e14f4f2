// SPDX-License-Identifier: GPL-2.0
/*
 * wl_hostile_client: a hostile Wayland client, for tests/vm/vm_weston.sh
 * (not vm_*).  It shows a 256x256 ARGB buffer from a wl_shm pool in an
 * xdg_toplevel, waits until the compositor has drawn it (a frame callback after the commit), then
 * shrinks the pool's file to 0 bytes and commits the same buffer again.
 *
 *   wl_hostile_client shm|shm-unlinked|memfd [FRAMES]
 *
 * shm: a /dev/shm file from shm_open (left in place until the end);
 * shm-unlinked: the same, unlinked at once; memfd: memfd_create() without
 * MFD_ALLOW_SEALING.  The kernel cannot seal any of them.  After the
 * truncate it commits FRAMES (default 3) more frames, each waiting for its
 * frame callback.  Its last line on stdout:
 *
 *   result: truncate=ok|EPERM|... size=N frames=K/FRAMES disconnected=no|yes [error]
 *
 * Exit status 0 when it ran to the result line (whatever the compositor
 * did), 1 when it could not get that far (no compositor, no configure,
 * first frame never drawn).  Connects where libwayland-client says
 * (WAYLAND_SOCKET, WAYLAND_DISPLAY).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <wayland-client.h>

#include "xdg-shell-client-protocol.h"

#define WIDTH	  256
#define HEIGHT	  256
#define STRIDE	  (WIDTH * 4)
#define POOL_SIZE (STRIDE * HEIGHT)
/* Under TCG a compositor's first frame can take seconds. */
#define WAIT_MS 30000

struct client {
	struct wl_display *display;
	struct wl_compositor *compositor;
	struct wl_shm *shm;
	struct xdg_wm_base *wm_base;
	struct wl_surface *surface;
	struct wl_buffer *buffer;
	bool configured;
	bool frame_done;
};

static void registry_global(void *data, struct wl_registry *registry, uint32_t name, const char *interface,
			    uint32_t version)
{
	struct client *c = data;

	if (strcmp(interface, wl_compositor_interface.name) == 0)
		c->compositor = wl_registry_bind(registry, name, &wl_compositor_interface, 1);
	else if (strcmp(interface, wl_shm_interface.name) == 0)
		c->shm = wl_registry_bind(registry, name, &wl_shm_interface, 1);
	else if (strcmp(interface, xdg_wm_base_interface.name) == 0)
		c->wm_base = wl_registry_bind(registry, name, &xdg_wm_base_interface, 1);
}

static void registry_global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
}

static const struct wl_registry_listener registry_listener = {
	.global = registry_global,
	.global_remove = registry_global_remove,
};

static void wm_base_ping(void *data, struct xdg_wm_base *wm_base, uint32_t serial)
{
	xdg_wm_base_pong(wm_base, serial);
}

static const struct xdg_wm_base_listener wm_base_listener = { .ping = wm_base_ping };

static void xdg_surface_configure(void *data, struct xdg_surface *xdg_surface, uint32_t serial)
{
	struct client *c = data;

	xdg_surface_ack_configure(xdg_surface, serial);
	c->configured = true;
}

static const struct xdg_surface_listener xdg_surface_listener = { .configure = xdg_surface_configure };

static void toplevel_configure(void *data, struct xdg_toplevel *toplevel, int32_t width, int32_t height,
			       struct wl_array *states)
{
}

static void toplevel_close(void *data, struct xdg_toplevel *toplevel)
{
}

static const struct xdg_toplevel_listener toplevel_listener = {
	.configure = toplevel_configure,
	.close = toplevel_close,
};

static void frame_done(void *data, struct wl_callback *callback, uint32_t time)
{
	struct client *c = data;

	c->frame_done = true;
	wl_callback_destroy(callback);
}

static const struct wl_callback_listener frame_listener = { .done = frame_done };

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Dispatches events until *flag is set: 0, -ETIMEDOUT, or -1 when the
 * connection failed (wl_display_get_error() says why). */
static int wait_for(struct client *c, bool *flag)
{
	int64_t deadline = now_ms() + WAIT_MS;

	while (!*flag) {
		struct pollfd p = { .fd = wl_display_get_fd(c->display), .events = POLLIN };
		int64_t left = deadline - now_ms();
		int r;

		if (left <= 0)
			return -ETIMEDOUT;
		while (wl_display_prepare_read(c->display) != 0)
			if (wl_display_dispatch_pending(c->display) < 0)
				return -1;
		if (wl_display_flush(c->display) < 0 && errno != EAGAIN) {
			wl_display_cancel_read(c->display);
			return -1;
		}
		r = poll(&p, 1, (int)left);
		if (r <= 0) {
			wl_display_cancel_read(c->display);
			if (r < 0 && errno != EINTR)
				return -1;
			continue;
		}
		if (wl_display_read_events(c->display) < 0 || wl_display_dispatch_pending(c->display) < 0)
			return -1;
	}
	return 0;
}

/* Attaches the buffer, damages all of it, commits, and waits for the
 * frame callback. */
static int show_frame(struct client *c)
{
	struct wl_callback *cb;

	c->frame_done = false;
	wl_surface_attach(c->surface, c->buffer, 0, 0);
	wl_surface_damage(c->surface, 0, 0, WIDTH, HEIGHT);
	cb = wl_surface_frame(c->surface);
	wl_callback_add_listener(cb, &frame_listener, c);
	wl_surface_commit(c->surface);
	return wait_for(c, &c->frame_done);
}

static int pool_file(const char *mode, char *name, size_t len)
{
	int fd;

	if (strcmp(mode, "memfd") == 0)
		return memfd_create("sg-wl-hostile", MFD_CLOEXEC); /* no MFD_ALLOW_SEALING */
	if (strcmp(mode, "shm") != 0 && strcmp(mode, "shm-unlinked") != 0) {
		errno = EINVAL;
		return -1;
	}
	snprintf(name, len, "/sg-wl-hostile.%d", (int)getpid());
	fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0 && strcmp(mode, "shm-unlinked") == 0) {
		shm_unlink(name);
		name[0] = '\0';
	}
	return fd;
}

/* Why the connection failed, for the result line. */
static void describe_error(struct client *c, char *buf, size_t len)
{
	const struct wl_interface *iface = NULL;
	uint32_t id = 0, code;
	int err = wl_display_get_error(c->display);

	if (err != EPROTO) {
		snprintf(buf, len, "(%s)", strerror(err));
		return;
	}
	code = wl_display_get_protocol_error(c->display, &iface, &id);
	snprintf(buf, len, "(protocol error %u on %s@%u)", code, iface ? iface->name : "?", id);
}

int main(int argc, char **argv)
{
	struct client c = { 0 };
	char shm_name[64] = "", err_desc[128] = "";
	const char *mode = argc > 1 ? argv[1] : "";
	int frames = argc > 2 ? atoi(argv[2]) : 3;
	int fd, r, trunc_errno, shown = 0;
	struct wl_registry *registry;
	struct wl_shm_pool *pool;
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *toplevel;
	struct stat st;
	uint32_t *pixels;
	bool disconnected = false;

	fd = pool_file(mode, shm_name, sizeof(shm_name));
	if (fd < 0) {
		fprintf(stderr, "usage: %s shm|shm-unlinked|memfd [FRAMES] (%s)\n", argv[0], strerror(errno));
		return 1;
	}
	if (ftruncate(fd, POOL_SIZE) < 0) {
		perror("ftruncate to the pool size");
		return 1;
	}
	pixels = mmap(NULL, POOL_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (pixels == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	for (int i = 0; i < WIDTH * HEIGHT; i++)
		pixels[i] = 0xff2080c0;

	c.display = wl_display_connect(NULL);
	if (!c.display) {
		perror("wl_display_connect");
		return 1;
	}
	registry = wl_display_get_registry(c.display);
	wl_registry_add_listener(registry, &registry_listener, &c);
	if (wl_display_roundtrip(c.display) < 0 || !c.compositor || !c.shm || !c.wm_base) {
		fprintf(stderr, "wl_compositor, wl_shm or xdg_wm_base missing\n");
		return 1;
	}
	xdg_wm_base_add_listener(c.wm_base, &wm_base_listener, &c);

	pool = wl_shm_create_pool(c.shm, fd, POOL_SIZE);
	c.buffer = wl_shm_pool_create_buffer(pool, 0, WIDTH, HEIGHT, STRIDE, WL_SHM_FORMAT_ARGB8888);
	c.surface = wl_compositor_create_surface(c.compositor);
	xdg_surface = xdg_wm_base_get_xdg_surface(c.wm_base, c.surface);
	xdg_surface_add_listener(xdg_surface, &xdg_surface_listener, &c);
	toplevel = xdg_surface_get_toplevel(xdg_surface);
	xdg_toplevel_add_listener(toplevel, &toplevel_listener, &c);
	xdg_toplevel_set_title(toplevel, "sealguard hostile client");
	wl_surface_commit(c.surface);
	r = wait_for(&c, &c.configured);
	if (r < 0) {
		fprintf(stderr, "no configure from the compositor (%d)\n", r);
		return 1;
	}
	/* The compositor has mapped the pool and drawn the buffer. */
	r = show_frame(&c);
	if (r < 0) {
		fprintf(stderr, "first frame not drawn (%d)\n", r);
		return 1;
	}
	printf("first frame drawn from a %s pool of %d bytes\n", mode, POOL_SIZE);

	trunc_errno = ftruncate(fd, 0) < 0 ? errno : 0;
	if (fstat(fd, &st) < 0) {
		perror("fstat");
		return 1;
	}
	printf("ftruncate(pool, 0): %s, size now %lld\n", trunc_errno ? strerrorname_np(trunc_errno) : "ok",
	       (long long)st.st_size);
	fflush(stdout);

	for (shown = 0; shown < frames; shown++) {
		r = show_frame(&c);
		if (r == -1) {
			disconnected = true;
			describe_error(&c, err_desc, sizeof(err_desc));
			break;
		}
		if (r < 0) {
			snprintf(err_desc, sizeof(err_desc), "(frame %d: no frame callback in %d ms)", shown + 1,
				 WAIT_MS);
			break;
		}
	}
	/* A compositor that drew every frame may still have refused something. */
	if (!disconnected && wl_display_roundtrip(c.display) < 0) {
		disconnected = true;
		describe_error(&c, err_desc, sizeof(err_desc));
	}
	printf("result: truncate=%s size=%lld frames=%d/%d disconnected=%s%s%s\n",
	       trunc_errno ? strerrorname_np(trunc_errno) : "ok", (long long)st.st_size, shown, frames,
	       disconnected ? "yes" : "no", err_desc[0] ? " " : "", err_desc);
	if (shm_name[0])
		shm_unlink(shm_name);
	wl_display_disconnect(c.display);
	return 0;
}
