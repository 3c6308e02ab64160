/*
 * kern_sdt.c -- the names of the stack's static probes.
 *
 * Constant tables generated from sdt_probes.h, read by the machine (cost
 * table, tracing) and by the scenario loader.  Nothing here is writable.
 */
#include <sys/sdt.h>

#define SDT_PROV_(prov, name, doc)      #prov,
#define SDT_NAME_(prov, name, doc)      #name,
#define SDT_DOC_(prov, name, doc)       doc,
const char *const sdt_probe_provider[SDT_NPROBES] = {
	SDT_PROBE_LIST(SDT_PROV_)
};
const char *const sdt_probe_name[SDT_NPROBES] = {
	SDT_PROBE_LIST(SDT_NAME_)
};
const char *const sdt_probe_doc[SDT_NPROBES] = {
	SDT_PROBE_LIST(SDT_DOC_)
};
