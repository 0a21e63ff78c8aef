/* test_build.c: the mapper and the expansion of projections into synapse
 * rows — conv2d and pool2d against a direct convolution, per-core limits, and
 * connectivity that does not depend on placement. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/system/build.h"
#include "sim/system/run_int.h"

static sys *build(const char *text, nmsim_scenario **scn_out) {
  nmsim_scenario *scn = NULL;
  nmsim_chip *chip = NULL;
  nmsim_err err = {0};
  cr_assert_eq(nmsim_scenario_load_string("b.yaml", text, NULL, 0, &scn, &err), NMSIM_OK, "%s",
               err.msg);
  cr_assert_eq(nmsim_chip_load(scn->chip, NULL, &chip, &err), NMSIM_OK, "%s", err.msg);
  sys *s = NULL;
  cr_assert_eq(sys_build(scn, chip, &s, &err), NMSIM_OK, "%s", err.msg);
  *scn_out = scn;
  return s;
}

static void teardown(sys *s, nmsim_scenario *scn) {
  nmsim_chip *chip = (nmsim_chip *)s->chip;
  sys_destroy(s);
  nmsim_chip_destroy(chip);
  nmsim_scenario_destroy(scn);
}

/* Sum of the weights (in units of the population's input) and number of
 * synapses onto every neuron of population p. */
static void incoming(const sys *s, uint32_t p, double *wsum, unsigned *count, uint32_t n) {
  memset(wsum, 0, n * sizeof *wsum);
  memset(count, 0, n * sizeof *count);
  for (uint32_t c = 0; c < s->n_cores; c++) {
    const sys_core *core = &s->cores[c];
    for (size_t k = 0; k < core->n_syn; k++) {
      const sys_syn *y = &core->syn[k];
      for (size_t b = 0; b < core->n_blocks; b++) {
        const sys_block *blk = &core->blocks[b];
        if (blk->pop_id == p && y->tgt >= blk->local0 && y->tgt < blk->local0 + blk->n) {
          uint32_t idx = blk->first + y->tgt - blk->local0;
          wsum[idx] += y->w * blk->inv_scale;
          count[idx]++;
        }
      }
    }
  }
}

/* conv2d: every output neuron receives exactly the kernel taps whose window
 * position lies inside the (padded) input, with the kernel's weights; checked
 * against a direct convolution of an all-ones input, with stride and padding. */
Test(build, conv2d_matches_direct_convolution) {
  enum { C = 2, H = 7, W = 6, K = 3, KH = 3, KW = 2, SH = 2, SW = 1, PH = 1, PW = 0 };
  const int OH = (H + 2 * PH - KH) / SH + 1, OW = (W + 2 * PW - KW) / SW + 1;
  double kern[K * C * KH * KW];
  char wl[4096] = "";
  int n = 0;
  for (int i = 0; i < K * C * KH * KW; i++) {
    kern[i] = ((i * 37) % 11 - 5) * 0.25; /* includes zeros and negatives */
    n += snprintf(wl + n, sizeof wl - n, "%s%g", i ? ", " : "", kern[i]);
  }
  char text[8192];
  snprintf(text, sizeof text,
           "chip: loihi\nsteps: 1\npopulations:\n"
           "  in: {size: %d, model: poisson}\n  out: {size: %d, model: lif}\n"
           "projections:\n"
           "  - {from: in, to: out, weight: 2, connector: {conv2d: {in: [%d, %d, %d], kernel: "
           "[%d, %d], out_channels: %d, stride: [%d, %d], padding: [%d, %d], weights: [%s]}}}\n",
           C * H * W, K * OH * OW, C, H, W, KH, KW, K, SH, SW, PH, PW, wl);
  nmsim_scenario *scn;
  sys *s = build(text, &scn);
  double got[K * 4 * 6];
  unsigned cnt[K * 4 * 6];
  cr_assert_eq(OH * OW, 4 * 5);
  incoming(s, 1, got, cnt, K * OH * OW);
  for (int k = 0; k < K; k++)
    for (int oy = 0; oy < OH; oy++)
      for (int ox = 0; ox < OW; ox++) {
        double want = 0;
        unsigned taps = 0;
        for (int c = 0; c < C; c++)
          for (int ky = 0; ky < KH; ky++)
            for (int kx = 0; kx < KW; kx++) {
              int y = oy * SH - PH + ky, x = ox * SW - PW + kx;
              if (y < 0 || y >= H || x < 0 || x >= W) continue;
              double w = 2 * kern[((k * C + c) * KH + ky) * KW + kx];
              want += w;
              taps += w != 0.0;
            }
        int o = (k * OH + oy) * OW + ox;
        cr_assert(fabs(got[o] - want) < 1e-9, "output (%d,%d,%d): weight sum %g, expected %g", k,
                  oy, ox, got[o], want);
        cr_assert_eq(cnt[o], taps, "output (%d,%d,%d): %u synapses, expected %u", k, oy, ox,
                     cnt[o], taps);
      }
  teardown(s, scn);
}

/* pool2d: channel-wise windows; with the default stride = kernel each input
 * feeds exactly one output and each output has kh*kw inputs. */
Test(build, pool2d_windows) {
  const char *text =
      "chip: loihi\nsteps: 1\npopulations:\n"
      "  in: {size: 32, model: poisson}\n  out: {size: 8, model: lif}\n"
      "projections:\n"
      "  - {from: in, to: out, weight: 0.5, connector: {pool2d: {in: [2, 4, 4], kernel: 2}}}\n";
  nmsim_scenario *scn;
  sys *s = build(text, &scn);
  double got[8];
  unsigned cnt[8];
  incoming(s, 1, got, cnt, 8);
  for (int o = 0; o < 8; o++) {
    cr_assert_eq(cnt[o], 4, "output %d has %u inputs, expected 4", o, cnt[o]);
    cr_assert(fabs(got[o] - 2.0) < 1e-12, "output %d weight sum %g, expected 2", o, got[o]);
  }
  teardown(s, scn);
}

