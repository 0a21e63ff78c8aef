/* build.c: maps a scenario onto a chip. Projections are first expanded into
 * synapses between global neuron ids (from random streams keyed by seed,
 * projection and source neuron, so connectivity never depends on placement);
 * neurons are then placed by dense fill (populations in file order, cores in
 * id order so a tile's cores fill first), opening a new core when the next
 * neuron would exceed the core's neuron count or synapse memory; finally the
 * synapses become rows grouped by destination core and source neuron (one
 * input axon per source neuron and destination core) and fan-in and fan-out
 * are checked. */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "noc/mcast.h"
#include "sim/base/pool.h"
#include "sim/base/rng.h"
#include "sim/mpi/partition.h"
#include "noc/noc_int.h"
#include "sim/dvs/dvs_replay.h"
#include "sim/system/build.h"
#include "sim/system/connect.h"
#include "sim/system/direct.h"
#include "sim/system/netmode.h"

/* A synapse on its way into a core's rows. */
typedef struct edge {
  uint32_t dst;      /* target neuron gid */
  uint32_t core;     /* destination core (set by mapping) */
  uint32_t src;      /* source neuron gid */
  uint16_t tgt;
  uint8_t delay;
  uint8_t site;
  int32_t w;
  uint16_t plast;    /* plastic projection index + 1, 0 if static */
} edge;

typedef struct edges {
  edge *e;
  size_t n, cap;
} edges;

/* Sort the synapses by (destination core, source neuron) in linear time: a
 * stable counting sort by source, then a stable one by core, so each row's
 * synapses keep the order they were made in (deterministic; their order
 * changes no result: input sums are integer and weight updates independent).
 * Returns false on out-of-memory. */
static bool sort_edges(const sys *s, edges *E) {
  if (E->n < 2) return true;
  size_t nk = NM_MAX((size_t)s->n_neurons, (size_t)s->n_cores) + 1;
  size_t *cnt = nm_malloc(sizeof(size_t) * nk);
  edge *tmp = nm_malloc(sizeof(edge) * E->n);
  if (!cnt || !tmp) {
    nm_free(cnt);
    nm_free(tmp);
    return false;
  }
  for (int pass = 0; pass < 2; pass++) {
    size_t keys = pass == 0 ? s->n_neurons : s->n_cores;
    memset(cnt, 0, sizeof(size_t) * (keys + 1));
    for (size_t a = 0; a < E->n; a++) cnt[(pass ? E->e[a].core : E->e[a].src) + 1]++;
    for (size_t k = 0; k < keys; k++) cnt[k + 1] += cnt[k];
    for (size_t a = 0; a < E->n; a++) tmp[cnt[pass ? E->e[a].core : E->e[a].src]++] = E->e[a];
    edge *sw = E->e;
    E->e = tmp;
    tmp = sw;
  }
  nm_free(tmp);
  nm_free(cnt);
  E->cap = E->n; /* the sorted array was allocated with exactly n entries */
  return true;
}

static const char *pop_name(const sys *s, uint32_t core) {
  const sys_core *c = &s->cores[core];
  return c->n_blocks ? s->scn->pops[c->blocks[0].pop_id].name : "?";
}

/* State of dense fill: the core being filled and what it holds so far.
 * stamp[src] == core + 1 marks a source neuron already feeding that core
 * (one input axon); seen[src] == token dedupes a neuron's own source list
 * within one count. */
typedef struct packer {
  uint32_t core, fill, axons;
  uint64_t syn;                /* synapses on the core */
  uint64_t max_syn;            /* synapse memory / bytes per synapse */
  uint32_t *stamp, *seen;
  const uint32_t *off, *srcs;  /* sources of neuron g: srcs[off[g] .. off[g+1]] */
  const uint32_t *est;         /* per neuron: destination cores, estimated */
  uint64_t fanout;             /* sum of est over the core's neurons */
  uint32_t token;
  uint64_t *core_syn, *core_fanout; /* round_robin: per core */
  /* cores closed by each limit (PK_*), in all and by the current population */
  uint32_t closed[5], pop_closed[5];
  size_t pop;                  /* the population being placed */
  uint32_t pop_fill;           /* its neurons on the current core */
  uint32_t pop_core0;          /* the core its placement started on */
  const bool *reserved;        /* cores of explicit maps (mapping.cores), or NULL */
} packer;

/* What closed a core: a limit of the chip, or the population's own cap
 * (mapping.max_per_core). */
enum { PK_NEURONS, PK_SYNMEM, PK_FANIN, PK_FANOUT, PK_CAP };

/* Distinct sources of neuron g that do not feed the current core yet. */
static uint32_t fresh_sources(packer *k, uint32_t g) {
  uint32_t n = 0, tok = ++k->token;
  for (uint32_t a = k->off[g]; a < k->off[g + 1]; a++) {
    uint32_t x = k->srcs[a];
    if (k->stamp[x] != k->core + 1 && k->seen[x] != tok) k->seen[x] = tok, n++;
  }
  return n;
}

static void mark_sources(packer *k, uint32_t g) {
  for (uint32_t a = k->off[g]; a < k->off[g + 1]; a++) k->stamp[k->srcs[a]] = k->core + 1;
}

static nmsim_status put_neuron(sys *s, uint32_t core, size_t p, uint32_t i, uint32_t g,
                               nmsim_err *err);

/* Every core is full with neuron i of population p still to place: say which
 * limit closed the cores (those of p, and all), what is left, and the ways
 * out. */
static nmsim_status full_error(const sys *s, const packer *k, size_t p, uint32_t i,
                               nmsim_err *err) {
  const nmsim_chip *ch = s->chip;
  const scn_population *pop = &s->scn->pops[p];
  char lim[5][96];
  snprintf(lim[PK_NEURONS], sizeof lim[0], "neurons (%u per core)", ch->max_neurons);
  snprintf(lim[PK_SYNMEM], sizeof lim[0], "synapse memory (%llu bytes per core, %u per synapse)",
           (unsigned long long)ch->synapse_memory_bytes, ch->synapse_bytes);
  snprintf(lim[PK_FANIN], sizeof lim[0], "fan-in (%u source neurons per core)", ch->max_fan_in);
  snprintf(lim[PK_FANOUT], sizeof lim[0], "fan-out (%u destination cores per core)",
           ch->max_fan_out);
  snprintf(lim[PK_CAP], sizeof lim[0], "its cap (mapping.max_per_core: %u)", pop->max_per_core);
  int top = 0;
  for (int b = 1; b < 5; b++)
    if (k->pop_closed[b] > k->pop_closed[top]) top = b;
  uint32_t pop_cores = 0;
  for (int b = 0; b < 5; b++) pop_cores += k->pop_closed[b];
  char parts[256] = "";
  size_t n = 0;
  static const char *const word[5] = {"neurons", "synapse memory", "fan-in", "fan-out", "cap"};
  for (int b = 0; b < 5; b++)
    if (k->closed[b] && n < sizeof parts)
      n += (size_t)snprintf(parts + n, sizeof parts - n, "%s%s %u", n ? ", " : "", word[b],
                            k->closed[b]);
  uint64_t left = pop->size - i;
  for (size_t q = p + 1; q < s->scn->n_pops; q++) left += s->scn->pops[q].size;
  return NMSIM_ERR(err, NMSIM_ECAPACITY,
                   "%s:%d: population '%s' does not fit on chip '%s' (%u chip%s, %u cores): "
                   "%llu neurons are left to place, from neuron %u of '%s'. The limit that "
                   "bound is %s: it closed %u of the %u cores '%s' filled (cores closed by "
                   "each limit in all: %s). Ways out: a board of more chips (chips: [X, Y]), "
                   "a preset with larger limits (nmsim chips), a larger mapping.max_per_core "
                   "where one is set, or engine.mode network (no per-core limits)%s",
                   s->scn->path, pop->line, pop->name, ch->name, s->n_chips,
                   s->n_chips == 1 ? "" : "s", s->n_cores, (unsigned long long)left, i,
                   pop->name, pop_cores ? lim[top] : lim[PK_NEURONS], k->pop_closed[top],
                   pop_cores, pop->name, parts[0] ? parts : "none",
                   top == PK_FANIN ? "; fan-in binds when a core's neurons draw on many "
                                     "different sources, as neurons of one convolution "
                                     "channel placed in index order do"
                                   : "");
}

/* Place neuron i of population p (global id g) on the current core, or open
 * the next core if it would exceed a limit of the current one. */
static nmsim_status place_one(sys *s, packer *k, size_t p, uint32_t i, uint32_t g,
                              nmsim_err *err) {
  const nmsim_chip *ch = s->chip;
  const scn_population *pop = &s->scn->pops[p];
  uint32_t f = k->off[g + 1] - k->off[g];
  uint32_t fresh = fresh_sources(k, g);
  /* the cores of explicit maps hold those alone */
  while (k->reserved && k->core < s->n_cores && k->reserved[k->core]) {
    k->core++, k->fill = 0, k->syn = 0, k->axons = 0, k->fanout = 0, k->pop_fill = 0;
    fresh = k->core < s->n_cores ? fresh_sources(k, g) : fresh;
  }
  if (k->core == s->n_cores) return full_error(s, k, p, i, err);
  if (k->pop != p) {
    k->pop = p;
    k->pop_fill = 0;
    k->pop_core0 = k->core;
    memset(k->pop_closed, 0, sizeof k->pop_closed);
  }
  int bound = k->fill == ch->max_neurons                     ? PK_NEURONS
              : k->syn + f > k->max_syn                      ? PK_SYNMEM
              : k->axons + fresh > ch->max_fan_in            ? PK_FANIN
              : k->fanout + k->est[g] > ch->max_fan_out      ? PK_FANOUT
              : pop->max_per_core && k->pop_fill == pop->max_per_core ? PK_CAP
                                                             : -1;
  if (bound >= 0) {
    if (k->fill == 0) { /* the neuron alone exceeds a core */
      if (f > k->max_syn)
        return NMSIM_ERR(err, NMSIM_ECAPACITY,
                         "population '%s': neuron %u receives %u synapses x %u bytes = %llu "
                         "bytes; a core of chip '%s' has %llu bytes of synapse memory (over "
                         "by %llu bytes)",
                         pop->name, i, f, ch->synapse_bytes,
                         (unsigned long long)f * ch->synapse_bytes, ch->name,
                         (unsigned long long)ch->synapse_memory_bytes,
                         (unsigned long long)f * ch->synapse_bytes - ch->synapse_memory_bytes);
      return NMSIM_ERR(err, NMSIM_ECAPACITY,
                       "population '%s': neuron %u receives from %u source neurons; chip '%s' "
                       "allows a fan-in of %u input axons per core (over by %u)",
                       pop->name, i, fresh, ch->name, ch->max_fan_in, fresh - ch->max_fan_in);
    }
    const sys_core *full = &s->cores[k->core];
    k->closed[bound]++;
    if (full->n_blocks && full->blocks[full->n_blocks - 1].pop_id == p) k->pop_closed[bound]++;
    /* an explicit placement never spills: a core placement takes one core,
     * a chip placement that chip's cores, unless cores: K says more */
    bool placed = pop->place_core != UINT32_MAX || pop->place_chip != UINT32_MAX;
    uint32_t bound_cores = pop->place_cores   ? pop->place_cores
                           : pop->place_chip != UINT32_MAX ? chip_n_cores(ch)
                                                            : 1;
    if (placed && k->core + 1 - k->pop_core0 >= bound_cores) {
      static const char *const why[5] = {"neurons", "synapse memory", "fan-in", "fan-out",
                                         "its cap (mapping.max_per_core)"};
      return NMSIM_ERR(err, NMSIM_ECAPACITY,
                       "%s:%d: mapping.place.%s: '%s' needs more than its %u core%s (from core "
                       "%u): %u of its %u neurons are left, and %s closed core %u; give cores: K "
                       "to let it take K cores from there, or place it where it fits",
                       s->scn->path, pop->line, pop->name, pop->name, bound_cores,
                       bound_cores == 1 ? "" : "s", k->pop_core0, pop->size - i, pop->size,
                       why[bound], k->core);
    }
    k->core++, k->fill = 0, k->syn = 0, k->axons = 0, k->fanout = 0, k->pop_fill = 0;
    while (k->reserved && k->core < s->n_cores && k->reserved[k->core]) k->core++;
    if (k->core == s->n_cores) return full_error(s, k, p, i, err);
    fresh = fresh_sources(k, g);
  }
  mark_sources(k, g);
  k->axons += fresh;
  nmsim_status rc = put_neuron(s, k->core, p, i, g, err);
  k->fill++;
  k->pop_fill++;
  k->syn += f;
  k->fanout += k->est[g];
  return rc;
}

