/* utilisation.c: how full each core is against the chip's limits (neurons,
 * synapse memory, fan-in, fan-out), for the report and the run file's
 * /cores/utilisation. */
#include <hdf5.h>

#include "sim/system/build.h"
#include "sim/system/utilisation.h"

void sys_core_utilisation(const sys *s, const sys_core *c, double u[4]) {
  const nmsim_chip *ch = s->chip;
  u[0] = ch->max_neurons ? (double)c->n_neurons / ch->max_neurons : 0.0;
  u[1] = ch->synapse_memory_bytes
             ? (double)c->n_syn * ch->synapse_bytes / (double)ch->synapse_memory_bytes
             : 0.0;
  u[2] = ch->max_fan_in ? (double)c->n_axons / ch->max_fan_in : 0.0;
  u[3] = ch->max_fan_out ? (double)c->n_out / ch->max_fan_out : 0.0;
}

nmsim_status run_write_utilisation(int64_t file, const char *path, const sys *s,
                                   nmsim_err *err) {
  size_t n = s->n_cores;
  double *u = nm_malloc(sizeof(double) * 4 * (n ? n : 1));
  if (!u) return NMSIM_ENOMEM_ERR(err);
  for (uint32_t c = 0; c < n; c++) sys_core_utilisation(s, &s->cores[c], u + 4 * (size_t)c);
  hid_t f = (hid_t)file;
  hid_t g = H5Lexists(f, "/cores", H5P_DEFAULT) > 0
                ? H5Gopen2(f, "/cores", H5P_DEFAULT)
                : H5Gcreate2(f, "/cores", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  hsize_t dims[2] = {n, 4};
  hid_t sp = H5Screate_simple(2, dims, NULL);
  hid_t d = g >= 0 && sp >= 0 ? H5Dcreate2(g, "utilisation", H5T_NATIVE_DOUBLE, sp, H5P_DEFAULT,
                                           H5P_DEFAULT, H5P_DEFAULT)
                              : H5I_INVALID_HID;
  bool ok = d >= 0 && (!n || H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, u) >= 0);
  if (ok) {
    /* columns and unit, as the other per-core tables carry them */
    const char *cols[4] = {"neurons", "synapse_memory", "fan_in", "fan_out"};
    hid_t st = H5Tcopy(H5T_C_S1), as = H5Screate_simple(1, (hsize_t[]){4}, NULL);
    H5Tset_size(st, H5T_VARIABLE);
    H5Tset_cset(st, H5T_CSET_UTF8);
    hid_t a = H5Acreate2(d, "columns", st, as, H5P_DEFAULT, H5P_DEFAULT);
    ok = a >= 0 && H5Awrite(a, st, cols) >= 0;
    if (a >= 0) H5Aclose(a);
    H5Sclose(as);
    hid_t s1 = H5Screate(H5S_SCALAR);
    const char *unit = "fraction of the chip's per-core limit";
    a = H5Acreate2(d, "unit", st, s1, H5P_DEFAULT, H5P_DEFAULT);
    ok = ok && a >= 0 && H5Awrite(a, st, &unit) >= 0;
    if (a >= 0) H5Aclose(a);
    H5Sclose(s1);
    H5Tclose(st);
  }
  if (d >= 0) H5Dclose(d);
  if (sp >= 0) H5Sclose(sp);
  if (g >= 0) H5Gclose(g);
  nm_free(u);
  return ok ? NMSIM_OK : NMSIM_ERR(err, NMSIM_EHDF5, "%s: cannot write /cores/utilisation", path);
}
