/*
 * pcq_mutant.h -- subr_pcq.c compiled again as its CAS-less mutant.
 *
 * A checker is worth something only if it catches the bug it is for.
 * The programs that show it (tests/c/test_lockless_sim.c, test_race.c,
 * the race catalogue's stack/apps/pcq_stress.c) each include this once:
 * it compiles a copy of subr_pcq.c with its test seam PCQ_MUTANT_NO_CAS
 * -- the producers reserve a slot with a plain load and store instead of
 * the CAS -- under other names, beside the real pcq the file may use.
 *
 * Before including it, define
 *	PCQ_MUTANT(name)	the copy's name for pcq_<name>, e.g.
 *				mutant_pcq_##name
 *	PCQ_MUTANT_STATIC	static (the copy private to the file) or
 *				nothing
 * => the copy's create, destroy, put, get, peek and maxitems, declared
 *    here and defined by the included subr_pcq.c; nothing else of it
 *    leaks (the seam and the renames are undefined after)
 */
#if !defined(PCQ_MUTANT) || !defined(PCQ_MUTANT_STATIC)
#error "define PCQ_MUTANT(name) and PCQ_MUTANT_STATIC before pcq_mutant.h"
#endif

#include <kern/pcq.h>

PCQ_MUTANT_STATIC pcq_t *PCQ_MUTANT(create)(size_t, km_flag_t)
    __attribute__((__unused__));
PCQ_MUTANT_STATIC void PCQ_MUTANT(destroy)(pcq_t *)
    __attribute__((__unused__));
PCQ_MUTANT_STATIC bool PCQ_MUTANT(put)(pcq_t *, void *)
    __attribute__((__unused__));
PCQ_MUTANT_STATIC void *PCQ_MUTANT(get)(pcq_t *)
    __attribute__((__unused__));
PCQ_MUTANT_STATIC void *PCQ_MUTANT(peek)(pcq_t *)
    __attribute__((__unused__));
PCQ_MUTANT_STATIC size_t PCQ_MUTANT(maxitems)(pcq_t *)
    __attribute__((__unused__));

#define PCQ_TEST_BUILD          1
#define PCQ_MUTANT_NO_CAS       1
#define pcq_create              PCQ_MUTANT(create)
#define pcq_destroy             PCQ_MUTANT(destroy)
#define pcq_put                 PCQ_MUTANT(put)
#define pcq_get                 PCQ_MUTANT(get)
#define pcq_peek                PCQ_MUTANT(peek)
#define pcq_maxitems            PCQ_MUTANT(maxitems)
#include <kern/subr_pcq.c>
#undef pcq_create
#undef pcq_destroy
#undef pcq_put
#undef pcq_get
#undef pcq_peek
#undef pcq_maxitems
#undef PCQ_MUTANT_NO_CAS
#undef PCQ_TEST_BUILD