/* A conv whose declared shapes do not match the populations is a located
 * input error naming the population and the sizes. */
Test(build, conv_shape_mismatch) {
  const char *text =
      "chip: loihi\nsteps: 1\npopulations:\n"
      "  in: {size: 32, model: poisson}\n  out: {size: 9, model: lif}\n"
      "projections:\n"
      "  - {from: in, to: out, weight: 1, connector: {pool2d: {in: [2, 4, 4], kernel: 2}}}\n";
  nmsim_scenario *scn = NULL;
  nmsim_err err = {0};
  cr_assert_eq(nmsim_scenario_load_string("b.yaml", text, NULL, 0, &scn, &err), NMSIM_EINPUT);
  cr_assert(strstr(err.msg, "b.yaml:7:") && strstr(err.msg, "'out'") && strstr(err.msg, "8"),
            "message: %s", err.msg);
}

/* Fixed-probability connectivity depends on the seed and the projection
 * only, not on placement: the same network mapped with a different chip
 * (other core sizes) has the same synapses per target. */
Test(build, connectivity_independent_of_placement) {
  const char *fmt =
      "chip: %s\nsteps: 1\nseed: 9\npopulations:\n"
      "  a: {size: 40, model: poisson}\n  b: {size: 30, model: lif}\n"
      "projections:\n"
      "  - {from: a, to: b, weight: 1, connector: {fixed_probability: 0.3}}\n";
  char t1[512], t2[512];
  snprintf(t1, sizeof t1, fmt, "loihi");
  snprintf(t2, sizeof t2, fmt, "test");
  nmsim_scenario *s1, *s2;
  sys *a = build(t1, &s1), *b = build(t2, &s2);
  cr_assert_neq(a->n_used, b->n_used, "the two chips place the network differently");
  double wa[30], wb[30];
  unsigned ca[30], cb[30];
  incoming(a, 1, wa, ca, 30);
  incoming(b, 1, wb, cb, 30);
  for (int i = 0; i < 30; i++)
    cr_assert_eq(ca[i], cb[i], "neuron %d: %u vs %u synapses", i, ca[i], cb[i]);
  teardown(a, s1);
  teardown(b, s2);
}

/* strategy spatial: the target of a conv2d is placed row by row, every channel
 * of a row together, so a core's neurons share their input rows: a network
 * that dense filling cannot place under the fan-in limit fits, each neuron
 * with its whole kernel window. */
Test(build, spatial_strategy_fits_a_convolution) {
  const char *net =
      "chip: loihi\nsteps: 2\npopulations:\n"
      "  frame: {size: 1024, model: poisson, params: {rate: 50 Hz}}\n"
      "  c1: {size: 3600, model: lif}\n  c2: {size: 5408, model: lif}\n"
      "  c3: {size: 7744, model: lif}\n  c4: {size: 891, model: lif}\n"
      "projections:\n"
      "  - {from: frame, to: c1, weight: 0.8 nA, connector: {conv2d: {in: [1, 32, 32], kernel: 3, "
      "out_channels: 16, stride: 2}}}\n"
      "  - {from: c1, to: c2, weight: 0.2 nA, connector: {conv2d: {in: [16, 15, 15], kernel: 3, "
      "out_channels: 32}}}\n"
      "  - {from: c2, to: c3, weight: 0.1 nA, connector: {conv2d: {in: [32, 13, 13], kernel: 3, "
      "out_channels: 64}}}\n"
      "  - {from: c3, to: c4, weight: 0.05 nA, connector: {conv2d: {in: [64, 11, 11], kernel: 3, "
      "out_channels: 11}}}\n";
  char text[4096];
  nmsim_scenario *scn = NULL;
  nmsim_chip *chip = NULL;
  nmsim_err err = {0};
  sys *s = NULL;
  /* dense: out of cores, fan-in named */
  cr_assert_eq(nmsim_scenario_load_string("b.yaml", net, NULL, 0, &scn, &err), NMSIM_OK, "%s",
               err.msg);
  cr_assert_eq(nmsim_chip_load(scn->chip, NULL, &chip, &err), NMSIM_OK);
  cr_assert_eq(sys_build(scn, chip, &s, &err), NMSIM_ECAPACITY);
  cr_assert(strstr(err.msg, "The limit that bound is fan-in"), "%s", err.msg);
  nmsim_chip_destroy(chip);
  nmsim_scenario_destroy(scn);
  /* spatial: it fits; every core of c4 holds whole rows of all channels first */
  snprintf(text, sizeof text, "%smapping: {strategy: spatial}\n", net);
  s = build(text, &scn);
  cr_assert_leq(s->n_used, 128);
  uint32_t p4 = 4;
  for (uint32_t c = 0; c < s->n_cores; c++) {
    const sys_core *core = &s->cores[c];
    for (size_t b = 0; b < core->n_blocks; b++)
      if (core->blocks[b].pop_id == p4)
        cr_assert_leq(core->blocks[b].n, 9u, "a block of c4 is at most one row (9)");
  }
  /* every c4 neuron gets its whole 3 x 3 x 64 window, weight 0.05 nA each */
  double ws[891];
  unsigned cs[891];
  incoming(s, p4, ws, cs, 891);
  for (int i = 0; i < 891; i++)
    cr_assert(cs[i] == 576 && fabs(ws[i] - 576 * 0.05) < 1e-6, "c4[%d]: %u synapses, %g nA", i,
              cs[i], ws[i]);
  teardown(s, scn);
}
