/* test_guard.c: reading untrusted files in a child first (sim/base/guard.c):
 * a read that hangs, crashes or fails is reported and the caller goes on; a
 * read that succeeds runs again in the caller. End to end: run files damaged
 * so that libhdf5 1.10 loops forever or overflows a buffer on them are
 * reported as damaged by `nmsim report`, with exit status 2. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "sim/base/guard.h"
#include "tests_util.h"

static int calls; /* reads run in this process */

static nmsim_status read_ok(void *ctx, nmsim_err *err) {
  (void)err;
  calls++;
  *(int *)ctx = 42;
  return NMSIM_OK;
}
static nmsim_status read_bad(void *ctx, nmsim_err *err) {
  (void)ctx;
  calls++;
  return NMSIM_ERR(err, NMSIM_EINPUT, "f.h5: field x: expected a number");
}
static nmsim_status read_hangs(void *ctx, nmsim_err *err) {
  (void)ctx, (void)err;
  calls++;
  while (calls > 0) pause();
  return NMSIM_OK;
}
static nmsim_status read_crashes(void *ctx, nmsim_err *err) {
  (void)ctx, (void)err;
  calls++;
  if (calls > 0) abort(); /* a crash (a sanitizer turns SIGSEGV into an exit status) */
  return NMSIM_OK;
}

Test(guard, ok_runs_again_here) {
  int v = 0;
  nmsim_err err = {0};
  cr_assert_eq(nm_guarded_read("f.h5", "the file", read_ok, &v, &err), NMSIM_OK, "%s", err.msg);
  cr_assert_eq(v, 42, "the caller's read did not run");
  cr_assert_eq(calls, 1, "reads here: %d (the child's read is the child's)", calls);
}

Test(guard, error_comes_back_as_is) {
  nmsim_err err = {0};
  cr_assert_eq(nm_guarded_read("f.h5", "the file", read_bad, NULL, &err), NMSIM_EINPUT);
  cr_assert_str_eq(err.msg, "f.h5: field x: expected a number");
  cr_assert_eq(calls, 0, "a read that failed in the child ran here too");
}

Test(guard, hang_is_stopped) {
  setenv("NMSIM_READ_TIMEOUT", "0.5", 1);
  nmsim_err err = {0};
  cr_assert_eq(nm_guarded_read("f.h5", "the file", read_hangs, NULL, &err), NMSIM_EFORMAT);
  cr_assert(strstr(err.msg, "f.h5: reading the file did not finish in 0.5 s: the file is "
                            "damaged"),
            "%s", err.msg);
  cr_assert_eq(calls, 0);
}

Test(guard, crash_is_reported) {
  nmsim_err err = {0};
  cr_assert_eq(nm_guarded_read("f.h5", "the file", read_crashes, NULL, &err), NMSIM_EFORMAT);
  cr_assert(strstr(err.msg, "f.h5: reading the file crashed (Aborted)") &&
                strstr(err.msg, "the file is damaged"),
            "%s", err.msg);
  cr_assert_eq(calls, 0);
}

Test(guard, off_reads_here_only) {
  nm_guard_off(true);
  nmsim_err err = {0};
  cr_assert_eq(nm_guarded_read("f.h5", "the file", read_bad, NULL, &err), NMSIM_EINPUT);
  nm_guard_off(false);
  cr_assert_eq(calls, 1, "with the guard off the read runs here");
}

/* tests/data/damaged/NAME.gz unpacked to a temporary file. */
static const char *unpack(const char *name) {
  char src[1024];
  snprintf(src, sizeof src, "%s/tests/data/damaged/%s.gz", NMSIM_SOURCE_DIR, name);
  const char *dst = tu_tmp("damaged", ".h5");
  gzFile in = gzopen(src, "rb");
  FILE *out = fopen(dst, "wb");
  cr_assert(in && out, "cannot open %s or %s", src, dst);
  char buf[8192];
  int n;
  while ((n = gzread(in, buf, sizeof buf)) > 0) fwrite(buf, 1, (size_t)n, out);
  gzclose(in);
  cr_assert_eq(fclose(out), 0);
  return dst;
}

static void report_says_damaged(const char *name) {
  char path[512], cmd[2048], *out = NULL, *err = NULL;
  snprintf(path, sizeof path, "%s", unpack(name));
  snprintf(cmd, sizeof cmd, "NMSIM_READ_TIMEOUT=5 %s report %s", NMSIM_BINARY, path);
  int rc = tu_run(cmd, &out, &err);
  cr_assert(rc == 2 && strstr(err, path) && strstr(err, "damaged") && !strstr(err, "internal error"),
            "%s: exit %d, stderr %s", name, rc, err);
  cr_assert_str_eq(out, "", "a damaged file printed a report");
  free(out);
  free(err);
  remove(path);
}

/* libhdf5 loops forever reading its global heap for a string attribute */
Test(guard_e2e, damaged_run_file_that_hangs_libhdf5, .timeout = 60) {
  report_says_damaged("runfile_hdf5_hang.h5");
}

/* libhdf5 reads past a buffer in H5Aexists on a damaged object header */
Test(guard_e2e, damaged_run_file_that_overflows_in_libhdf5, .timeout = 60) {
  report_says_damaged("runfile_hdf5_overflow.h5");
}