/* Place neuron i of population p (gid g) at the next local index of core. */
static nmsim_status put_neuron(sys *s, uint32_t core, size_t p, uint32_t i, uint32_t g,
                               nmsim_err *err) {
  sys_core *c = &s->cores[core];
  sys_block *b = c->n_blocks ? &c->blocks[c->n_blocks - 1] : NULL;
  if (!b || b->pop_id != p || b->first + b->n != i) {
    sys_block *nb = nm_realloc(c->blocks, (c->n_blocks + 1) * sizeof *nb);
    if (!nb) return NMSIM_ENOMEM_ERR(err);
    c->blocks = nb;
    b = &c->blocks[c->n_blocks++];
    *b = (sys_block){.model = s->scn->pops[p].model, .aux = &s->scn->pops[p].spikes,
                    .name = s->scn->pops[p].name, .pop_id = (uint32_t)p, .first = i,
                     .local0 = c->n_neurons};
  }
  b->n++;
  s->loc_core[g] = core;
  s->loc_local[g] = c->n_neurons++;
  return NMSIM_OK;
}

/* round_robin: population p is cut into contiguous chunks of ceil(size /
 * cores) neurons, chunk j on core j, so every population spreads over the
 * whole board (fan-in is checked after placement). */
/* For placements that name the core (round_robin, mapping.cores): the limit
 * of `core` that neuron g (f synapses in) would exceed, or NULL (fan-in is
 * checked when the rows are built). */
static const char *core_full(const sys *s, const packer *k, uint32_t core, uint32_t f,
                             uint32_t g) {
  const nmsim_chip *ch = s->chip;
  if (s->cores[core].n_neurons == ch->max_neurons) return "neurons";
  if (k->core_syn[core] + f > k->max_syn) return "synapse memory";
  if (k->core_fanout[core] + k->est[g] > ch->max_fan_out) return "fan-out";
  return NULL;
}

/* Neuron i of population p (global id g, f synapses in) onto `core`, counted
 * in the per-core sums of core_full. */
static nmsim_status put_counted(sys *s, packer *k, uint32_t core, size_t p, uint32_t i,
                                uint32_t g, uint32_t f, nmsim_err *err) {
  k->core_syn[core] += f;
  k->core_fanout[core] += k->est[g];
  return put_neuron(s, core, p, i, g, err);
}

static nmsim_status place_rr(sys *s, packer *k, size_t p, uint32_t i, uint32_t g,
                             nmsim_err *err) {
  const scn_population *pop = &s->scn->pops[p];
  uint32_t chunk = (pop->size + s->n_cores - 1) / s->n_cores;
  uint32_t core = i / chunk, f = k->off[g + 1] - k->off[g];
  const char *what = core_full(s, k, core, f, g);
  if (what)
    return NMSIM_ERR(err, NMSIM_ECAPACITY,
                     "population '%s' does not fit with mapping strategy round_robin: core %u "
                     "runs out of %s at neuron %u (chip '%s'); use strategy dense",
                     pop->name, core, what, i, s->chip->name);
  return put_counted(s, k, core, p, i, g, f, err);
}

/* mapping.cores: neuron i of population p on the core its map names, under
 * the core's limits of neurons, synapse memory and fan-out (fan-in is
 * checked when the rows are built). */
static nmsim_status place_fixed(sys *s, packer *k, size_t p, uint32_t i, uint32_t g,
                                nmsim_err *err) {
  const nmsim_chip *ch = s->chip;
  const scn_population *pop = &s->scn->pops[p];
  uint32_t core = pop->core_map[i], f = k->off[g + 1] - k->off[g];
  if (core >= s->n_cores)
    return NMSIM_ERR(err, NMSIM_EINPUT,
                     "%s:%d: mapping.cores.%s: neuron %u: core %u does not exist (the board has "
                     "%u cores)", s->scn->path, pop->line, pop->name, i, core, s->n_cores);
  const char *what = core_full(s, k, core, f, g);
  if (what)
    return NMSIM_ERR(err, NMSIM_ECAPACITY,
                     "%s:%d: mapping.cores.%s: neuron %u: core %u runs out of %s (chip '%s': "
                     "%u neurons, %llu bytes of synapse memory, fan-out %u per core); spread the "
                     "population over more cores",
                     s->scn->path, pop->line, pop->name, i, core, what, ch->name,
                     ch->max_neurons, (unsigned long long)ch->synapse_memory_bytes,
                     ch->max_fan_out);
  return put_counted(s, k, core, p, i, g, f, err);
}

/* The output shape of population p as the target of a conv2d or pool2d
 * projection (the first one), or NULL. */
static const scn_conv *conv_shape(const nmsim_scenario *scn, size_t p) {
  for (size_t k = 0; k < scn->n_projs; k++)
    if (scn->projs[k].post == p && scn->projs[k].conv) return scn->projs[k].conv;
  return NULL;
}

/* Dense fill under the per-core limits of neurons, synapse memory and fan-in
 * (distinct source neurons). */
static nmsim_status map_neurons(sys *s, const uint32_t *off, const uint32_t *srcs,
                                const uint32_t *est, nmsim_err *err) {
  const nmsim_chip *ch = s->chip;
  packer k = {.off = off, .srcs = srcs, .est = est, .pop = SIZE_MAX,
              .max_syn = ch->synapse_bytes ? ch->synapse_memory_bytes / ch->synapse_bytes
                                           : UINT64_MAX};
  k.stamp = nm_calloc(s->n_neurons ? s->n_neurons : 1, sizeof(uint32_t));
  k.seen = nm_calloc(s->n_neurons ? s->n_neurons : 1, sizeof(uint32_t));
  nmsim_status rc = (k.stamp && k.seen) ? NMSIM_OK : NMSIM_ENOMEM_ERR(err);
  const nmsim_scenario *scn = s->scn;
  bool rr = scn->mapping == SCN_MAP_ROUND_ROBIN, maps = false;
  for (size_t p = 0; p < scn->n_pops; p++) maps |= scn->pops[p].core_map != NULL;
  bool *reserved = NULL;
  if ((rr || maps) && rc == NMSIM_OK) {
    k.core_syn = nm_calloc(s->n_cores, sizeof(uint64_t));
    k.core_fanout = nm_calloc(s->n_cores, sizeof(uint64_t));
    if (!k.core_syn || !k.core_fanout) rc = NMSIM_ENOMEM_ERR(err);
  }
  /* explicit maps first: their cores hold them alone */
  if (maps && rc == NMSIM_OK && !(reserved = nm_calloc(s->n_cores, sizeof *reserved)))
    rc = NMSIM_ENOMEM_ERR(err);
  for (size_t p = 0, g0 = 0; maps && rc == NMSIM_OK && p < scn->n_pops; g0 += scn->pops[p++].size)
    for (uint32_t i = 0; scn->pops[p].core_map && i < scn->pops[p].size && rc == NMSIM_OK; i++) {
      rc = place_fixed(s, &k, p, i, (uint32_t)g0 + i, err);
      if (rc == NMSIM_OK) reserved[scn->pops[p].core_map[i]] = true;
    }
  k.reserved = reserved;
  /* The order of placement: runs of populations, each a placed population
   * and the unplaced ones after it in the file (the first run: those before
   * any placed one, from core 0), in the order of their start cores; so
   * `place` may name populations in any order, NIR ones included. */
  size_t *order = nm_malloc((scn->n_pops ? scn->n_pops : 1) * sizeof *order);
  uint32_t *gbase = nm_malloc((scn->n_pops ? scn->n_pops : 1) * sizeof *gbase);
  uint64_t *key = nm_malloc((scn->n_pops ? scn->n_pops : 1) * sizeof *key);
  if (!order || !gbase || !key) rc = rc ? rc : NMSIM_ENOMEM_ERR(err);
  uint64_t run = 0; /* the current run's start core + 1, in the upper 32 bits */
  for (size_t p = 0; rc == NMSIM_OK && p < scn->n_pops; p++) {
    gbase[p] = p ? gbase[p - 1] + scn->pops[p - 1].size : 0;
    const scn_population *q = &scn->pops[p];
    if (!rr && (q->place_core != UINT32_MAX || q->place_chip != UINT32_MAX)) {
      uint64_t at = q->place_chip != UINT32_MAX
                        ? (uint64_t)q->place_chip * chip_n_cores(s->chip)
                        : q->place_core;
      if (at > s->n_cores) at = s->n_cores; /* no such core: refused below */
      run = (at + 1) << 32;
    }
    key[p] = run | p; /* by run start, then file order */
    order[p] = p;
  }
  for (size_t a = 1; rc == NMSIM_OK && a < scn->n_pops; a++) /* insertion sort: few */
    for (size_t b = a; b > 0 && key[order[b]] < key[order[b - 1]]; b--) {
      size_t t = order[b];
      order[b] = order[b - 1], order[b - 1] = t;
    }
  for (size_t o = 0; o < scn->n_pops && rc == NMSIM_OK; o++) {
    size_t p = order[o];
    uint32_t g = gbase[p];
    if (scn->pops[p].core_map) continue; /* placed above */
    uint32_t start = scn->pops[p].place_core;
    if (scn->pops[p].place_chip != UINT32_MAX) {
      if (scn->pops[p].place_chip >= s->n_chips) {
        rc = NMSIM_ERR(err, NMSIM_EINPUT,
                       "%s:%d: mapping.place.%s: chip %u does not exist (the board has %u "
                       "chip%s, numbered from 0)", scn->path, scn->pops[p].line,
                       scn->pops[p].name, scn->pops[p].place_chip, s->n_chips,
                       s->n_chips == 1 ? "" : "s");
        break;
      }
      start = scn->pops[p].place_chip * chip_n_cores(s->chip);
    }
    if (!rr && start != UINT32_MAX && start != k.core) {
      if (start >= s->n_cores) {
        rc = NMSIM_ERR(err, NMSIM_EINPUT,
                       "%s:%d: mapping.place.%s: core %u does not exist (the board has %u "
                       "cores)", scn->path, scn->pops[p].line, scn->pops[p].name, start,
                       s->n_cores);
      } else if (reserved && reserved[start]) {
        rc = NMSIM_ERR(err, NMSIM_EINPUT,
                       "%s:%d: mapping.place.%s: core %u holds neurons of mapping.cores, which "
                       "have their cores alone; place '%s' elsewhere",
                       scn->path, scn->pops[p].line, scn->pops[p].name, start,
                       scn->pops[p].name);
      } else if (start < k.core || (start == k.core && k.fill)) {
        rc = NMSIM_ERR(err, NMSIM_EINPUT,
                       "%s:%d: mapping.place.%s: core %u is already used by '%s' (placed from a "
                       "lower core, with the unplaced populations after it in the file, it "
                       "fills up to core %u); place '%s' beyond, or bound the other with cores: K",
                       scn->path, scn->pops[p].line, scn->pops[p].name, start,
                       scn->pops[order[o - 1]].name, k.core, scn->pops[p].name);
      } else {
        k.core = start, k.fill = 0, k.syn = 0, k.axons = 0, k.fanout = 0;
      }
    }
    const scn_conv *shape = scn->mapping == SCN_MAP_SPATIAL ? conv_shape(scn, p) : NULL;
    for (uint32_t j = 0; j < scn->pops[p].size && rc == NMSIM_OK; j++) {
      /* spatial: row y of every channel, then row y + 1: the neurons of a
       * core share the rows of input their windows read */
      uint32_t i = j;
      if (shape) {
        uint32_t w = shape->out_w, row = j / w, x = j % w;
        uint32_t y = row / shape->out_c, c = row % shape->out_c;
        i = (c * shape->out_h + y) * w + x;
      }
      rc = rr ? place_rr(s, &k, p, i, g + i, err) : place_one(s, &k, p, i, g + i, err);
    }
  }
  nm_free(order);
  nm_free(gbase);
  nm_free(key);
  nm_free(reserved);
  nm_free(k.stamp);
  nm_free(k.seen);
  nm_free(k.core_syn);
  nm_free(k.core_fanout);
  if (rc != NMSIM_OK) return rc;
  /* used cores and tiles */
  s->used = nm_malloc(sizeof(uint32_t) * s->n_cores);
  if (!s->used) return NMSIM_ENOMEM_ERR(err);
  uint32_t last_tile = UINT32_MAX, last_chip = UINT32_MAX;
  for (uint32_t i = 0; i < s->n_cores; i++) {
    if (!s->cores[i].n_neurons) continue;
    s->used[s->n_used++] = i;
    if (s->cores[i].tile != last_tile) s->tiles_used++, last_tile = s->cores[i].tile;
    if (s->cores[i].chip != last_chip) s->chips_used++, last_chip = s->cores[i].chip;
  }
  return NMSIM_OK;
}

