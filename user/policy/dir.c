// SPDX-License-Identifier: GPL-2.0
#include "sg_policy.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int yaml_file(const struct dirent *de)
{
	size_t n = strlen(de->d_name);

	return de->d_name[0] != '.' && n > 5 && strcmp(de->d_name + n - 5, ".yaml") == 0;
}

int sg_policy_load_dir(struct sg_policy *p, const char *dir, char *err, size_t errlen)
{
	struct dirent **names = NULL;
	char path[4096];
	int n, r = 0;

	memset(p, 0, sizeof(*p));
	n = scandir(dir, &names, yaml_file, alphasort);
	if (n < 0) {
		if (errno == ENOENT) {
			p->builtin = true;
			return 0;
		}
		r = -errno;
		snprintf(err, errlen, "%s: cannot read the policy directory: %s", dir, strerror(-r));
		return r;
	}
	for (int i = 0; i < n; i++) {
		if (r == 0) {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
			r = sg_policy_parse_file(p, path, err, errlen);
		}
		free(names[i]);
	}
	free(names);
	if (r < 0) {
		sg_policy_free(p);
		return r;
	}
	p->builtin = n == 0;
	r = sg_policy_index(p);
	if (r < 0) {
		snprintf(err, errlen, "%s: cannot index the policy: %s", dir, strerror(-r));
		sg_policy_free(p);
	}
	return r;
}
