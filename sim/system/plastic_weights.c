/* plastic_weights.c: the weights of plastic projections at the end of a run, into
 * the run file: /projections/<k>/{pre, post, weight} (one row per synapse of
 * projection k, in core and row order; weight in the target's input unit). */
#include <hdf5.h>
#include <stdio.h>

#include "sim/system/build.h"
#include "sim/system/plastic_weights.h"

/* Write a 1-D dataset of n elements (deflate-compressed, chunked). */
static herr_t put(hid_t g, const char *name, hid_t type, const void *data, size_t n,
                  const char *unit) {
  hsize_t dims = n, chunk = n ? (n < 65536 ? n : 65536) : 1;
  hid_t sp = H5Screate_simple(1, &dims, NULL), pl = H5Pcreate(H5P_DATASET_CREATE);
  herr_t rc = sp < 0 || pl < 0 ? -1 : 0;
  if (rc == 0 && n) rc = H5Pset_chunk(pl, 1, &chunk) < 0 || H5Pset_deflate(pl, 4) < 0 ? -1 : 0;
  hid_t d = rc == 0 ? H5Dcreate2(g, name, type, sp, H5P_DEFAULT, pl, H5P_DEFAULT) : -1;
  if (d < 0) rc = -1;
  if (rc == 0 && n && H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) rc = -1;
  if (rc == 0 && unit) {
    hid_t st = H5Tcopy(H5T_C_S1), as = H5Screate(H5S_SCALAR);
    H5Tset_size(st, H5T_VARIABLE);
    H5Tset_cset(st, H5T_CSET_UTF8);
    hid_t a = H5Acreate2(d, "unit", st, as, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0 || H5Awrite(a, st, &unit) < 0) rc = -1;
    if (a >= 0) H5Aclose(a);
    H5Sclose(as);
    H5Tclose(st);
  }
  if (d >= 0) H5Dclose(d);
  if (pl >= 0) H5Pclose(pl);
  if (sp >= 0) H5Sclose(sp);
  return rc;
}

nmsim_status run_write_weights(int64_t file, const char *path, const sys *s, nmsim_err *err) {
  const nmsim_scenario *scn = s->scn;
  if (!scn->rec_weights || !s->plast) return NMSIM_OK;
  nmsim_status rc = NMSIM_OK;
  hid_t f = (hid_t)file;
  hid_t top = H5Lexists(f, "/projections", H5P_DEFAULT) > 0
                  ? H5Gopen2(f, "/projections", H5P_DEFAULT)
                  : H5Gcreate2(f, "/projections", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  for (size_t k = 0; k < scn->n_projs && rc == NMSIM_OK && top >= 0; k++) {
    if (!scn->rec_weights[k]) continue;
    const scn_projection *pr = &scn->projs[k];
    size_t n = 0;
    for (uint32_t c = 0; c < s->n_cores; c++)
      for (size_t q = 0; s->cores[c].syn_proj && q < s->cores[c].n_syn; q++)
        n += s->cores[c].syn_proj[q] == k + 1;
    uint32_t *pre = nm_malloc(sizeof(uint32_t) * (n ? n : 1));
    uint32_t *post = nm_malloc(sizeof(uint32_t) * (n ? n : 1));
    double *w = nm_malloc(sizeof(double) * (n ? n : 1));
    if (!pre || !post || !w) rc = NMSIM_ENOMEM_ERR(err);
    size_t at = 0;
    for (uint32_t c = 0; rc == NMSIM_OK && c < s->n_cores; c++) {
      const sys_core *core = &s->cores[c];
      if (!core->syn_proj) continue;
      for (uint32_t a = 0; a < core->n_axons; a++)
        for (uint32_t q = core->row[a]; q < core->row[a + 1]; q++) {
          if (core->syn_proj[q] != k + 1) continue;
          const sys_block *b = &core->blocks[core->block_of[core->syn[q].tgt]];
          pre[at] = core->axon_src[a] - s->pop_gid0[pr->pre];
          post[at] = b->first + (core->syn[q].tgt - b->local0);
          w[at++] = core->wf[q];
        }
    }
    char name[32];
    snprintf(name, sizeof name, "%zu", k);
    hid_t g = rc == NMSIM_OK ? H5Gcreate2(top, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT) : -1;
    const char *unit = scn->pops[pr->post].model->input_unit;
    if (rc == NMSIM_OK &&
        (g < 0 || put(g, "pre", H5T_NATIVE_UINT32, pre, n, NULL) < 0 ||
         put(g, "post", H5T_NATIVE_UINT32, post, n, NULL) < 0 ||
         put(g, "weight", H5T_NATIVE_DOUBLE, w, n, unit ? unit : "") < 0))
      rc = NMSIM_ERR(err, NMSIM_EHDF5, "%s: cannot write /projections/%zu", path, k);
    if (g >= 0) H5Gclose(g);
    nm_free(pre);
    nm_free(post);
    nm_free(w);
  }
  if (top < 0 && rc == NMSIM_OK)
    rc = NMSIM_ERR(err, NMSIM_EHDF5, "%s: cannot create /projections", path);
  if (top >= 0) H5Gclose(top);
  return rc;
}
