/*
 * apps.c -- the table of simulated programs (constant).
 */
#include <string.h>

#include "apps.h"

extern const struct app_desc app_counter_desc;
extern const struct app_desc app_pingpong_desc;
extern const struct app_desc app_abba_desc;
extern const struct app_desc app_selftest_desc;
extern const struct app_desc app_rawtx_desc;

const struct app_desc *const app_table[] = {
	&app_counter_desc,
	&app_pingpong_desc,
	&app_abba_desc,
	&app_selftest_desc,
	&app_rawtx_desc,
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
