/* test_oom.c: every allocation failure while building and running a system
 * returns NMSIM_ENOMEM and leaks nothing (AddressSanitizer checks the leaks). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim/system/run_int.h"
#include "tests_util.h"

static long budget;  /* allocations left before failing; < 0: never fail */
static void *fail_malloc(size_t n) { return budget-- == 0 ? NULL : malloc(n); }
static void *fail_calloc(size_t a, size_t b) { return budget-- == 0 ? NULL : calloc(a, b); }
static void *fail_realloc(void *p, size_t n) { return budget-- == 0 ? NULL : realloc(p, n); }
static const nm_allocator failing = {fail_malloc, fail_realloc, fail_calloc, free};

/* Fail the Nth allocation for N = 0, 1, 2, ... of loading, mapping and running
 * a small network until the run succeeds: each failure is NMSIM_ENOMEM (or a
 * message naming the lack of memory) and nothing is left allocated. */
static void every_failure_point(const char *mode) {
  char text[1024];
  snprintf(text, sizeof text,
           "name: oom\nseed: 3\nchip: test\nsteps: 5\nengine: {mode: %s}\n"
           "populations:\n"
           "  src: {size: 20, model: poisson, params: {rate: 200 Hz}}\n"
           "  dst: {size: 20, model: lif}\n"
           "  pool: {size: 5, model: lif}\n"
           "projections:\n"
           "  - {from: src, to: dst, connector: {fixed_probability: 0.5}, weight: 0.5}\n"
           "  - {from: src, to: pool, connector: {pool2d: {in: [5, 2, 2], kernel: 2}}, "
           "weight: 0.5}\n"
           "record: {spikes: all, state: {dst: {vars: [v], neurons: [0, 1]}}}\n",
           mode);
  const char *h5 = tu_tmp("oom", ".h5");
  bool ok = false;
  long n;
  for (n = 0; n < 100000 && !ok; n++) {
    nmsim_set_allocator(&failing);
    budget = n;
    nmsim_scenario *scn = NULL;
    nmsim_err err = {0};
    nmsim_status rc = nmsim_scenario_load_string("oom.yaml", text, NULL, 0, &scn, &err);
    run_summary sum;
    if (rc == NMSIM_OK) {
      run_opts o = {.h5_path = h5};
      rc = run_scenario(scn, &o, &sum, &err);
      if (rc == NMSIM_OK) {
        run_summary_clear(&sum);
        ok = true;
      }
    }
    nmsim_scenario_destroy(scn);
    nmsim_set_allocator(NULL);
    if (!ok)
      cr_assert(rc == NMSIM_ENOMEM || rc == NMSIM_EHDF5 || rc == NMSIM_EIO,
                "failing allocation %ld: status %s (%s)", n, nmsim_status_name(rc), err.msg);
  }
  cr_assert(ok, "the run never succeeded");
  cr_assert_eq(tu_leaks(), 0, "LeakSanitizer found leaks (see stderr)");
  cr_assert_gt(n, 20, "expected many allocation points, saw %ld", n);
  remove(h5);
}

Test(oom, build_and_run_every_failure_point, .timeout = 300) { every_failure_point("timed"); }

/* Network mode builds its rows in its own way (sim/system/netmode.c). */
Test(oom, network_every_failure_point, .timeout = 300) { every_failure_point("network"); }
