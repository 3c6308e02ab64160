/*
 * sdt.h -- statically defined tracing probes (NetBSD's sdt(9), simplified).
 *
 *	SDT_PROBE2(ip, input, m, len);
 *
 * fires probe ip:input with two arguments.  The stack never charges time
 * itself; it fires probes, as a real kernel would, and the simulated
 * machine charges the cost the scenario's cost table attaches to the probe
 * (a fixed cost plus a cost per unit of the first argument, e.g. per byte
 * for cksum:bytes) and hands the probe to any tracer (per-packet records).
 * Firing a probe is a scheduling point.
 *
 * Probes are declared once, in sdt_probes.h.
 */
#ifndef _STACK_SYS_SDT_H_
#define _STACK_SYS_SDT_H_

#include <sys/kern.h>
#include <sys/sdt_probes.h>

#define SDT_ID(prov, name)      SDT_PROBE_ID_##prov##_##name

enum sdt_probe_id {
#define SDT_ENUM_(prov, name, doc) SDT_ID(prov, name),
	SDT_PROBE_LIST(SDT_ENUM_)
#undef SDT_ENUM_
	SDT_NPROBES
};

/* provider:name of each probe, indexed by id (a constant table). */
extern const char *const sdt_probe_provider[SDT_NPROBES];
extern const char *const sdt_probe_name[SDT_NPROBES];
extern const char *const sdt_probe_doc[SDT_NPROBES];

void	kern_sdt_fire(enum sdt_probe_id, uintptr_t a0, uintptr_t a1,
	    uintptr_t a2, uintptr_t a3);

#define SDT_PROBE4(prov, name, a0, a1, a2, a3)                           \
	kern_sdt_fire(SDT_ID(prov, name), (uintptr_t)(a0), (uintptr_t)(a1), \
	    (uintptr_t)(a2), (uintptr_t)(a3))
#define SDT_PROBE0(prov, name)          SDT_PROBE4(prov, name, 0, 0, 0, 0)
#define SDT_PROBE1(prov, name, a0)      SDT_PROBE4(prov, name, a0, 0, 0, 0)
#define SDT_PROBE2(prov, name, a0, a1)  SDT_PROBE4(prov, name, a0, a1, 0, 0)
#define SDT_PROBE3(prov, name, a0, a1, a2) \
	SDT_PROBE4(prov, name, a0, a1, a2, 0)

#endif /* _STACK_SYS_SDT_H_ */