/* Undo a mapping, so that it can be tried again. */
static void unmap(sys *s) {
  for (uint32_t i = 0; i < s->n_cores; i++) {
    sys_core *c = &s->cores[i];
    nm_free(c->blocks);
    c->blocks = NULL;
    c->n_blocks = 0;
    c->n_neurons = 0;
    c->n_syn = 0;
    c->n_axons = 0;
  }
  nm_free(s->used);
  s->used = NULL;
  s->n_used = 0;
  s->tiles_used = 0;
  s->chips_used = 0;
}

/* Fixed-point scale of the input of each population: the largest power of two
 * that keeps every incoming weight within int32 (relative resolution 2^-31 of
 * the largest weight), so sums are exact and independent of arrival order. */
static nmsim_status input_scales(const sys *s, int *shift, nmsim_err *err) {
  const nmsim_scenario *scn = s->scn;
  for (size_t p = 0; p < scn->n_pops; p++) {
    double maxw = 0;
    for (size_t k = 0; k < scn->n_projs; k++)
      if (scn->projs[k].post == p) maxw = fmax(maxw, scn->projs[k].weight_max);
    int sh = 0;
    if (maxw > 0) {
      sh = (int)floor(log2(2147483647.0 / maxw));
      if (sh > 62) sh = 62;
      if (sh < 0)
        return NMSIM_ERR(err, NMSIM_EINPUT,
                         "%s: weights onto population '%s' reach %g, beyond the "
                         "representable range (|w| < 2^31)",
                         scn->path, scn->pops[p].name, maxw);
    }
    if (scn->pops[p].model->flags & NMSIM_MODEL_FIXED_POINT) {
      /* integer weights; a negative weight exponent shifts the summed input
       * right, so the sum is kept with that many fraction bits and the model
       * floors it (Lava's Dense: a_in = sum >> -weight_exp) */
      sh = 0;
      for (size_t k = 0; k < scn->n_projs; k++)
        if (scn->projs[k].post == p && -scn->projs[k].weight_exp > sh)
          sh = -scn->projs[k].weight_exp;
    }
    shift[p] = sh;
  }
  return NMSIM_OK;
}

/* Global neuron ids: populations in file order. */
static nmsim_status alloc_gids(sys *s, nmsim_err *err) {
  const nmsim_scenario *scn = s->scn;
  uint64_t total = 0;
  s->pop_gid0 = nm_malloc(sizeof(uint32_t) * (scn->n_pops ? scn->n_pops : 1));
  if (!s->pop_gid0) return NMSIM_ENOMEM_ERR(err);
  for (size_t p = 0; p < scn->n_pops; p++) {
    s->pop_gid0[p] = (uint32_t)total;
    total += scn->pops[p].size;
  }
  if (total > UINT32_MAX - 1)
    return NMSIM_ERR(err, NMSIM_EINPUT, "%s: the network has %llu neurons; at most %u are "
                     "supported", scn->path, (unsigned long long)total, UINT32_MAX - 1);
  s->n_neurons = (uint32_t)total;
  s->loc_core = nm_malloc(sizeof(uint32_t) * (total ? total : 1));
  s->loc_local = nm_malloc(sizeof(uint32_t) * (total ? total : 1));
  if (!s->loc_core || !s->loc_local) return NMSIM_ENOMEM_ERR(err);
  return NMSIM_OK;
}

static nmsim_status add_edge(void *ctx, const sys *s, uint32_t src_gid, uint32_t dst_gid,
                             const scn_projection *pr, int32_t wq, uint32_t delay) {
  edges *E = ctx;
  if (E->n == E->cap && nm_grow((void **)&E->e, &E->cap, E->n + 1, sizeof(edge)) != NMSIM_OK)
    return NMSIM_ENOMEM;
  uint16_t plast = pr->plast ? (uint16_t)(pr - s->scn->projs + 1) : 0;
  E->e[E->n++] = (edge){.dst = dst_gid,
                        .core = 0,
                        .src = src_gid,
                        .tgt = 0,
                        .delay = (uint8_t)delay,
                        .site = (uint8_t)pr->site,
                        .w = wq,
                        .plast = plast};
  return NMSIM_OK;
}

/* Give every synapse its target's core and local index and sort them into
 * rows, once the mapping is made: sorted from the order they were made, so a
 * row's synapses are in that order (as a rank-local build makes them).
 * false when out of memory. */
static bool sort_into_rows(sys *s, edges *E) {
  for (size_t a = 0; a < E->n; a++) {
    uint32_t gid = E->e[a].dst;
    E->e[a].core = s->loc_core[gid];
    E->e[a].tgt = (uint16_t)s->loc_local[gid];
  }
  return sort_edges(s, E);
}

/* The neurons of every core, by increasing global id: by_core[first[i] ..
 * first[i + 1]) for core i. */
static nmsim_status neurons_by_core(const sys *s, uint32_t **first_out, uint32_t **by_out) {
  uint32_t *first = nm_calloc((size_t)s->n_cores + 2, sizeof *first);
  uint32_t *by = nm_malloc(sizeof *by * ((size_t)s->n_neurons + 1));
  if (!first || !by) {
    nm_free(first);
    nm_free(by);
    return NMSIM_ENOMEM;
  }
  for (uint32_t g = 0; g < s->n_neurons; g++) first[s->loc_core[g] + 2]++;
  for (uint32_t i = 0; i < s->n_cores; i++) first[i + 2] += first[i + 1];
  for (uint32_t g = 0; g < s->n_neurons; g++) by[first[s->loc_core[g] + 1]++] = g;
  *first_out = first;
  *by_out = by;
  return NMSIM_OK;
}

/* Count, per core, synapses, input axons (distinct sources) and output
 * destinations (n_out[core]; out_deg[gid] per source neuron) from the sources
 * of every neuron (fanin, srcs). Returns the first core whose fan-out exceeds
 * the chip's limit, UINT32_MAX if none does, or UINT32_MAX - 1 when out of
 * memory. `seen` has room for a u32 per neuron. */
static uint32_t count_rows_csr(sys *s, const uint32_t *fanin, const uint32_t *srcs,
                               size_t *n_out, uint32_t *out_deg, uint32_t *seen) {
  uint32_t *first, *by;
  if (neurons_by_core(s, &first, &by) != NMSIM_OK) return UINT32_MAX - 1;
  for (uint32_t i = 0; i < s->n_cores; i++) n_out[i] = 0;
  memset(out_deg, 0, sizeof(uint32_t) * s->n_neurons);
  memset(seen, 0, sizeof(uint32_t) * s->n_neurons);
  for (uint32_t i = 0; i < s->n_cores; i++) {
    sys_core *c = &s->cores[i];
    for (uint32_t k = first[i]; k < first[i + 1]; k++) {
      uint32_t g = by[k];
      c->n_syn += fanin[g + 1] - fanin[g];
      for (uint32_t a = fanin[g]; a < fanin[g + 1]; a++) {
        uint32_t src = srcs[a];
        if (seen[src] == i + 1) continue; /* one axon a (core, source) */
        seen[src] = i + 1;
        c->n_axons++;
        n_out[s->loc_core[src]]++;
        out_deg[src]++;
      }
    }
  }
  nm_free(first);
  nm_free(by);
  for (uint32_t i = 0; i < s->n_cores; i++)
    if (n_out[i] > s->chip->max_fan_out) return i;
  return UINT32_MAX;
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

/* Sort the distinct neuron ids v[0..n) (a core's sources). When they lie
 * within a span of at most 8 words of a bitmap per id, by marking them in
 * `bits` (all zero, left zero) and reading the marks back in order: a pass
 * over the ids and one over the span, where a comparison sort took a third
 * of a split build's time; otherwise by qsort. */
static void sort_sources(uint32_t *v, uint32_t n, uint64_t *bits) {
  if (n < 2) return;
  uint32_t lo = v[0], hi = v[0];
  for (uint32_t k = 1; k < n; k++) {
    if (v[k] < lo) lo = v[k];
    if (v[k] > hi) hi = v[k];
  }
  uint32_t w0 = lo >> 6, w1 = hi >> 6;
  if ((uint64_t)(w1 - w0) + 1 > 8 * (uint64_t)n) {
    qsort(v, n, sizeof *v, cmp_u32);
    return;
  }
  for (uint32_t k = 0; k < n; k++) bits[v[k] >> 6] |= (uint64_t)1 << (v[k] & 63);
  uint32_t m = 0;
  for (uint32_t w = w0; w <= w1; w++) {
    uint64_t x = bits[w];
    bits[w] = 0;
    for (; x; x &= x - 1) v[m++] = w * 64 + (uint32_t)__builtin_ctzll(x);
  }
}

/* The out lists and row index of a rank-local build, from the sources of
 * every neuron: an out-list entry (core, axon) for every source and
 * destination core of which either is owned here (here[]), in the order and
 * with the axons of build_rows (the axons of a core are its distinct sources
 * in increasing order); for each core with rows here (rows_here[]: owned
 * here, or holding plastic synapses, plastic[]), the source of each axon
 * (axon_src), the offsets of its rows (row) and room for its synapses (syn),
 * which fill_row_here fills. Every core's n_out stays its whole count
 * (n_out[]), for the reports. */
/* The index of x in the increasing list v[0..n) (it is there). */
static uint32_t find_u32(const uint32_t *v, uint32_t n, uint32_t x) {
  uint32_t lo = 0, hi = n;
  while (hi - lo > 1) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (v[mid] <= x) lo = mid;
    else hi = mid;
  }
  return lo;
}

/* Core i's axons (its distinct sources, increasing: axons[0..n); axon_of:
 * the axon of each of them), the synapses of each from the sources of its
 * neurons, and its rows' offsets;
 * row[a] is the start of axon a's row, which fill_row_here advances. A core
 * with plastic synapses gets their projections and weights too. */
static nmsim_status alloc_row_index(sys *s, uint32_t i, bool plastic, const uint32_t *axons,
                                    uint32_t n, const uint32_t *axon_of, const uint32_t *fanin,
                                    const uint32_t *srcs, const uint32_t *first,
                                    const uint32_t *by) {
  sys_core *c = &s->cores[i];
  if (NEVER(n != c->n_axons)) return NMSIM_EINVAL;
  c->axon_src = nm_malloc(sizeof(uint32_t) * (n ? n : 1));
  c->row = nm_calloc((size_t)n + 1, sizeof(uint32_t));
  c->syn = nm_malloc(sizeof(sys_syn) * (c->n_syn ? c->n_syn : 1));
  if (!c->axon_src || !c->row || !c->syn) return NMSIM_ENOMEM;
  if (plastic) {
    c->syn_proj = nm_calloc(c->n_syn ? c->n_syn : 1, sizeof(uint16_t));
    c->wf = nm_calloc(c->n_syn ? c->n_syn : 1, sizeof(double));
    if (!c->syn_proj || !c->wf) return NMSIM_ENOMEM;
  }
  memcpy(c->axon_src, axons, sizeof(uint32_t) * n);
  for (uint32_t k = first[i]; k < first[i + 1]; k++)
    for (uint32_t a = fanin[by[k]]; a < fanin[by[k] + 1]; a++)
      c->row[axon_of[srcs[a]] + 1]++;
  for (uint32_t a = 0; a < n; a++) c->row[a + 1] += c->row[a];
  c->ring = 2;
  return NMSIM_OK;
}

