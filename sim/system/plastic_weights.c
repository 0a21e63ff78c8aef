/* plastic_weights.c: the weights of plastic projections at the end of a run, into
 * the run file: /projections/<k>/{pre, post, weight} (one row per synapse of
 * projection k, in core and row order; weight in the target's input unit). */

#include "sim/system/build.h"
#include "sim/system/plastic_weights.h"

nmsim_status sys_weight_items(const sys *s, h5o_items *b, nmsim_err *err) {
  const nmsim_scenario *scn = s->scn;
  if (!scn->rec_weights || !s->plast) return NMSIM_OK;
  for (size_t k = 0; k < scn->n_projs; k++) {
    if (!scn->rec_weights[k]) continue;
    const scn_projection *pr = &scn->projs[k];
    size_t n = 0;
    for (uint32_t c = 0; c < s->n_cores; c++)
      for (size_t q = 0; s->cores[c].syn_proj && q < s->cores[c].n_syn; q++)
        n += s->cores[c].syn_proj[q] == k + 1;
    uint32_t *pre = h5o_items_keep(b, nm_malloc(sizeof(uint32_t) * (n ? n : 1)));
    uint32_t *post = h5o_items_keep(b, nm_malloc(sizeof(uint32_t) * (n ? n : 1)));
    double *w = h5o_items_keep(b, nm_malloc(sizeof(double) * (n ? n : 1)));
    const char **unit = h5o_items_keep(b, nm_malloc(sizeof *unit));
    h5o_attr *ua = h5o_items_keep(b, nm_malloc(sizeof *ua));
    if (!pre || !post || !w || !unit || !ua) return NMSIM_ENOMEM_ERR(err);
    size_t at = 0;
    for (uint32_t c = 0; c < s->n_cores; c++) {
      const sys_core *core = &s->cores[c];
      if (!core->syn_proj) continue;
      for (uint32_t a = 0; a < core->n_axons; a++)
        for (uint32_t q = core->row[a]; q < core->row[a + 1]; q++) {
          if (core->syn_proj[q] != k + 1) continue;
          const sys_block *bl = &core->blocks[core->block_of[core->syn[q].tgt]];
          pre[at] = core->axon_src[a] - s->pop_gid0[pr->pre];
          post[at] = bl->first + (core->syn[q].tgt - bl->local0);
          w[at++] = core->wf[q];
        }
    }
    *unit = scn->pops[pr->post].model->input_unit ? scn->pops[pr->post].model->input_unit : "";
    *ua = (h5o_attr){"unit", H5O_STR, 1, unit};
    /* one row per synapse, chunks of up to 65536 rows */
    size_t chunk = n ? (n < 65536 ? n : 65536) : 0;
    const struct { const char *name; h5o_kind kind; const void *data; bool unit; } col[3] = {
        {"pre", H5O_U32, pre, false}, {"post", H5O_U32, post, false}, {"weight", H5O_F64, w, true}};
    for (int j = 0; j < 3; j++) {
      h5o_item *it = h5o_items_add(b);
      const char *path = h5o_items_printf(b, "/projections/%zu/%s", k, col[j].name);
      if (!it || !path) return NMSIM_ENOMEM_ERR(err);
      *it = (h5o_item){.path = path, .kind = col[j].kind, .rank = 1, .dims = {n, 0},
                       .data = col[j].data, .chunk = chunk, .attrs = col[j].unit ? ua : NULL,
                       .n_attrs = col[j].unit};
    }
  }
  return NMSIM_OK;
}
