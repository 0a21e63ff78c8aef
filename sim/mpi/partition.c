/* partition.c: which rank owns each chip, tile, core and router of a run split
 * over MPI ranks, the lookahead of the cut and the neighbour ranks (see
 * partition.h). Pure bookkeeping: no MPI here. */
#include <stdio.h>
#include <string.h>

#include "noc/topology.h"
#include "sim/load/scenario_int.h"
#include "sim/mpi/partition.h"

/* Chip of a tile of the board's grid. */
static uint32_t tile_chip(const sys *s, uint32_t tile) { return noc_grid_chip(s->grid, tile); }

/* Whole chips per rank. blocks: contiguous runs of chips (in id order)
 * balanced by work (neurons + synapses of their cores); cyclic: chip i on
 * rank i mod size. */
static nmsim_status chips_to_ranks(const sys *s, sys_part *p, bool cyclic, uint32_t *chip_rank,
                                   nmsim_err *err) {
  uint32_t per_chip = chip_n_cores(s->chip);
  double *w = nm_calloc(s->n_chips, sizeof *w);
  if (!w) return NMSIM_ENOMEM_ERR(err);
  double total = 0;
  for (uint32_t c = 0; c < s->n_chips; c++) {
    w[c] = 1.0;
    for (uint32_t k = c * per_chip; k < (c + 1) * per_chip; k++)
      w[c] += (double)s->cores[k].n_neurons + (double)s->cores[k].n_syn;
    total += w[c];
  }
  double before = 0;
  uint32_t last = 0;
  for (uint32_t c = 0; c < s->n_chips; c++) {
    uint32_t r;
    if (cyclic) {
      r = c % (uint32_t)p->size;
    } else {
      /* the rank whose share of the work holds this chip's midpoint, never
       * going back, and leaving at least one chip for each later rank */
      r = (uint32_t)((before + w[c] / 2) / total * p->size);
      if (r < last) r = last;
      uint32_t left = s->n_chips - c; /* chips from this one on */
      if ((uint32_t)p->size - r > left) r = (uint32_t)p->size - left;
      if (r >= (uint32_t)p->size) r = (uint32_t)p->size - 1;
      last = r;
    }
    chip_rank[c] = r;
    before += w[c];
  }
  nm_free(w);
  return NMSIM_OK;
}