/* The axon of core `core` that source neuron src feeds: from the source's
 * out list (its destination cores in increasing order, a few entries that
 * the synapses of one source reuse), or where that part of the list is not
 * built here (a plastic core owned by another part, fed by a source also
 * elsewhere), from the core's sources (its axons, increasing). */
static uint32_t source_axon(const sys *s, uint32_t src, uint32_t core) {
  const sys_core *o = &s->cores[s->loc_core[src]];
  uint32_t j = s->loc_local[src], lo = o->out_ptr[j], hi = o->out_ptr[j + 1];
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (o->out[mid].core < core) lo = mid + 1;
    else hi = mid;
  }
  if (lo < o->out_ptr[j + 1] && o->out[lo].core == core) return o->out[lo].axon;
  const sys_core *c = &s->cores[core];
  return find_u32(c->axon_src, c->n_axons, src);
}

/* The synapses of the cores with rows here (rows_here), into the rows
 * alloc_row_index made, each row's in the order they are made. */
typedef struct row_sink {
  sys *s;
  const uint8_t *rows_here;
} row_sink;

static nmsim_status fill_row_here(void *ctx, const sys *cs, uint32_t src_gid, uint32_t dst_gid,
                                  const scn_projection *pr, int32_t wq, uint32_t delay) {
  const row_sink *rk = ctx;
  sys *s = rk->s;
  (void)cs;
  uint32_t core = s->loc_core[dst_gid];
  if (!rk->rows_here[core]) return NMSIM_OK;
  sys_core *c = &s->cores[core];
  uint32_t a = source_axon(s, src_gid, core);
  uint32_t k = c->row[a]++;
  c->syn[k] = (sys_syn){.tgt = (uint16_t)s->loc_local[dst_gid], .delay = (uint8_t)delay,
                        .site = (uint8_t)pr->site, .w = wq};
  if (c->syn_proj && pr->plast) {
    c->syn_proj[k] = (uint16_t)(pr - s->scn->projs + 1);
    c->wf[k] = pr->weight;
  }
  if (delay + 1 > c->ring) c->ring = delay + 1;
  return NMSIM_OK;
}

/* After fill_row_here: row[a] is the end of axon a's row; shift back. */
static void rows_done(sys *s) {
  for (uint32_t i = 0; i < s->n_cores; i++) {
    sys_core *c = &s->cores[i];
    if (!c->row) continue;
    for (uint32_t a = c->n_axons; a > 0; a--) c->row[a] = c->row[a - 1];
    c->row[0] = 0;
  }
}

static nmsim_status build_outs_csr(sys *s, const uint32_t *fanin, const uint32_t *srcs,
                                   const size_t *n_out, const uint8_t *here,
                                   const uint8_t *rows_here, const uint8_t *plastic,
                                   uint32_t *seen, nmsim_err *err) {
  uint32_t *first = NULL, *by = NULL, *axons = NULL, *fill = NULL, *axon_of = NULL;
  uint64_t *bits = NULL;
  nmsim_status rc = NMSIM_OK;
  if (neurons_by_core(s, &first, &by) != NMSIM_OK) return NMSIM_ENOMEM_ERR(err);
  uint32_t most = 1;
  for (uint32_t i = 0; i < s->n_cores; i++) {
    s->cores[i].n_out = n_out[i];
    if (s->cores[i].n_axons > most) most = s->cores[i].n_axons;
    s->cores[i].out_ptr = nm_calloc((size_t)s->cores[i].n_neurons + 1, sizeof(uint32_t));
    if (!s->cores[i].out_ptr) rc = NMSIM_ENOMEM;
  }
  axons = nm_malloc(sizeof *axons * most);
  fill = nm_calloc((size_t)s->n_neurons + 1, sizeof *fill);
  axon_of = nm_malloc(((size_t)s->n_neurons + 1) * sizeof *axon_of);
  bits = nm_calloc((size_t)s->n_neurons / 64 + 1, sizeof *bits);
  if (rc != NMSIM_OK || !axons || !fill || !axon_of || !bits) goto nomem;
  /* pass 0 counts the entries of every source, pass 1 writes them */
  for (int pass = 0; pass < 2; pass++) {
    memset(seen, 0, sizeof(uint32_t) * s->n_neurons);
    for (uint32_t i = 0; i < s->n_cores; i++) {
      uint32_t n = 0;
      for (uint32_t k = first[i]; k < first[i + 1]; k++)
        for (uint32_t a = fanin[by[k]]; a < fanin[by[k] + 1]; a++)
          if (seen[srcs[a]] != i + 1) seen[srcs[a]] = i + 1, axons[n++] = srcs[a];
      /* counting needs no order; the axons are the sources in increasing order */
      if (pass == 1) sort_sources(axons, n, bits);
      if (pass == 1 && rows_here[i]) {
        for (uint32_t a = 0; a < n; a++) axon_of[axons[a]] = a;
        rc = alloc_row_index(s, i, plastic[i], axons, n, axon_of, fanin, srcs, first, by);
      }
      if (rc != NMSIM_OK) {
        if (rc == NMSIM_ENOMEM) goto nomem;
        rc = NMSIM_ERR(err, rc, "core %u: %u input axons, counted %u", i, n, s->cores[i].n_axons);
        goto done;
      }
      for (uint32_t a = 0; a < n; a++) {
        uint32_t src = axons[a], sc = s->loc_core[src];
        if (!here[i] && !here[sc]) continue;
        sys_core *o = &s->cores[sc];
        uint32_t j = s->loc_local[src];
        if (pass == 0) o->out_ptr[j + 1]++;
        else o->out[o->out_ptr[j] + fill[src]++] = (sys_out){.core = i, .axon = a};
      }
    }
    for (uint32_t i = 0; pass == 0 && i < s->n_cores; i++) {
      sys_core *c = &s->cores[i];
      for (uint32_t j = 0; j < c->n_neurons; j++) c->out_ptr[j + 1] += c->out_ptr[j];
      c->out = nm_malloc(sizeof(sys_out) * (c->out_ptr[c->n_neurons] + 1));
      if (!c->out) goto nomem;
    }
  }
  goto done;
nomem:
  rc = NMSIM_ENOMEM_ERR(err);
done:
  nm_free(first);
  nm_free(by);
  nm_free(axons);
  nm_free(fill);
  nm_free(axon_of);
  nm_free(bits);
  return rc;
}

/* Index the plastic synapses of core c by target neuron (with their axons),
 * for the potentiation at a postsynaptic spike. */
static nmsim_status build_plastic_index(sys_core *c) {
  size_t n = 0;
  for (size_t k = 0; k < c->n_syn; k++) n += c->syn_proj[k] != 0;
  c->pin_ptr = nm_calloc((size_t)c->n_neurons + 1, sizeof(uint32_t));
  c->pin_syn = nm_malloc(sizeof(uint32_t) * (n ? n : 1));
  c->pin_axon = nm_malloc(sizeof(uint32_t) * (n ? n : 1));
  if (!c->pin_ptr || !c->pin_syn || !c->pin_axon) return NMSIM_ENOMEM;
  for (size_t k = 0; k < c->n_syn; k++)
    if (c->syn_proj[k]) c->pin_ptr[c->syn[k].tgt + 1]++;
  for (uint32_t j = 0; j < c->n_neurons; j++) c->pin_ptr[j + 1] += c->pin_ptr[j];
  for (uint32_t a = 0; a < c->n_axons; a++)
    for (uint32_t k = c->row[a]; k < c->row[a + 1]; k++)
      if (c->syn_proj[k]) {
        uint32_t at = c->pin_ptr[c->syn[k].tgt]++;
        c->pin_syn[at] = k;
        c->pin_axon[at] = a;
      }
  for (uint32_t j = c->n_neurons; j > 0; j--) c->pin_ptr[j] = c->pin_ptr[j - 1];
  c->pin_ptr[0] = 0;
  return NMSIM_OK;
}

/* Traces of every plastic projection, all zero at time 0. */
static nmsim_status alloc_plasticity(sys *s, nmsim_err *err) {
  const nmsim_scenario *scn = s->scn;
  bool any = false;
  for (size_t k = 0; k < scn->n_projs; k++) any |= scn->projs[k].plast != NULL;
  if (!any) return NMSIM_OK;
  if (scn->n_projs >= UINT16_MAX)
    return NMSIM_ERR(err, NMSIM_EINPUT, "%s: plasticity supports at most %d projections",
                     scn->path, UINT16_MAX - 1);
  s->plast = nm_calloc(scn->n_projs, sizeof *s->plast);
  s->spiked = nm_calloc((size_t)s->n_neurons + 1, 1);
  if (!s->plast || !s->spiked) return NMSIM_ENOMEM_ERR(err);
  for (size_t k = 0; k < scn->n_projs; k++) {
    const scn_projection *pr = &scn->projs[k];
    if (!pr->plast) continue;
    s->plast[k].rule = pr->plast->rule;
    s->plast[k].p = &pr->plast->p;
    s->plast[k].pre = pr->pre;
    s->plast[k].post = pr->post;
    s->plast[k].x = nm_calloc(scn->pops[pr->pre].size, sizeof(stdp_trace));
    s->plast[k].y = nm_calloc(scn->pops[pr->post].size, sizeof(stdp_trace));
    if (!s->plast[k].x || !s->plast[k].y) return NMSIM_ENOMEM_ERR(err);
  }
  return NMSIM_OK;
}

/* Which plastic projections learn in this process: those with a post neuron
 * on a core here (every one when the run is not split); and the sides of
 * them each population is (learn_side). */
static nmsim_status plast_mark_here(sys *s, nmsim_err *err) {
  if (!s->plast) return NMSIM_OK;
  if (!(s->learn_side = nm_calloc(s->n_pops ? s->n_pops : 1, 1))) return NMSIM_ENOMEM_ERR(err);
  for (size_t k = 0; k < s->n_projs; k++) {
    sys_plast *pl = &s->plast[k];
    if (!pl->rule) continue;
    uint32_t g0 = s->pop_gid0[pl->post], n = s->scn->pops[pl->post].size;
    for (uint32_t g = g0; g < g0 + n && !pl->here; g++)
      pl->here = sys_core_here(s, s->loc_core[g]);
    if (!pl->here) continue;
    s->learn_side[pl->pre] |= SYS_LEARN_PRE;
    s->learn_side[pl->post] |= SYS_LEARN_POST;
  }
  return NMSIM_OK;
}

/* Allocate the rows, synapses and out lists of core c (counted by
 * count_rows_csr), and its plasticity arrays if it holds plastic synapses; reset
 * the counts, which the fill pass recounts. */
static nmsim_status alloc_rows(sys_core *c, bool plastic, size_t n_out, nmsim_err *err) {
  c->row = nm_calloc((size_t)c->n_axons + 1, sizeof(uint32_t));
  c->syn = nm_malloc(sizeof(sys_syn) * (c->n_syn ? c->n_syn : 1));
  c->out_ptr = nm_calloc((size_t)c->n_neurons + 1, sizeof(uint32_t));
  c->out = nm_malloc(sizeof(sys_out) * (n_out ? n_out : 1));
  if (!c->row || !c->syn || !c->out_ptr || !c->out) return NMSIM_ENOMEM_ERR(err);
  if (plastic) {
    c->syn_proj = nm_calloc(c->n_syn ? c->n_syn : 1, sizeof(uint16_t));
    c->wf = nm_calloc(c->n_syn ? c->n_syn : 1, sizeof(double));
    c->axon_src = nm_calloc(c->n_axons ? c->n_axons : 1, sizeof(uint32_t));
    if (!c->syn_proj || !c->wf || !c->axon_src) return NMSIM_ENOMEM_ERR(err);
  }
  c->n_syn = 0;
  c->n_axons = 0;
  c->ring = 2;
  return NMSIM_OK;
}

