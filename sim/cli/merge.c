/*
 * merge.c -- netsim merge OUT.db IN.db...: one database from many, such
 * as the chunks of an exploration run by GNU parallel or a job array.
 * The work is the recorder's (sim_record_merge, sim/record/merge.c); this
 * is the command line and the sentence that says what was done.
 */
#include <stdio.h>
#include <string.h>

#include "sim/cli/args.h"
#include "sim/cli/cmd.h"
#include "sim/record/record.h"
#include "sim/sched/machine.h"

int
sim_cmd_merge(int argc, char **argv)
{
	struct sim_merge_stats st;
	char err[2048];

	for (int i = 0; i < argc; i++)
		if (argv[i][0] == '-' && argv[i][1] != '\0')
			return sim_cli_usage("merge takes no options, got "
			    "\"%s\"", argv[i]);
	if (argc < 2)
		return sim_cli_usage("merge needs OUT.db and at least one "
		    "IN.db");
	if (sim_record_merge(argv[0], (const char *const *)argv + 1, argc - 1,
	    &st, err, sizeof(err)) != 0) {
		fprintf(stderr, "netsim: %s\n", err);
		return SIM_EXIT_USAGE;
	}
	printf("merged %d database%s into %s: %llu run%s added (%llu under a "
	    "new id), %llu already there, %llu rows copied\n", argc - 1,
	    argc == 2 ? "" : "s", argv[0], (unsigned long long)st.added,
	    st.added == 1 ? "" : "s", (unsigned long long)st.renumbered,
	    (unsigned long long)st.duplicates, (unsigned long long)st.rows);
	return 0;
}
