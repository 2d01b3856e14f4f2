// SPDX-License-Identifier: GPL-2.0
#include "notify.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "clock.h"
#include "log.h"

void sg_notify_reloading(void)
{
	/* systemd 253+ (Type=notify-reload) takes a RELOADING=1 as the
	 * answer to its signal only with a timestamp no older than the
	 * signal; older managers ignore the field. */
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading the policy",
		   (unsigned long long)(now_ns() / 1000));
}

void sg_notify_reloaded(const struct sg_daemon *d, int r, const char *msg)
{
	/*
	 * systemd ends a reload with READY=1, and counts it a success
	 * whatever else the message holds: ERRNO= only sets the unit's
	 * StatusErrno= (src/core/service.c, service_notify_message()).  A
	 * refused policy fails `systemctl reload` through ExecReload=
	 * (sealctl reload exits 1: packaging/sealguardd.service.in); here
	 * it is told in STATUS= and ERRNO=, which `systemctl status` shows.
	 */
	if (r < 0)
		sd_notifyf(0, "READY=1\nERRNO=%d\nSTATUS=policy generation %u in force; reload refused: %s", -r,
			   d->policy_generation, msg);
	else
		sd_notifyf(0, "READY=1\nERRNO=0\nSTATUS=policy generation %u", d->policy_generation);
}

void sg_watchdog_init(struct sg_daemon *d)
{
	uint64_t usec = 0;
	int r = sd_watchdog_enabled(0, &usec);

	d->watchdog_ms = 0;
	if (r < 0)
		log_warning("cannot read the watchdog interval: %s", strerror(-r));
	if (r <= 0)
		return;
	/* Half the interval, as sd_watchdog_enabled(3) advises. */
	d->watchdog_ms = usec / 2000 ? usec / 2000 : 1;
	d->watchdog_next_ms = 0; /* one ping at once */
	log_info("watchdog: a ping every %llu ms", (unsigned long long)d->watchdog_ms);
}

int sg_watchdog_tick(struct sg_daemon *d)
{
	int64_t now;

	if (!d->watchdog_ms)
		return -1;
	now = now_ms();
	if (now >= d->watchdog_next_ms) {
		sd_notify(0, "WATCHDOG=1");
		d->watchdog_next_ms = now + (int64_t)d->watchdog_ms;
	}
	return (int)(d->watchdog_next_ms - now);
}
