/* test_oom.c: every allocation failure while building and running a system
 * returns NMSIM_ENOMEM and leaks nothing (AddressSanitizer checks the leaks). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* A request over a size cap fails, as on a machine without that memory. */
static size_t cap_bytes;
static void *cap_malloc(size_t n) { return n > cap_bytes ? NULL : malloc(n); }
static void *cap_calloc(size_t a, size_t b) {
  return (double)a * (double)b > (double)cap_bytes ? NULL : calloc(a, b);
}
static void *cap_realloc(void *p, size_t n) { return n > cap_bytes ? NULL : realloc(p, n); }
static const nm_allocator capped = {cap_malloc, cap_realloc, cap_calloc, free};

/* Out of memory says what was being built, for which population, and the
 * size of the request that failed. */
Test(oom, message_names_population_and_size, .timeout = 300) {
  const char *text = "name: big\nchip: test\nsteps: 2\nengine: {mode: network}\n"
                     "populations:\n"
                     "  tiny: {size: 3, model: lif}\n"
                     "  huge: {size: 50000000, model: lif}\n";
  nmsim_scenario *scn = NULL;
  nmsim_err err = {0};
  cr_assert_eq(nmsim_scenario_load_string("big.yaml", text, NULL, 0, &scn, &err), NMSIM_OK,
               "%s", err.msg);
  cap_bytes = 64u << 20; /* 50e6 neurons need 200 MB for one 4-byte array */
  nmsim_set_allocator(&capped);
  run_summary sum;
  run_opts o = {.h5_path = NULL};
  nmsim_status rc = run_scenario(scn, &o, &sum, &err);
  nmsim_set_allocator(NULL);
  nmsim_scenario_destroy(scn);
  cr_assert_eq(rc, NMSIM_ENOMEM, "status %s: %s", nmsim_status_name(rc), err.msg);
  cr_assert(strstr(err.msg, ": building the network for 50000003 neurons in 2 "
                            "populations (the largest, 'huge', has 50000000)"),
            "%s", err.msg);
  cr_assert(strstr(err.msg, "out of memory: a request for ") && strstr(err.msg, " MiB failed"),
            "%s", err.msg);
}
