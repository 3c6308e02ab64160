/*
 * apps.c -- the table of simulated programs (constant), and app_run, the
 * trampoline that makes each program a process of its brane.
 */
#include <string.h>

#include <sys/kern.h>
#include <sys/proc.h>

#include <net/brane.h>

#include "apps.h"

extern const struct app_desc app_counter_desc;
extern const struct app_desc app_pingpong_desc;
extern const struct app_desc app_abba_desc;
extern const struct app_desc app_selftest_desc;

const struct app_desc *const app_table[] = {
	&app_counter_desc,
	&app_pingpong_desc,
	&app_abba_desc,
	&app_selftest_desc,
	NULL,
};

const struct app_desc *
app_lookup(const char *name)
{
	for (u_int i = 0; app_table[i] != NULL; i++)
		if (strcmp(app_table[i]->name, name) == 0)
			return app_table[i];
	return NULL;
}

void
app_run(void *argp)
{
	const struct app_args *args = argp;
	struct brane *br = args->brane != NULL && args->brane[0] != '\0' ?
	    brane_lookup(args->brane) : brane_default();

	KASSERTMSG(br != NULL, "%s: no brane %s on this host", args->desc->name,
	    args->brane);
	proc_adopt(proc_create(args->desc->name, br));
	(*args->desc->main)(argp);
}
