/*
 * zz_temp_stubs.c -- TEMPORARY: link-time stand-ins for the kernel
 * services the lead is writing on main, so that test programs linking
 * lib.a (and through it stack/apps/) build on the h/scenario branch.
 *
 * Every function aborts: nothing on this branch runs a program.  This
 * file is committed alone, in a commit marked "TEMP:", and is dropped
 * when the branch is merged.
 */
#include <stdio.h>
#include <stdlib.h>

#include <sys/kern.h>
#include <sys/condvar.h>
#include <sys/evcnt.h>
#include <sys/kmem.h>
#include <sys/kthread.h>
#include <sys/mutex.h>
#include <sys/atomic.h>
#include <sys/sdt.h>

static void __noreturn
zz_stub(const char *fn)
{
	fprintf(stderr, "netsim: %s is a temporary stub\n", fn);
	abort();
}

void kern_assert_fail(const char *e, const char *f, int l)
{ (void)e; (void)f; (void)l; zz_stub(__func__); }
void kern_panic(const char *f, int l, const char *fmt, ...)
{ (void)f; (void)l; (void)fmt; zz_stub(__func__); }
u_int kern_ncpu(void) { zz_stub(__func__); }
struct cpu_info *cpu_lookup(u_int i) { (void)i; zz_stub(__func__); }
uint64_t getnanouptime(void) { zz_stub(__func__); }
void kern_printf(const char *fmt, ...) { (void)fmt; zz_stub(__func__); }
void kern_mem_point(const volatile void *p, enum kern_mem_op op)
{ (void)p; (void)op; zz_stub(__func__); }
void kern_sdt_fire(enum sdt_probe_id id, uintptr_t a0, uintptr_t a1,
    uintptr_t a2, uintptr_t a3)
{ (void)id; (void)a0; (void)a1; (void)a2; (void)a3; zz_stub(__func__); }
void kern_mutex_init(kmutex_t *m, kmutex_type_t t, int ipl, const char *f,
    int l)
{ (void)m; (void)t; (void)ipl; (void)f; (void)l; zz_stub(__func__); }
void kern_mutex_enter(kmutex_t *m, const char *f, int l)
{ (void)m; (void)f; (void)l; zz_stub(__func__); }
void mutex_exit(kmutex_t *m) { (void)m; zz_stub(__func__); }
void mutex_destroy(kmutex_t *m) { (void)m; zz_stub(__func__); }
void cv_init(kcondvar_t *cv, const char *w)
{ (void)cv; (void)w; zz_stub(__func__); }
void cv_destroy(kcondvar_t *cv) { (void)cv; zz_stub(__func__); }
void cv_signal(kcondvar_t *cv) { (void)cv; zz_stub(__func__); }
void kern_cv_wait(kcondvar_t *cv, kmutex_t *m, const char *f, int l)
{ (void)cv; (void)m; (void)f; (void)l; zz_stub(__func__); }
void evcnt_attach_dynamic(struct evcnt *ev, int type,
    const struct evcnt *parent, const char *g, const char *n)
{ (void)ev; (void)type; (void)parent; (void)g; (void)n; zz_stub(__func__); }
void evcnt_detach(struct evcnt *ev) { (void)ev; zz_stub(__func__); }
void *kmem_zalloc(size_t sz, km_flag_t fl)
{ (void)sz; (void)fl; zz_stub(__func__); }
void kmem_free(void *p, size_t sz) { (void)p; (void)sz; zz_stub(__func__); }
int kthread_create(pri_t pri, int fl, struct cpu_info *ci,
    void (*func)(void *), void *arg, lwp_t **lp, const char *fmt, ...)
{ (void)pri; (void)fl; (void)ci; (void)func; (void)arg; (void)lp;
  (void)fmt; zz_stub(__func__); }
int kthread_join(lwp_t *l) { (void)l; zz_stub(__func__); }