/* The last check of fan-in and fan-out, on the counts of every core. */
static nmsim_status check_limits(const sys *s, const size_t *n_out, nmsim_err *err) {
  const nmsim_chip *ch = s->chip;
  nmsim_status rc = NMSIM_OK;
  for (uint32_t i = 0; i < s->n_cores && rc == NMSIM_OK; i++) {
    sys_core *c = &s->cores[i];
    if (c->n_axons > ch->max_fan_in)
      rc = NMSIM_ERR(err, NMSIM_ECAPACITY,
                     "core %u (population '%s') receives from %u source neurons; chip '%s' "
                     "allows a fan-in of %u input axons per core (over by %u)",
                     i, pop_name(s, i), c->n_axons, ch->name, ch->max_fan_in,
                     c->n_axons - ch->max_fan_in);
    else if (n_out[i] > ch->max_fan_out)
      rc = NMSIM_ERR(err, NMSIM_ECAPACITY,
                     "core %u (population '%s') sends to %zu (neuron, core) destinations; chip "
                     "'%s' allows a fan-out of %u per core (over by %zu)",
                     i, pop_name(s, i), n_out[i], ch->name, ch->max_fan_out,
                     n_out[i] - ch->max_fan_out);
  }
  return rc;
}

/* Turn the counted and sorted synapses into per-core synapse rows and
 * per-neuron out lists, after a last check of fan-in and fan-out. */
static nmsim_status build_rows(sys *s, edges *E, size_t *n_out, nmsim_err *err) {
  nmsim_status rc = check_limits(s, n_out, err);
  if (rc != NMSIM_OK) return rc;
  uint8_t *plastic_core = nm_calloc(s->n_cores, 1);
  if (!plastic_core) return NMSIM_ENOMEM_ERR(err);
  for (size_t a = 0; a < E->n; a++)
    if (E->e[a].plast) plastic_core[E->e[a].core] = 1;
  for (uint32_t i = 0; i < s->n_cores && rc == NMSIM_OK; i++)
    rc = alloc_rows(&s->cores[i], plastic_core[i], n_out[i], err);
  nm_free(plastic_core);
  if (rc != NMSIM_OK) return rc;
  /* out lists: count per source neuron first */
  for (size_t a = 0; a < E->n; a++) {
    const edge *x = &E->e[a];
    if (a == 0 || x->core != E->e[a - 1].core || x->src != E->e[a - 1].src) {
      sys_core *sc = &s->cores[s->loc_core[x->src]];
      sc->out_ptr[s->loc_local[x->src] + 1]++;
    }
  }
  for (uint32_t i = 0; i < s->n_cores; i++) {
    sys_core *c = &s->cores[i];
    for (uint32_t j = 0; j < c->n_neurons; j++) c->out_ptr[j + 1] += c->out_ptr[j];
    c->n_out = c->out_ptr[c->n_neurons];
  }
  uint32_t *fill = nm_calloc(s->n_neurons ? s->n_neurons : 1, sizeof(uint32_t));
  if (!fill) return NMSIM_ENOMEM_ERR(err);
  for (size_t a = 0; a < E->n; a++) {
    const edge *x = &E->e[a];
    sys_core *c = &s->cores[x->core];
    if (a == 0 || x->core != E->e[a - 1].core || x->src != E->e[a - 1].src) {
      uint32_t axon = c->n_axons++;
      c->row[axon] = (uint32_t)c->n_syn;
      sys_core *sc = &s->cores[s->loc_core[x->src]];
      uint32_t j = s->loc_local[x->src];
      sc->out[sc->out_ptr[j] + fill[x->src]++] = (sys_out){.core = x->core, .axon = axon};
    }
    if (c->syn_proj) {
      c->syn_proj[c->n_syn] = x->plast;
      c->wf[c->n_syn] = x->plast ? s->scn->projs[x->plast - 1].weight : 0.0;
      c->axon_src[c->n_axons - 1] = x->src;
    }
    c->syn[c->n_syn++] = (sys_syn){.tgt = x->tgt, .delay = x->delay, .site = x->site, .w = x->w};
    if ((uint32_t)x->delay + 1 > c->ring) c->ring = (uint32_t)x->delay + 1;
  }
  nm_free(fill);
  for (uint32_t i = 0; i < s->n_cores; i++) s->cores[i].row[s->cores[i].n_axons] =
      (uint32_t)s->cores[i].n_syn;
  for (uint32_t i = 0; i < s->n_cores; i++)
    if (s->cores[i].syn_proj && build_plastic_index(&s->cores[i]) != NMSIM_OK)
      return NMSIM_ENOMEM_ERR(err);
  return NMSIM_OK;
}

/* Apply a population's init: overrides to a block, one stream per neuron
 * keyed by (seed, population, neuron): one uniform draw per uniform variable,
 * one Gaussian (GSL ziggurat) per normal variable, in the order listed. */
static nmsim_status apply_init(sys *s, const sys_block *b, nmsim_err *err) {
  const scn_population *pop = &s->scn->pops[b->pop_id];
  if (!pop->n_init) return NMSIM_OK;
  gsl_rng *r = gsl_rng_alloc(gsl_rng_taus2);
  if (!r) return NMSIM_ENOMEM_ERR(err);
  for (uint32_t i = 0; i < b->n; i++) {
    gsl_rng_set(r, rng_stream_seed(s->scn->seed, b->pop_id, b->first + i, RNG_PURPOSE_INIT));
    for (size_t k = 0; k < pop->n_init; k++) {
      const scn_init *in = &pop->init[k];
      double v = in->kind == SCN_INIT_UNIFORM  ? in->a + (in->b - in->a) * gsl_rng_uniform(r)
                 : in->kind == SCN_INIT_NORMAL ? in->a + gsl_ran_gaussian_ziggurat(r, in->b)
                 : in->kind == SCN_INIT_VALUES ? in->values[b->first + i]
                                               : in->a;
      if (pop->model->vars[in->var].type == NMSIM_VAR_F64)
        ((double *)b->state[in->var])[i] = v;
      else
        ((int32_t *)b->state[in->var])[i] = (int32_t)llround(v);
    }
  }
  gsl_rng_free(r);
  return NMSIM_OK;
}

/* Per-neuron parameters: cut block b into runs of neurons whose values are
 * equal, each with its derived constants (the first run's in b->derived). A
 * block of one run keeps n_runs 0. */
static nmsim_status block_runs(sys *s, sys_block *b, char *msg, size_t msglen, nmsim_err *err) {
  const scn_population *pop = &s->scn->pops[b->pop_id];
  if (!pop->pn_values || !b->n) return NMSIM_OK;
  const nmsim_neuron_type *m = b->model;
  const size_t np = m->n_params;
  const double *row0 = pop->pn_values + (size_t)b->first * np;
  uint32_t n = 1;
  for (uint32_t i = 1; i < b->n; i++)
    if (memcmp(row0 + (size_t)i * np, row0 + (size_t)(i - 1) * np, sizeof(double) * np)) n++;
  nmsim_status rc = m->prepare(row0, s->scn->dt_ms, b->derived, msg, msglen);
  if (rc != NMSIM_OK || n == 1)
    return rc == NMSIM_OK ? NMSIM_OK
                          : NMSIM_ERR(err, rc, "%s:%d: populations.%s: neuron %u: %s",
                                      s->scn->path, pop->line, pop->name, b->first, msg);
  if (!(b->runs = nm_calloc(n, sizeof *b->runs))) return NMSIM_ENOMEM_ERR(err);
  b->runs[0] = (sys_param_run){.off = 0, .derived = b->derived};
  uint32_t r = 0;
  for (uint32_t i = 1; i <= b->n; i++) {
    if (i < b->n &&
        !memcmp(row0 + (size_t)i * np, row0 + (size_t)(i - 1) * np, sizeof(double) * np))
      continue;
    b->runs[r].n = i - b->runs[r].off;
    if (i == b->n) break;
    r++;
    b->runs[r].off = i;
    if (!(b->runs[r].derived = nm_calloc(1, m->derived_size ? m->derived_size : 1)))
      return NMSIM_ENOMEM_ERR(err);
    b->n_runs = r + 1; /* freed with the block from here on */
    if ((rc = m->prepare(row0 + (size_t)i * np, s->scn->dt_ms, b->runs[r].derived, msg,
                         msglen)) != NMSIM_OK)
      return NMSIM_ERR(err, rc, "%s:%d: populations.%s: neuron %u: %s", s->scn->path,
                       pop->line, pop->name, b->first + i, msg);
  }
  b->n_runs = n;
  return NMSIM_OK;
}

/* Allocate the neuron state and the input ring of every core (of a
 * rank-local build: of the cores with rows here, here[]). */
static nmsim_status alloc_state(sys *s, const int *shift, const uint8_t *here, nmsim_err *err) {
  char msg[512];
  for (uint32_t i = 0; i < s->n_cores; i++) {
    sys_core *c = &s->cores[i];
    if (!c->n_neurons || (here && !here[i])) continue;
    c->n_sites = 1;
    uint32_t maxblk = 1;
    for (size_t bi = 0; bi < c->n_blocks; bi++) {
      const nmsim_neuron_type *m = c->blocks[bi].model;
      if (m->n_sites > c->n_sites) c->n_sites = (uint32_t)m->n_sites;
      if (c->blocks[bi].n > maxblk) maxblk = c->blocks[bi].n;
    }
    if (c->n_sites > SYS_MAX_SITES) NMSIM_PANIC("model with more than %d sites", SYS_MAX_SITES);
    size_t nn = c->n_neurons;
    c->acc = nm_calloc((size_t)c->ring * c->n_sites * nn, sizeof(int64_t));
    /* dense input arrays only for models that do not take their input in
     * their state (input_vars) */
    bool dense = false;
    for (size_t bi = 0; bi < c->n_blocks; bi++) dense |= !c->blocks[bi].model->input_vars;
    c->input = dense ? nm_calloc((size_t)c->n_sites * nn, sizeof(double)) : NULL;
    c->had_input = nm_calloc((nn + 63) / 64, sizeof *c->had_input);
    c->had_list = nm_malloc(sizeof(uint32_t) * nn);
    c->block_of = nm_malloc(sizeof(uint16_t) * nn);
    c->touched = nm_calloc(c->ring, sizeof(uint32_t *));
    c->n_touched = nm_calloc(c->ring, sizeof(uint32_t));
    c->cap_touched = nm_calloc(c->ring, sizeof(uint32_t));
    if (!c->had_list || !c->block_of || !c->touched || !c->n_touched || !c->cap_touched)
      return NMSIM_ENOMEM_ERR(err);
    if (c->n_blocks > UINT16_MAX) NMSIM_PANIC("more than 65535 blocks on a core");
    for (size_t bi = 0; bi < c->n_blocks; bi++)
      for (uint32_t k = 0; k < c->blocks[bi].n; k++)
        c->block_of[c->blocks[bi].local0 + k] = (uint16_t)bi;
    for (uint32_t a = 0; c->row && c->n_blocks > 1 && a < c->n_axons && !c->mixed_rows; a++)
      for (uint32_t k = c->row[a] + 1; k < c->row[a + 1]; k++)
        if (sys_local_pop(c, c->syn[k].tgt) != sys_local_pop(c, c->syn[c->row[a]].tgt))
          c->mixed_rows = true;
    c->spikes = nm_malloc(sizeof(uint32_t) * maxblk);
    c->values = nm_calloc(maxblk, sizeof(double));
    if (!c->acc || (dense && !c->input) || !c->had_input || !c->spikes || !c->values)
      return NMSIM_ENOMEM_ERR(err);
    for (size_t bi = 0; bi < c->n_blocks; bi++) {
      sys_block *b = &c->blocks[bi];
      const nmsim_neuron_type *m = b->model;
      b->inv_scale = ldexp(1.0, -shift[b->pop_id]);
      b->derived = nm_calloc(1, m->derived_size ? m->derived_size : 1);
      b->state = nm_calloc(m->n_vars ? m->n_vars : 1, sizeof(void *));
      if (!b->derived || !b->state) return NMSIM_ENOMEM_ERR(err);
      if (NEVER(m->n_vars > SYS_MAX_VARS)) return NMSIM_ERR(err, NMSIM_EINVAL, "model %s: too many state variables", m->name);
      for (size_t v = 0; v < m->n_vars; v++) {
        b->state[v] = nm_calloc(b->n, sys_var_bytes(&m->vars[v]));
        if (!b->state[v]) return NMSIM_ENOMEM_ERR(err);
      }
      if (m->input_vars)
        for (size_t k = 0; k < m->n_sites && k < SYS_MAX_SITES; k++)
          b->in_var[k] = b->state[m->input_vars[k]];
      const scn_population *pop = &s->scn->pops[b->pop_id];
      nmsim_status rc = block_runs(s, b, msg, sizeof msg, err);
      if (rc != NMSIM_OK) return rc;
      if (!b->n_runs && !(pop->pn_values && b->n)) /* else block_runs prepared it */
        rc = m->prepare(pop->values, s->scn->dt_ms, b->derived, msg, sizeof msg);
      if (rc != NMSIM_OK)
        return NMSIM_ERR(err, rc, "%s:%d: populations.%s: %s", s->scn->path, pop->line, pop->name,
                         msg);
      const double *no_input[SYS_MAX_SITES] = {0};
      nmsim_block mb = {.n = b->n, .state = b->state, .input = no_input, .step = 0,
                        .dt_ms = s->scn->dt_ms, .seed = s->scn->seed, .pop_id = b->pop_id,
                        .first = b->first, .aux = b->aux};
      if (!b->n_runs) m->init(b->derived, &mb);
      for (uint32_t r = 0; r < b->n_runs; r++) {
        void *st[SYS_MAX_VARS];
        const double *in[SYS_MAX_SITES];
        nmsim_block v = sys_run_view(b, &b->runs[r], &mb, st, in);
        m->init(b->runs[r].derived, &v);
      }
      if ((rc = apply_init(s, b, err)) != NMSIM_OK) return rc;
    }
  }
  return NMSIM_OK;
}

