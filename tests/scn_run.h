/* scn_run.h: test helpers that load a scenario file, run it through the
 * library (nmsim_scenario_load + run_scenario) into an HDF5 run file, and read
 * datasets of that file back. */
#ifndef NMSIM_TESTS_SCN_RUN_H
#define NMSIM_TESTS_SCN_RUN_H

#include <criterion/criterion.h>
#include <hdf5.h>
#include <stdlib.h>

#include "nmsim/scenario.h"
#include "sim/system/run_int.h"
#include "tests_util.h"

/* Load `path` with n_ov overrides (fails the test on error) and run it into a
 * fresh run file, whose path is returned (a tu_tmp slot); *scn_out gets the
 * scenario (destroy it). */
static inline const char *sr_run_with(const char *path, const nmsim_override *ov, size_t n_ov,
                                      const char *tag, nmsim_scenario **scn_out) {
  nmsim_scenario *s = NULL;
  nmsim_err err = {0};
  nmsim_status rc = nmsim_scenario_load(path, ov, n_ov, &s, &err);
  cr_assert_eq(rc, NMSIM_OK, "load %s: %s", path, err.msg);
  const char *h5 = tu_tmp(tag, ".h5");
  run_opts o = {.h5_path = h5};
  run_summary sum = {0};
  rc = run_scenario(s, &o, &sum, &err);
  cr_assert_eq(rc, NMSIM_OK, "run %s: %s", path, err.msg);
  run_summary_clear(&sum);
  *scn_out = s;
  return h5;
}

static inline const char *sr_run(const char *path, const char *tag, nmsim_scenario **scn_out) {
  return sr_run_with(path, NULL, 0, tag, scn_out);
}

/* All elements of dataset `name` of file h5, converted to `type`
 * (H5T_NATIVE_DOUBLE or H5T_NATIVE_UINT64); malloc'd, count in *n. */
static inline void *sr_read(const char *h5, const char *name, hid_t type, size_t *n) {
  hid_t f = H5Fopen(h5, H5F_ACC_RDONLY, H5P_DEFAULT);
  cr_assert(f >= 0, "open %s", h5);
  hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
  cr_assert(d >= 0, "%s: no dataset %s", h5, name);
  hid_t sp = H5Dget_space(d);
  hssize_t np = H5Sget_simple_extent_npoints(sp);
  cr_assert(np >= 0, "%s: extent", name);
  *n = (size_t)np;
  void *buf = malloc((*n ? *n : 1) * 8);
  cr_assert(*n == 0 || H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0, "read %s",
            name);
  H5Sclose(sp);
  H5Dclose(d);
  H5Fclose(f);
  return buf;
}

#endif
