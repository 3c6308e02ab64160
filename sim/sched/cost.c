/*
 * cost.c -- the default cost table (see cost.h and the README).
 */
#include <string.h>

#include "sim/sched/cost.h"

const struct sim_cost_entry sim_cost_table[SIM_NCOSTS] = {
#define SIM_COST_ROW_(name, def, doc) { #name, def, doc },
	SIM_COST_LIST(SIM_COST_ROW_)
#undef SIM_COST_ROW_
};

void
sim_cost_defaults(struct sim_cost *c)
{
	memset(c, 0, sizeof(*c));
	for (int i = 0; i < SIM_NCOSTS; i++)
		c->ns[i] = sim_cost_table[i].def_ns;
}