/* The trials of the first dvs population with a label file: the steps each
 * covers, for the energy and time per trial (docs/dvs.md, "Trials"). */
static nmsim_status sys_trials(sys *s, nmsim_err *err) {
  const nmsim_scenario *scn = s->scn;
  for (size_t p = 0; p < scn->n_pops; p++) {
    if (!scn->pops[p].dvs) continue;
    size_t n;
    const dvs_trial *tr = dvs_replay_trials(scn->pops[p].dvs, &n);
    if (!n || tr[0].label < 0) continue; /* no labels: one open-ended trial */
    s->trial_label = nm_calloc(n, sizeof *s->trial_label);
    s->trial_start = nm_calloc(n, sizeof *s->trial_start);
    s->trial_len = nm_calloc(n, sizeof *s->trial_len);
    s->trial_done = nm_calloc(n, sizeof *s->trial_done);
    s->trial_pj = nm_calloc(n, sizeof *s->trial_pj);
    s->trial_ps = nm_calloc(n, sizeof *s->trial_ps);
    if (!s->trial_label || !s->trial_start || !s->trial_len || !s->trial_done ||
        !s->trial_pj || !s->trial_ps)
      return NMSIM_ENOMEM_ERR(err);
    for (size_t t = 0; t < n; t++) {
      s->trial_label[t] = tr[t].label;
      s->trial_start[t] = tr[t].start_step;
      s->trial_len[t] = tr[t].n_steps;
    }
    s->n_trials = n;
    return NMSIM_OK;
  }
  return NMSIM_OK;
}

/* The pacing of a timed run: the scenario's engine.pacing, else the chip's
 * (docs/scenario-format.md, "Pacing"). */
/* "FILE:LINE", or "FILE" for a value set on the command line (no line). */
static const char *scn_at(const nmsim_scenario *scn, int line, char *buf,
                          size_t n) {
  if (line > 0)
    snprintf(buf, n, "%s:%d", scn->path, line);
  else
    snprintf(buf, n, "%s", scn->path);
  return buf;
}

static nmsim_status sys_pacing(sys *s, nmsim_err *err) {
  const nmsim_scenario *scn = s->scn;
  const nmsim_chip *chip = s->chip;
  bool ticks = !(s->type->flags & CORE_SYNC_BARRIER);
  char at[4200];
  s->pacing = chip->pacing;
  s->pace_ps = chip->pacing_ps;
  s->pace_from = "the chip's";
  s->tick_ps = ticks ? s->pace_ps : 0;
  if (scn->functional) { /* no hardware time to pace */
    s->pacing = NM_PACE_FAST;
    s->pace_ps = 0;
    return NMSIM_OK;
  }
  if (scn->pacing == NM_PACE_FAST && ticks)
    return NMSIM_ERR(err, NMSIM_EINPUT,
                     "%s: engine.pacing fast: chip '%s' (core_kind %s) runs on timer ticks, "
                     "with no barrier to start a step when the last one ends: use "
                     "{realtime: PERIOD}",
                     scn_at(scn, scn->pacing_line, at, sizeof at), chip->name, s->type->name);
  /* recording: a step lasts the recording time it replays, dt / time_scale
   * (one scale for every replayed recording) */
  double scale = 0;
  if (scn->pacing == NM_PACE_RECORDING) {
    for (size_t p = 0; p < scn->n_pops; p++) {
      if (!scn->pops[p].dvs) continue;
      double ts = dvs_replay_time_scale(scn->pops[p].dvs);
      if (scale && ts != scale)
        return NMSIM_ERR(err, NMSIM_EINPUT,
                         "%s: engine.pacing recording: the recordings replay at different "
                         "time scales (%g and %g): pace with {realtime: PERIOD}",
                         scn_at(scn, scn->pacing_line, at, sizeof at), scale, ts);
      scale = ts;
    }
    if (!scale)
      return NMSIM_ERR(err, NMSIM_EINPUT,
                       "%s: engine.pacing recording: no population replays a recording "
                       "(model: dvs)", scn_at(scn, scn->pacing_line, at, sizeof at));
  }
  if (scn->pacing != NM_PACE_CHIP) {
    s->pacing = scn->pacing;
    s->pace_ps = scn->pacing == NM_PACE_REALTIME ? scn->pacing_ps
                 : scn->pacing == NM_PACE_RECORDING ? (nmsim_ps)floor(scn->dt_ms / scale * 1e9 + 0.5)
                                                     : 0;
    s->pace_from = scn->pacing == NM_PACE_RECORDING ? "the recording's" : "engine.pacing";
  }
  if (s->pace_ps == 0 && s->pacing != NM_PACE_FAST) s->pacing = NM_PACE_FAST;
  s->tick_ps = ticks ? s->pace_ps : 0;
  /* hardware time is counted in ps on 64 bits: about 213 days */
  if (s->pace_ps && (double)s->pace_ps * (double)(scn->steps + 1) > 0x1p63)
    return NMSIM_ERR(err, NMSIM_EINPUT,
                     "%s: %llu steps of %g s in real time run past the %g days of hardware "
                     "time nmsim counts", scn->path, (unsigned long long)scn->steps,
                     (double)s->pace_ps * 1e-12, 0x1p63 * 1e-12 / 86400);
  return NMSIM_OK;
}

/* Room for the link tables per window (timed runs with a NoC): windows of
 * record.links.window steps, by default about 20 windows a run. */
#define SYS_WINDOWS_DEFAULT 20
#define SYS_WINDOW_SLOTS_MAX ((uint64_t)1 << 26) /* windows x link slots: 1.5 GiB */
static nmsim_status alloc_windows(sys *s, nmsim_err *err) {
  const nmsim_scenario *scn = s->scn;
  if (!s->path->fold_window || !s->steps) return NMSIM_OK;
  uint64_t w = scn->link_window ? scn->link_window
                                : (s->steps + SYS_WINDOWS_DEFAULT - 1) / SYS_WINDOWS_DEFAULT;
  uint64_t nw = (s->steps + w - 1) / w, slots = (uint64_t)s->n_tiles * NOC_MAX_DIRS;
  if (nw > SYS_WINDOW_SLOTS_MAX / (slots ? slots : 1))
    return NMSIM_ERR(err, NMSIM_EINPUT,
                     "%s: record.links.window: %llu windows of %llu steps over %llu link slots "
                     "need more than %llu table entries: take longer windows",
                     scn->path, (unsigned long long)nw, (unsigned long long)w,
                     (unsigned long long)slots, (unsigned long long)SYS_WINDOW_SLOTS_MAX);
  s->link_window = w;
  s->n_windows = nw;
  size_t n = (size_t)(nw * slots);
  s->win_ps = nm_calloc(nw, sizeof *s->win_ps);
  s->win_packets = nm_calloc(n ? n : 1, sizeof *s->win_packets);
  s->win_busy = nm_calloc(n ? n : 1, sizeof *s->win_busy);
  s->win_stall = nm_calloc(n ? n : 1, sizeof *s->win_stall);
  if (!s->win_ps || !s->win_packets || !s->win_busy || !s->win_stall)
    return NMSIM_ENOMEM_ERR(err);
  return NMSIM_OK;
}

/* dvfs: check it against the chip and the mode, and give every PE in use
 * its first level: with policy fixed the highest its populations ask for
 * (dvfs.populations, else dvfs.level, else the fastest); with policy load
 * the slowest (its first tick chooses). The PEs in use then leave the
 * chip's per-core static power to their levels. */
static nmsim_status sys_dvfs(sys *s, nmsim_err *err) {
  const nmsim_scenario *scn = s->scn;
  const scn_dvfs *d = &scn->dvfs;
  const chip_pe *pc = &s->chip->pe;
  char at[4200];
  if (d->policy == SCN_DVFS_OFF) return NMSIM_OK;
  if (scn->functional)
    return NMSIM_ERR(err, NMSIM_EINPUT,
                     "%s: dvfs needs engine.mode timed (functional and network mode have no "
                     "PE time for a level to change)",
                     scn_at(scn, d->line, at, sizeof at));
  if (!(s->type->flags & CORE_CHIP_PE) || !pc->n_levels)
    return NMSIM_ERR(err, NMSIM_EINPUT,
                     "%s: dvfs: chip '%s' (core kind %s) has no performance levels "
                     "(pe.dvfs.levels in its chip file)",
                     scn_at(scn, d->line, at, sizeof at), s->chip->name, s->type->name);
  uint32_t top = pc->n_levels;
  if (d->level > top)
    return NMSIM_ERR(err, NMSIM_EINPUT, "%s: dvfs.level: chip '%s' has levels 1 to %u, got %u",
                     scn_at(scn, d->line, at, sizeof at), s->chip->name, top, d->level);
  for (size_t p = 0; p < scn->n_pops; p++)
    if (scn->pops[p].dvfs_level > top)
      return NMSIM_ERR(err, NMSIM_EINPUT,
                       "%s: dvfs.populations.%s: chip '%s' has levels 1 to %u, got %u",
                       scn_at(scn, d->line, at, sizeof at), scn->pops[p].name, s->chip->name,
                       top, scn->pops[p].dvfs_level);
  s->dvfs = d->policy == SCN_DVFS_LOAD ? SYS_DVFS_LOAD : SYS_DVFS_FIXED;
  s->dvfs_headroom = d->headroom;
  for (uint32_t u = 0; u < s->n_used; u++) {
    sys_core *c = &s->cores[s->used[u]];
    uint32_t l = 1;
    for (size_t b = 0; b < c->n_blocks && s->dvfs == SYS_DVFS_FIXED; b++) {
      uint32_t want = scn->pops[c->blocks[b].pop_id].dvfs_level;
      if (!want) want = d->level ? d->level : top;
      if (want > l) l = want;
    }
    c->level = &pc->level[l - 1];
  }
  s->static_mw -= s->chip->static_core_mw * s->n_used;
  if (s->static_mw < 0) s->static_mw = 0;
  return NMSIM_OK;
}

/* The sources of every neuron without the synapses: the expansion is run
 * twice (it is deterministic), to count and then to fill. */
typedef struct csr_sink {
  uint32_t *fanin, *srcs;
  uint8_t *plastic_dst; /* per neuron: the target of a plastic synapse */
  size_t n;
} csr_sink;

static nmsim_status csr_count(void *ctx, const sys *s, uint32_t src_gid, uint32_t dst_gid,
                              const scn_projection *pr, int32_t wq, uint32_t delay) {
  (void)s, (void)src_gid, (void)wq, (void)delay;
  csr_sink *k = ctx;
  if (pr->plast) k->plastic_dst[dst_gid] = 1;
  k->fanin[dst_gid + 1]++;
  k->n++;
  return NMSIM_OK;
}

