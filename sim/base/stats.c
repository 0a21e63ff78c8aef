/* stats.c: names of the energy/event categories (generated from
 * NMSIM_ENERGY_MAP) and release of a run_summary. */
#include <string.h>

#include "sim/base/stats.h"

static const char *const energy_keys[NM_E_COUNT] = {
#define X(e, k, l) #k,
    NMSIM_ENERGY_MAP(X)
#undef X
};

static const char *const energy_labels[NM_E_COUNT] = {
#define X(e, k, l) l,
    NMSIM_ENERGY_MAP(X)
#undef X
};

const char *nm_energy_key(int cat) {
  return cat >= 0 && cat < NM_E_COUNT ? energy_keys[cat] : NULL;
}

const char *nm_energy_label(int cat) {
  return cat >= 0 && cat < NM_E_COUNT ? energy_labels[cat] : NULL;
}

static bool mode_is(const char *mode, const char *m) { return mode && strcmp(mode, m) == 0; }

bool nm_energy_modelled(int cat, const char *mode) {
  bool functional = mode_is(mode, "functional"), network = mode_is(mode, "network");
  switch (cat) {
  case NM_E_WITHIN_TILE:
  case NM_E_LINK_HOP:
  case NM_E_CHIP_LINK:
  case NM_E_BARRIER: return !functional && !network;
  case NM_E_SPIKE_OUT: return !network;
  default: return cat >= 0 && cat < NM_E_COUNT;
  }
}

bool nm_packets_modelled(const char *mode) { return !mode_is(mode, "network"); }

bool nm_hops_modelled(const char *mode) {
  return !mode_is(mode, "functional") && !mode_is(mode, "network");
}

void run_summary_clear(run_summary *s) {
  if (!s) return;
  nm_free(s->scenario);
  nm_free(s->chip);
  nm_free(s->mode);
  nm_free(s->nmsim_version);
  nm_free(s->status);
  nm_free(s->pacing);
  nm_free(s->pacing_from);
  nm_free(s->dvfs);
  for (size_t i = 0; s->map && i < s->n_map; i++) nm_free(s->map[i].pop);
  nm_free(s->map);
  nm_free(s->trials);
  for (size_t i = 0; i < s->n_pops; i++) {
    nm_free(s->pops[i].name);
    nm_free(s->pops[i].model);
  }
  nm_free(s->pops);
  memset(s, 0, sizeof *s);
}

void nm_energy_merge(nm_energy *a, const nm_energy *b) {
  for (int k = 0; k < NM_E_COUNT; k++) {
    a->n[k] += b->n[k];
    uint64_t l = a->fx_lo[k] + b->fx_lo[k];
    a->fx_hi[k] += b->fx_hi[k] + (l < b->fx_lo[k]);
    a->fx_lo[k] = l;
    a->pj[k] = (double)a->fx_hi[k] + (double)a->fx_lo[k] * 0x1p-64;
  }
}
