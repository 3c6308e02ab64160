/*
 * apps.h -- the table of simulated programs a scenario can run.
 *
 * A program is a function that runs in an LWP of a host and talks to the
 * machine through stack/sys/ only.  Each describes its parameters in a
 * constant table; the scenario loader checks a workload entry against it
 * (unknown keys, types, ranges, units) and hands the program the values in
 * declaration order.  Adding a program: write it in stack/apps/, describe
 * it here, add it to app_table in apps.c.
 */
#ifndef _STACK_APPS_APPS_H_
#define _STACK_APPS_APPS_H_

#include <sys/kern.h>

enum app_param_type {
	APP_INT,        /* a JSON integer */
	APP_BOOL,       /* true / false (0 / 1) */
	APP_DURATION,   /* "250us" or integer nanoseconds; value in ns */
	APP_SIZE,       /* "1500B", "64KiB" or integer bytes; value in bytes */
	APP_RATE_BPS,   /* "10Gbit" or integer bits/s; value in bit/s */
	APP_RATE_PPS,   /* "100kpps" or integer packets/s; value in pkt/s */
	APP_ENUM,       /* one of choices[]; value is the index */
};

struct app_param {
	const char *name;
	enum app_param_type type;
	int64_t def;                    /* value when the key is absent */
	int64_t min, max;               /* inclusive range (not for APP_ENUM) */
	const char *const *choices;     /* APP_ENUM: NULL-terminated */
	const char *doc;
};

#define APP_PARAMS_MAX 16

/* What a program receives: its parameters, in app_param order. */
struct app_args {
	const struct app_desc *desc;
	u_int instance;                 /* 0, 1, ... among the same program */
	/*
	 * The program's flow: its place in the scenario's workload, from 1.
	 * Packets it originates carry ids flow << 32 | n (n from 1), which
	 * is how per-packet records tie a packet to its sender.
	 */
	uint32_t flow;
	const char *brane;              /* its process's brane; NULL: default */
	int64_t v[APP_PARAMS_MAX];
};

struct app_desc {
	const char *name;
	const char *doc;
	const struct app_param *params;
	u_int nparams;
	void (*main)(void *app_args);   /* runs in its own LWP */
};

/* Every program, NULL-terminated, in a fixed order. */
extern const struct app_desc *const app_table[];

const struct app_desc *app_lookup(const char *name);

/*
 * Run a program (the function the machine starts each program's LWP
 * with): make it a process in its brane (args->brane, or the host's
 * default), named after the program, then call its main.
 * => the brane exists (the scenario loader checked it)
 */
void	app_run(void *app_args);

#endif /* _STACK_APPS_APPS_H_ */