static nmsim_status csr_fill(void *ctx, const sys *s, uint32_t src_gid, uint32_t dst_gid,
                             const scn_projection *pr, int32_t wq, uint32_t delay) {
  (void)s, (void)pr, (void)wq, (void)delay;
  csr_sink *k = ctx;
  k->srcs[k->fanin[dst_gid]++] = src_gid;
  return NMSIM_OK;
}

/* Whether a split build can make only this rank's part: a chip whose spikes
 * are addressed (core, axon) with no whole-system tables (keyed routing
 * builds routing tables from every out list; a core type's build hook reads
 * them too). NMSIM_WHOLE_BUILD=1 builds the whole system on every rank
 * anyway (for measuring what the local build saves). */
static bool rank_local_ok(const sys *s) {
  if ((s->type->flags & CORE_ROUTE_KEYED) || s->type->build) return false;
  const char *whole = getenv("NMSIM_WHOLE_BUILD");
  return !(whole && *whole && strcmp(whole, "0"));
}

nmsim_status sys_build(const nmsim_scenario *scn, const nmsim_chip *chip, sys **out,
                       nmsim_err *err) {
  return sys_build_split(scn, chip, NULL, out, err);
}

nmsim_status sys_build_split(const nmsim_scenario *scn, const nmsim_chip *chip,
                             const sys_split *split, sys **out, nmsim_err *err) {
  *out = NULL;
  nmsim_status rc = NMSIM_ENOMEM;
  edges E = {0};
  int *shift = NULL;
  uint32_t *fanin = NULL, *srcs = NULL, *est = NULL, *seen = NULL;
  bool local = false;
  uint8_t *plastic = NULL, *rows_here = NULL;
  size_t *n_out = NULL;
  uint32_t *out_deg = NULL;
  sys *s = nm_calloc(1, sizeof *s);
  if (!s) return NMSIM_ENOMEM_ERR(err);
  s->scn = scn;
  s->chip = chip;
  s->type = chip->core_type;
  s->steps = scn->steps;
  s->seed = scn->seed;
  s->dt_ms = scn->dt_ms;
  s->n_pops = (uint32_t)scn->n_pops;
  s->n_projs = (uint32_t)scn->n_projs;
  /* network mode: no chip, one core per population on one tile */
  bool net = scn->network;
  s->n_chips = net ? 1 : scn->chips_x * scn->chips_y;
  s->n_tiles = net ? 1 : chip_n_tiles(chip) * s->n_chips;
  s->n_cores = net ? (uint32_t)(scn->n_pops ? scn->n_pops : 1) : chip_n_cores(chip) * s->n_chips;
  s->topo = chip->topology;
  s->routing = chip->routing;
  if (s->n_chips > 1 && !chip->has_chip_link) {
    rc = NMSIM_ERR(err, NMSIM_EINPUT,
                   "%s: chips: a board of %u x %u chips needs chip '%s' to describe its "
                   "chip_link (energy, time, serialization)",
                   scn->path, scn->chips_x, scn->chips_y, chip->name);
    goto fail;
  }
  s->unit_router0 = s->n_cores;
  s->unit_barrier = s->n_cores + s->n_tiles;
  if (chip->max_neurons > 65535) {
    rc = NMSIM_ERR(err, NMSIM_EINPUT, "chip '%s': neurons_per_core %u exceeds 65535",
                   chip->name, chip->max_neurons);
    goto fail;
  }
  if (!net) {
    /* a network the board cannot hold fails now, before anything is made
     * per neuron (1e7 neurons on an 8-core chip took 1.7 GB to say so) */
    uint64_t total = 0, room = (uint64_t)s->n_cores * chip->max_neurons;
    for (size_t p = 0; p < scn->n_pops; p++) {
      uint64_t before = total;
      total += scn->pops[p].size;
      if (total <= room) continue;
      uint64_t left = total - room;
      for (size_t q = p + 1; q < scn->n_pops; q++) left += scn->pops[q].size;
      rc = NMSIM_ERR(err, NMSIM_ECAPACITY,
                     "%s:%d: population '%s' does not fit on chip '%s' (%u chip%s, %u cores): "
                     "%llu neurons are left to place, from neuron %llu of '%s'. The limit that "
                     "bound is neurons (%u per core): the %u cores hold %llu. Ways out: a board "
                     "of more chips (chips: [X, Y]), a preset with larger limits (nmsim chips), "
                     "or engine.mode network (no per-core limits)",
                     scn->path, scn->pops[p].line, scn->pops[p].name, chip->name, s->n_chips,
                     s->n_chips == 1 ? "" : "s", s->n_cores, (unsigned long long)left,
                     (unsigned long long)(room - before), scn->pops[p].name, chip->max_neurons,
                     s->n_cores, (unsigned long long)room);
      goto fail;
    }
  }
  if ((rc = sys_pacing(s, err)) != NMSIM_OK) goto fail;
  if ((rc = sys_trials(s, err)) != NMSIM_OK) goto fail;
  /* the board's grid of tiles (network mode: one tile) */
  if (!(s->grid = nm_calloc(1, sizeof *s->grid)) ||
      (net ? noc_grid_init(s->grid, 1, 1, 1, 1)
           : noc_grid_init(s->grid, chip->mesh_width, chip->mesh_height, scn->chips_x,
                           scn->chips_y))) {
    rc = NMSIM_ENOMEM_ERR(err);
    goto fail;
  }
  s->cores = nm_calloc(s->n_cores, sizeof(sys_core));
  s->routers = nm_calloc(s->n_tiles, sizeof(sys_router));
  shift = nm_calloc(scn->n_pops, sizeof(int));
  s->pop_spikes = nm_calloc(scn->n_pops, sizeof(uint32_t *));
  s->pop_nspikes = nm_calloc(scn->n_pops, sizeof(size_t));
  s->pop_total_spikes = nm_calloc(scn->n_pops, sizeof(uint64_t));
  s->pop_bursts = nm_calloc(scn->n_pops, sizeof(uint64_t));
  s->pop_energy = nm_calloc(scn->n_pops ? scn->n_pops : 1, sizeof(nm_energy));
  s->pop_busy = nm_calloc(scn->n_pops ? scn->n_pops : 1, sizeof(nmsim_ps));
  s->lat_hist = nm_calloc(SYS_LAT_BINS, sizeof(uint64_t));
  if (!s->cores || !s->routers || !shift || !s->pop_spikes || !s->pop_nspikes ||
      !s->pop_total_spikes || !s->pop_bursts || !s->pop_energy || !s->pop_busy || !s->lat_hist) {
    rc = NMSIM_ENOMEM_ERR(err);
    goto fail;
  }
  for (size_t p = 0; p < scn->n_pops; p++) {
    s->pop_spikes[p] = nm_malloc(sizeof(uint32_t) * scn->pops[p].size);
    if (!s->pop_spikes[p]) {
      rc = NMSIM_ENOMEM_ERR(err);
      goto fail;
    }
  }
  /* cores are numbered chip by chip, so dense fill completes a chip before
   * opening the next; their tiles are numbered over the board's grid */
  uint32_t per_chip = chip_n_cores(chip);
  for (uint32_t i = 0; i < s->n_cores && !net; i++) {
    uint32_t ch = i / per_chip, lt = (i % per_chip) / chip->cores_per_tile;
    s->cores[i].id = i;
    s->cores[i].chip = ch;
    s->cores[i].tile = noc_grid_tile(s->grid, ch, lt);
  }
  if ((rc = input_scales(s, shift, err)) != NMSIM_OK) goto fail;
  if ((rc = alloc_gids(s, err)) != NMSIM_OK) goto fail;
  s->last_spike = nm_calloc((size_t)s->n_neurons + 1, sizeof(uint64_t));
  s->in_burst = nm_calloc((size_t)s->n_neurons + 1, 1);
  if (!s->last_spike || !s->in_burst) {
    rc = NMSIM_ENOMEM_ERR(err);
    goto fail;
  }
  /* bursts: inter-spike intervals of at most 16 ms (the criterion of the
   * two-compartment L5 reference, Naud & Sprekeler 2018), at least one step */
  s->burst_isi = (uint64_t)floor(16.0 / scn->dt_ms + 1e-9);
  if (s->burst_isi < 1) s->burst_isi = 1;
  if (net) {
    for (uint32_t i = 0; i < s->n_cores; i++) s->cores[i].id = i;
    if ((rc = net_build(s, shift, err)) != NMSIM_OK) goto fail;
    s->path = &sys_network_path;
    if ((rc = alloc_state(s, shift, NULL, err)) != NMSIM_OK) goto fail;
    nm_free(shift);
    *out = s;
    return NMSIM_OK;
  }
  if (s->type->flags & CORE_NO_WEIGHT_EXP)
    for (size_t k = 0; k < scn->n_projs; k++)
      if (scn->projs[k].weight_exp != 0) {
        rc = NMSIM_ERR(err, NMSIM_EINPUT,
                       "%s:%d: projections[%zu]: weight_exp %d: chip '%s' (core_kind %s) adds "
                       "integer weights, with no exponent",
                       scn->path, scn->projs[k].line, k, scn->projs[k].weight_exp, chip->name,
                       s->type->name);
        goto fail;
      }
  if (s->type->flags & CORE_NO_LEARNING)
    for (size_t k = 0; k < scn->n_projs; k++)
      if (scn->projs[k].plast) {
        rc = NMSIM_ERR(err, NMSIM_EINPUT,
                       "%s:%d: projections[%zu]: chip '%s' (core_kind %s) has no on-chip "
                       "learning: remove the projection's plasticity, or use a chip that "
                       "learns",
                       scn->path, scn->projs[k].line, k, chip->name, s->type->name);
        goto fail;
      }
  /* A split run on a chip that allows it builds only this rank's part: the
   * mapping (global, deterministic) from the sources of every neuron alone,
   * 4 bytes a synapse, then the synapses of the cores owned here. */
  local = split && split->size > 1 && rank_local_ok(s);
  size_t n_syn_all = 0;
  fanin = nm_calloc((size_t)s->n_neurons + 1, sizeof(uint32_t));
  if (!fanin) {
    rc = NMSIM_ENOMEM_ERR(err);
    goto fail;
  }
  if (local) {
    csr_sink k = {.fanin = fanin, .plastic_dst = nm_calloc((size_t)s->n_neurons + 1, 1)};
    if (!(plastic = k.plastic_dst)) {
      rc = NMSIM_ENOMEM_ERR(err);
      goto fail;
    }
    if ((rc = sys_expand_projections(s, shift, csr_count, &k, err)) != NMSIM_OK) goto fail;
    n_syn_all = k.n;
  } else {
    if ((rc = sys_expand_projections(s, shift, add_edge, &E, err)) != NMSIM_OK) goto fail;
    n_syn_all = E.n;
  }
  /* sources of every neuron, as offsets and a list (freed after mapping) */
  srcs = nm_malloc(sizeof(uint32_t) * (n_syn_all ? n_syn_all : 1));
  if (!srcs || n_syn_all > UINT32_MAX) {
    rc = n_syn_all > UINT32_MAX ? NMSIM_ERR(err, NMSIM_EINPUT, "%s: more than 2^32 synapses",
                                            scn->path)
                                : NMSIM_ENOMEM_ERR(err);
    goto fail;
  }
  if (local) {
    for (uint32_t g = 0; g < s->n_neurons; g++) fanin[g + 1] += fanin[g];
    csr_sink k = {.fanin = fanin, .srcs = srcs};
    if ((rc = sys_expand_projections(s, shift, csr_fill, &k, err)) != NMSIM_OK) goto fail;
  } else {
    for (size_t a = 0; a < E.n; a++) fanin[E.e[a].dst + 1]++;
    for (uint32_t g = 0; g < s->n_neurons; g++) fanin[g + 1] += fanin[g];
    for (size_t a = 0; a < E.n; a++) srcs[fanin[E.e[a].dst]++] = E.e[a].src;
  }
  for (uint32_t g = s->n_neurons; g > 0; g--) fanin[g] = fanin[g - 1];
  fanin[0] = 0;
  /* Fan-out (destination cores of a core's neurons) depends on where the
   * targets land, so it is packed with an estimate per neuron: none at first,
   * then the destinations each neuron had in the previous placement. The
   * estimates only grow and are bounded by the number of cores, so the loop
   * ends; build_rows reports what still overflows. */
  est = nm_calloc((size_t)s->n_neurons + 1, sizeof(uint32_t));
  n_out = nm_calloc(s->n_cores, sizeof(size_t));
  out_deg = nm_calloc((size_t)s->n_neurons + 1, sizeof(uint32_t));
  seen = nm_calloc((size_t)s->n_neurons + 1, sizeof(uint32_t));
  if (!est || !n_out || !out_deg || !seen) {
    rc = NMSIM_ENOMEM_ERR(err);
    goto fail;
  }
  for (int attempt = 0;; attempt++) {
    if ((rc = map_neurons(s, fanin, srcs, est, err)) != NMSIM_OK) goto fail;
    uint32_t over = count_rows_csr(s, fanin, srcs, n_out, out_deg, seen);
    if (over == UINT32_MAX - 1) {
      rc = NMSIM_ENOMEM_ERR(err);
      goto fail;
    }
    if (over == UINT32_MAX || attempt == 64) break;
    bool grew = false;
    for (uint32_t g = 0; g < s->n_neurons; g++)
      if (out_deg[g] > est[g]) est[g] = out_deg[g], grew = true;
    if (!grew) break;
    unmap(s);
  }
  if (!local) {
    nm_free(srcs);
    srcs = NULL;
    nm_free(seen);
    seen = NULL;
    if (!sort_into_rows(s, &E)) {
      rc = NMSIM_ENOMEM_ERR(err);
      goto fail;
    }
  }
  s->barrier_ps = s->chips_used > 1 ? chip_barrier_time_chips(chip, s->chips_used)
                                    : chip_barrier_time(chip, s->tiles_used);
  s->static_mw = chip->static_gated ? chip->static_chip_mw * s->chips_used +
                                          chip->static_tile_mw * s->tiles_used +
                                          chip->static_core_mw * s->n_used
                                    : chip->static_power_mw * s->n_chips;
  if ((rc = sys_dvfs(s, err)) != NMSIM_OK) goto fail;
  if (local) {
    /* the owners of every core, then the out lists of the sources and
     * targets here, then the synapses whose target is here */
    if ((rc = part_owners(s, split->rank, split->size, split->strategy, &s->part, err)) !=
        NMSIM_OK)
      goto fail;
    if ((rc = check_limits(s, n_out, err)) != NMSIM_OK) goto fail;
    /* rows here: of the cores owned here, and of every core with plastic
     * synapses (its weights are reduced to part 0 at the end) */
    uint8_t *pcore = nm_calloc((size_t)s->n_cores + 1, 1);
    rows_here = nm_calloc((size_t)s->n_cores + 1, 1);
    if (!pcore || !rows_here) {
      nm_free(pcore);
      rc = NMSIM_ENOMEM_ERR(err);
      goto fail;
    }
    for (uint32_t g = 0; g < s->n_neurons; g++)
      if (plastic[g]) pcore[s->loc_core[g]] = 1;
    nm_free(plastic);
    plastic = pcore;
    for (uint32_t i = 0; i < s->n_cores; i++) rows_here[i] = s->unit_here[i] || plastic[i];
    if ((rc = build_outs_csr(s, fanin, srcs, n_out, s->unit_here, rows_here, plastic, seen,
                             err)) != NMSIM_OK)
      goto fail;
    nm_free(srcs);
    srcs = NULL;
    nm_free(seen);
    seen = NULL;
    /* only the projections with a target here: a part of a board of many
     * chips expands a fraction of the connectors */
    uint8_t *proj_here = nm_calloc(scn->n_projs + 1, 1), *pop_here = nm_calloc(scn->n_pops + 1, 1);
    if (!proj_here || !pop_here) {
      nm_free(proj_here);
      nm_free(pop_here);
      rc = NMSIM_ENOMEM_ERR(err);
      goto fail;
    }
    for (uint32_t p = 0; p < s->n_pops; p++)
      for (uint32_t g = s->pop_gid0[p]; g < s->pop_gid0[p] + scn->pops[p].size && !pop_here[p]; g++)
        pop_here[p] = rows_here[s->loc_core[g]];
    for (size_t k = 0; k < scn->n_projs; k++) proj_here[k] = pop_here[scn->projs[k].post];
    nm_free(pop_here);
    row_sink rk = {.s = s, .rows_here = rows_here};
    rc = sys_expand_some(s, shift, proj_here, fill_row_here, &rk, err);
    nm_free(proj_here);
    if (rc != NMSIM_OK) goto fail;
    rows_done(s);
    for (uint32_t i = 0; i < s->n_cores; i++)
      if (s->cores[i].syn_proj && build_plastic_index(&s->cores[i]) != NMSIM_OK) {
        rc = NMSIM_ENOMEM_ERR(err);
        goto fail;
      }
  } else if ((rc = build_rows(s, &E, n_out, err)) != NMSIM_OK) {
    goto fail;
  }
  s->rows = true;
  /* keyed routing: keys and key/mask routing tables from the out lists */
  if ((s->type->flags & CORE_ROUTE_KEYED) && (rc = mc_build(s, err)) != NMSIM_OK) goto fail;
  if (s->type->build && (rc = s->type->build(s, err)) != NMSIM_OK) goto fail;
  s->path = scn->functional                          ? &sys_direct_path
            : (s->type->flags & CORE_ROUTE_KEYED) ? &noc_multicast_path
                                                   : &noc_unicast_path;
  if ((rc = alloc_state(s, shift, local ? rows_here : NULL, err)) != NMSIM_OK) goto fail;
  if ((rc = alloc_plasticity(s, err)) != NMSIM_OK) goto fail;
  if ((rc = alloc_windows(s, err)) != NMSIM_OK) goto fail;
  if (scn->tl_end && !scn->functional) {
    /* record.timeline (timed runs): the rows of its steps */
    if ((uint64_t)s->n_used * (scn->tl_end - scn->tl_first) > ((uint64_t)1 << 24)) {
      rc = NMSIM_ERR(err, NMSIM_EINPUT,
                     "%s: record.timeline: %llu steps x %u cores in use is more than %llu rows: "
                     "take fewer steps", scn->path,
                     (unsigned long long)(scn->tl_end - scn->tl_first), s->n_used,
                     (unsigned long long)1 << 24);
      goto fail;
    }
    s->tl_first = scn->tl_first, s->tl_end = scn->tl_end;
    s->tl = nm_calloc((size_t)(s->tl_end - s->tl_first) * s->n_used * TL_FIELDS + 1,
                      sizeof *s->tl);
    s->tl_syn0 = nm_calloc(s->n_used + 1, sizeof *s->tl_syn0);
    s->tl_rx0 = nm_calloc(s->n_used + 1, sizeof *s->tl_rx0);
    s->tl_learn0 = nm_calloc(s->n_used + 1, sizeof *s->tl_learn0);
    if (!s->tl || !s->tl_syn0 || !s->tl_rx0 || !s->tl_learn0) {
      rc = NMSIM_ENOMEM_ERR(err);
      goto fail;
    }
  }
  nm_free(E.e);
  E = (edges){0};
  if (split && split->size > 1) {
    rc = local ? part_finish(s, s->part, err)
               : part_create(s, split->rank, split->size, split->strategy, &s->part, err);
    if (rc != NMSIM_OK) goto fail;
  }
  if ((rc = plast_mark_here(s, err)) != NMSIM_OK) goto fail;
  nm_free(shift);
  nm_free(fanin);
  nm_free(est);
  nm_free(n_out);
  nm_free(out_deg);
  nm_free(plastic);
  nm_free(rows_here);
  *out = s;
  return NMSIM_OK;
fail:
  if (rc == NMSIM_ENOMEM) {
    uint64_t total = 0;
    size_t big = 0;
    for (size_t p = 0; p < scn->n_pops; p++) {
      total += scn->pops[p].size;
      if (scn->pops[p].size > scn->pops[big].size) big = p;
    }
    char syn[64] = "";
    if (E.n) snprintf(syn, sizeof syn, ", %zu synapses made so far", E.n);
    if (scn->n_pops)
      nm_err_context(err, "%s: building the %s for %llu neurons in %zu population%s "
                     "(the largest, '%s', has %u)%s",
                     scn->path, net ? "network" : "chip model", (unsigned long long)total,
                     scn->n_pops, scn->n_pops == 1 ? "" : "s", scn->pops[big].name,
                     scn->pops[big].size, syn);
  }
  nm_free(E.e);
  nm_free(shift);
  nm_free(fanin);
  nm_free(srcs);
  nm_free(seen);
  nm_free(plastic);
  nm_free(rows_here);
  nm_free(est);
  nm_free(n_out);
  nm_free(out_deg);
  sys_destroy(s);
  return rc;
}

