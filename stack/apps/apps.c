/*
 * apps.c -- the table of simulated programs (constant), and what the
 * network programs share.
 */
#include <sys/kern.h>
#include <sys/proc.h>

#include <string.h>

#include <net/brane.h>

#include "apps.h"

extern const struct app_desc app_counter_desc;
extern const struct app_desc app_pingpong_desc;
extern const struct app_desc app_abba_desc;
extern const struct app_desc app_selftest_desc;
extern const struct app_desc app_ping_desc;
extern const struct app_desc app_udp_echo_desc;
extern const struct app_desc app_udp_send_desc;

const struct app_desc *const app_table[] = {
	&app_counter_desc,
	&app_pingpong_desc,
	&app_abba_desc,
	&app_selftest_desc,
	&app_ping_desc,
	&app_udp_echo_desc,
	&app_udp_send_desc,
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

struct proc *
app_proc(const struct app_args *a, struct proc *p)
{
	struct proc *cur = curproc();
	size_t n;

	if (cur != NULL)
		return cur;
	KASSERT(p != NULL);
	memset(p, 0, sizeof(*p));
	n = MIN(strlen(a->desc->name), sizeof(p->p_comm) - 1);
	memcpy(p->p_comm, a->desc->name, n);
	p->p_brane = brane_default();
	KASSERTMSG(p->p_brane != NULL, "%s: the host has no network",
	    a->desc->name);
	proc_adopt(p);
	return p;
}

void
app_group(char *buf, size_t size, const char *name, u_int instance)
{
	size_t n = MIN(strlen(name), size - 1);
	char digits[10];
	size_t d = 0;

	KASSERT(size > 0);
	memcpy(buf, name, n);
	for (u_int i = instance; i > 0 && d < sizeof(digits); i /= 10)
		digits[d++] = (char)('0' + i % 10);
	while (d > 0 && n < size - 1)
		buf[n++] = digits[--d];
	buf[n] = '\0';
}

const char *
app_inaddr_str(uint32_t a, char buf[16])
{
	size_t n = 0;

	for (int shift = 24; shift >= 0; shift -= 8) {
		u_int octet = (a >> shift) & 0xff;
		char d[3];
		int nd = 0;

		do {
			d[nd++] = (char)('0' + octet % 10);
			octet /= 10;
		} while (octet > 0);
		while (nd > 0)
			buf[n++] = d[--nd];
		if (shift > 0)
			buf[n++] = '.';
	}
	buf[n] = '\0';
	return buf;
}