nmsim_status part_owners(sys *s, int rank, int size, const char *strategy, sys_part **out,
                         nmsim_err *err) {
  *out = NULL;
  if (!strategy) strategy = "blocks";
  bool cyclic = !strcmp(strategy, "cyclic");
  if (!cyclic && strcmp(strategy, "blocks"))
    return NMSIM_ERR(err, NMSIM_EINPUT, "partition '%s': expected blocks or cyclic", strategy);
  if (s->net)
    return NMSIM_ERR(err, NMSIM_EINPUT,
                     "engine.mode network runs in one process; split a run over MPI ranks in "
                     "functional or timed mode");
  sys_part *p = nm_calloc(1, sizeof *p);
  if (!p) return NMSIM_ENOMEM_ERR(err);
  nmsim_status rc = NMSIM_ENOMEM;
  uint32_t *chip_rank = NULL, *tile_rank = NULL;
  p->rank = rank;
  p->size = size;
  p->strategy = cyclic ? "cyclic" : "blocks";
  p->by_chip = (uint32_t)size <= s->n_chips;
  p->n_units = s->n_cores + s->n_tiles;
  p->unit_rank = nm_calloc(p->n_units, sizeof *p->unit_rank);
  p->unit_here = nm_calloc(p->n_units + 1, 1);
  chip_rank = nm_calloc(s->n_chips, sizeof *chip_rank);
  tile_rank = nm_calloc(s->n_tiles, sizeof *tile_rank);
  p->adj = nm_calloc((size_t)size, 1);
  p->nb = nm_calloc((size_t)size, sizeof *p->nb);
  p->nb_of = nm_calloc((size_t)size, sizeof *p->nb_of);
  if (!p->unit_rank || !p->unit_here || !chip_rank || !tile_rank || !p->adj || !p->nb ||
      !p->nb_of)
    goto nomem;

  /* owners of the tiles: by chip, or tile blocks within each chip (chip c
   * gets ranks [c*size/n, (c+1)*size/n): row-major runs of its tiles for
   * blocks, tile columns dealt round robin for cyclic) */
  if (p->by_chip) {
    if ((rc = chips_to_ranks(s, p, cyclic, chip_rank, err)) != NMSIM_OK) goto fail;
    for (uint32_t t = 0; t < s->n_tiles; t++) tile_rank[t] = chip_rank[tile_chip(s, t)];
  } else {
    uint32_t mw = s->chip->mesh_width, mh = s->chip->mesh_height, nt = mw * mh;
    for (uint32_t t = 0; t < s->n_tiles; t++) {
      uint32_t c = tile_chip(s, t), gx = s->grid->pos[t].x, gy = s->grid->pos[t].y;
      uint32_t r0 = (uint32_t)((uint64_t)c * size / s->n_chips);
      uint32_t r1 = (uint32_t)((uint64_t)(c + 1) * size / s->n_chips), k = r1 - r0;
      uint32_t lx = gx % mw, ly = gy % mh;
      tile_rank[t] = r0 + (cyclic ? lx % k : (ly * mw + lx) * k / nt);
    }
  }
  for (uint32_t i = 0; i < s->n_cores; i++) {
    uint32_t r = tile_rank[s->cores[i].tile];
    p->unit_rank[i] = r;
  }
  for (uint32_t t = 0; t < s->n_tiles; t++) p->unit_rank[s->n_cores + t] = tile_rank[t];
  for (uint32_t u = 0; u < p->n_units; u++) p->unit_here[u] = p->unit_rank[u] == (uint32_t)rank;
  p->unit_here[p->n_units] = 1; /* the barrier unit: everywhere */

  /* neighbours and lookahead (functional mode: part_finish, from the out
   * lists) */
  uint8_t *adj = p->adj;
  if (s->scn->functional) {
    p->lookahead = 0; /* one step */
  } else {
    const nmsim_chip *ch = s->chip;
    /* a Loihi-like step's end is known a barrier ahead; SpiNNaker-like PEs
     * have no barrier (their steps close at ticks known in advance) */
    nmsim_ps la = (s->type->flags & CORE_SYNC_BARRIER) ? s->barrier_ps : UINT64_MAX;
    /* every link of the topology (the wrap-around links of a torus included):
     * a cut one bounds the lookahead and makes its two ranks neighbours */
    const noc_topology *topo = s->topo;
    for (uint32_t t = 0; t < s->n_tiles; t++) {
      for (int d = 0; d < topo->n_dirs; d++) {
        uint32_t u = topo->neighbour(s->grid, t, d);
        if (u == NOC_NONE || tile_rank[t] == tile_rank[u]) continue;
        noc_link_kind kind = topo->link_kind(s->grid, t, d);
        bool off = kind == NOC_LINK_CHIP;
        if (!off && ch->buffer_depth && !ch->credit_latency_ps) {
          rc = NMSIM_ERR(err, NMSIM_EINPUT,
                         "%d MPI ranks on %u chips cut on-chip links of chip '%s', whose "
                         "finite buffers (noc.buffer_depth %u) return credits at once "
                         "(noc.credit_latency 0), so the cut has no lookahead; use at most "
                         "%u ranks in timed mode, or engine.mode: functional",
                         size, s->n_chips, ch->name, ch->buffer_depth, s->n_chips);
          goto fail;
        }
        /* a packet crosses the cut after a hop; a credit after its latency */
        nmsim_ps lat = off ? ch->chip_link.time_ps
                       : kind == NOC_LINK_EW ? ch->hop_ew.time_ps : ch->hop_ns.time_ps;
        if (!off && ch->buffer_depth && ch->credit_latency_ps < lat) lat = ch->credit_latency_ps;
        if (lat < la) la = lat;
        if (tile_rank[t] == (uint32_t)rank) adj[tile_rank[u]] = 1;
        if (tile_rank[u] == (uint32_t)rank) adj[tile_rank[t]] = 1;
      }
    }
    if (la == 0) {
      rc = NMSIM_ERR(err, NMSIM_EINPUT,
                     "the partition over %d MPI ranks cuts a link (or a barrier) of zero "
                     "latency: no lookahead", size);
      goto fail;
    }
    p->lookahead = la;
    /* a chip cut into tile blocks in timed mode: correct, but its windows are
     * a hop or a credit long, and meeting at each costs more than the work
     * of the window on chips of a few hundred cores */
    if (!p->by_chip && rank == 0 && la < 10 * NMSIM_PS_PER_NS)
      fprintf(stderr, "nmsim: warning: %d parts on %u chip%s cut chips into blocks of tiles: "
              "the parts meet every %.3f ns of hardware time (a hop or a credit), which is "
              "usually slower than one part; split boards of several chips, or run one chip "
              "whole (several such runs at once: nmsim sweep --jobs N)\n", size, s->n_chips, s->n_chips == 1 ? "" : "s",
              (double)la / NMSIM_PS_PER_NS);
  }
  nm_free(chip_rank);
  nm_free(tile_rank);
  s->unit_here = p->unit_here;
  *out = p;
  return NMSIM_OK;
nomem:
  rc = NMSIM_ENOMEM_ERR(err);
fail:
  nm_free(chip_rank);
  nm_free(tile_rank);
  part_destroy(p);
  return rc;
}