void sys_destroy(sys *s) {
  if (!s) return;
  nm_free(s->trial_label);
  nm_free(s->trial_start);
  nm_free(s->trial_len);
  nm_free(s->trial_done);
  nm_free(s->trial_pj);
  nm_free(s->trial_ps);
  part_destroy(s->part);
  nm_pool_destroy(s->pool);
  sim_engine_destroy(s->eng);
  noc_free_ports(s);
  if (s->type && s->type->destroy) s->type->destroy(s);
  mc_destroy(s->mc, s->n_cores, s->n_tiles);
  net_destroy(s);
  for (uint32_t i = 0; s->cores && i < s->n_cores; i++) {
    sys_core *c = &s->cores[i];
    for (size_t bi = 0; bi < c->n_blocks; bi++) {
      sys_block *b = &c->blocks[bi];
      if (b->state)
        for (size_t v = 0; v < b->model->n_vars; v++) nm_free(b->state[v]);
      nm_free(b->state);
      nm_free(b->derived);
      for (uint32_t r = 1; r < b->n_runs; r++) nm_free(b->runs[r].derived);
      nm_free(b->runs);
    }
    nm_free(c->blocks);
    nm_free(c->acc);
    nm_free(c->input);
    nm_free(c->had_input);
    nm_free(c->had_list);
    nm_free(c->block_of);
    for (uint32_t r = 0; c->touched && r < c->ring; r++) nm_free(c->touched[r]);
    nm_free(c->touched);
    nm_free(c->n_touched);
    nm_free(c->cap_touched);
    nm_free(c->spikes);
    nm_free(c->values);
    nm_free(c->syn_proj);
    nm_free(c->wf);
    nm_free(c->axon_src);
    nm_free(c->pin_ptr);
    nm_free(c->pin_syn);
    nm_free(c->pin_axon);
    nm_free(c->row);
    nm_free(c->syn);
    nm_free(c->out_ptr);
    nm_free(c->out);
  }
  for (size_t p = 0; s->pop_spikes && p < s->scn->n_pops; p++) nm_free(s->pop_spikes[p]);
  nm_free(s->pop_spikes);
  nm_free(s->pop_nspikes);
  nm_free(s->pop_total_spikes);
  nm_free(s->pop_bursts);
  nm_free(s->pop_energy);
  nm_free(s->pop_busy);
  nm_free(s->win_ps);
  nm_free(s->win_packets);
  nm_free(s->win_busy);
  nm_free(s->win_stall);
  nm_free(s->tl);
  nm_free(s->tl_syn0);
  nm_free(s->tl_rx0);
  nm_free(s->tl_learn0);
  nm_free(s->last_spike);
  nm_free(s->in_burst);
  nm_free(s->lat_hist);
  nm_free(s->cores);
  nm_free(s->routers);
  noc_grid_free(s->grid);
  nm_free(s->grid);
  for (size_t k = 0; s->plast && k < s->scn->n_projs; k++) {
    nm_free(s->plast[k].x);
    nm_free(s->plast[k].y);
  }
  nm_free(s->plast);
  nm_free(s->spiked);
  nm_free(s->learn_side);
  nm_free(s->pop_gid0);
  nm_free(s->loc_core);
  nm_free(s->loc_local);
  nm_free(s->used);
  nm_free(s);
}