nmsim_status part_finish(sys *s, sys_part *p, nmsim_err *err) {
  int rank = p->rank, size = p->size;
  uint8_t *adj = p->adj;
  if (s->scn->functional) {
    /* spikes go straight to their targets: a neighbour is any rank holding a
     * target of one of ours, or a source of one of ours (a rank-local build
     * keeps exactly the out-list entries with a source or a target here) */
    for (uint32_t i = 0; i < s->n_cores; i++) {
      const sys_core *c = &s->cores[i];
      size_t n = c->out_ptr ? c->out_ptr[c->n_neurons] : 0;
      for (size_t k = 0; k < n; k++) {
        uint32_t a = p->unit_rank[i], b = p->unit_rank[c->out[k].core];
        if (a == b) continue;
        if (a == (uint32_t)rank) adj[b] = 1;
        if (b == (uint32_t)rank) adj[a] = 1;
      }
    }
  }
  for (int r = 0; r < size; r++) {
    p->nb_of[r] = -1;
    if (adj[r]) p->nb_of[r] = p->n_nb, p->nb[p->n_nb++] = r;
  }
  p->out = nm_calloc((size_t)p->n_nb + 1, sizeof *p->out);
  p->in = nm_calloc((size_t)p->n_nb + 1, sizeof *p->in);
  p->last_sent = nm_calloc((size_t)p->n_nb + 1, sizeof *p->last_sent);
  if (!p->out || !p->in || !p->last_sent) goto nomem;

  /* recorded state values, in the order run.c's hook reads them */
  const nmsim_scenario *scn = s->scn;
  for (size_t k = 0; k < scn->n_rec_state; k++)
    p->n_rec += scn->rec_state[k].n_vars * scn->rec_state[k].n_neurons;
  p->rec = nm_calloc(p->n_rec + 1, sizeof *p->rec);
  p->rec_buf = nm_calloc(p->n_rec + 1, sizeof *p->rec_buf);
  if (!p->rec || !p->rec_buf) goto nomem;
  size_t at = 0;
  for (size_t k = 0; k < scn->n_rec_state; k++) {
    const scn_state_rec *sr = &scn->rec_state[k];
    const nmsim_neuron_type *m = scn->pops[sr->pop].model;
    for (size_t v = 0; v < sr->n_vars; v++)
      for (size_t n = 0; n < sr->n_neurons; n++, at++) {
        uint32_t gid = s->pop_gid0[sr->pop] + sr->neurons[n];
        const sys_core *c = &s->cores[s->loc_core[gid]];
        uint32_t local = s->loc_local[gid];
        uint32_t var = sr->vars[v];
        uint32_t bytes = m->vars[var].type == NMSIM_VAR_F64   ? 8
                         : m->vars[var].type == NMSIM_VAR_I32 ? 4
                                                              : 0;
        p->rec[at] = (part_rec){.bytes = bytes, .rank = p->unit_rank[c->id]};
        if (!c->block_of) continue; /* another part's core, without state here */
        const sys_block *b = &c->blocks[c->block_of[local]];
        p->rec[at].base = b->state[var];
        p->rec[at].i = local - b->local0;
      }
  }
  return NMSIM_OK;
nomem:
  return NMSIM_ENOMEM_ERR(err);
}

nmsim_status part_create(sys *s, int rank, int size, const char *strategy, sys_part **out,
                         nmsim_err *err) {
  nmsim_status rc = part_owners(s, rank, size, strategy, out, err);
  if (rc == NMSIM_OK && (rc = part_finish(s, *out, err)) != NMSIM_OK) {
    s->unit_here = NULL;
    part_destroy(*out);
    *out = NULL;
  }
  return rc;
}

void part_destroy(sys_part *p) {
  if (!p) return;
  for (int k = 0; p->out && k < p->n_nb; k++) nmc_buf_free(&p->out[k]);
  for (int k = 0; p->in && k < p->n_nb; k++) nmc_buf_free(&p->in[k]);
  nm_free(p->out);
  nm_free(p->in);
  nm_free(p->last_sent);
  nm_free(p->unit_rank);
  nm_free(p->unit_here);
  nm_free(p->adj);
  nm_free(p->nb);
  nm_free(p->nb_of);
  nm_free(p->spk);
  nm_free(p->all);
  nm_free(p->rec);
  nm_free(p->rec_buf);
  nm_free(p);
}
