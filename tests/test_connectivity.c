/* test_connectivity.c: the connectors beyond the regular ones and weights
 * drawn per synapse: fixed in- and out-degree (exact degrees, distinct
 * partners, no self connection unless allowed, keyed streams), explicit lists
 * and matrices (inline and from files, the same synapses), weights within
 * their bounds and the same whatever the mapping or the mode; the warning for
 * a weight whose sign disagrees with its site and the way out offered for odd
 * mixed-sign fixed-point weights. */
#include <criterion/criterion.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/system/build.h"
#include "sim/system/connect.h"
#include "sim/system/run_int.h"
#include "tests_util.h"

typedef struct pairs {
  uint32_t pre[65536], post[65536], d[65536];
  double w[65536];
  size_t n;
  uint32_t gid_pre, gid_post;
} pairs;

static nmsim_status sink(void *ctx, const sys *s, uint32_t src, uint32_t dst,
                         const scn_projection *pr, int32_t wq, uint32_t delay) {
  (void)s, (void)pr;
  pairs *p = ctx;
  cr_assert_lt(p->n, 65536);
  p->pre[p->n] = src - p->gid_pre;
  p->post[p->n] = dst - p->gid_post;
  p->w[p->n] = ldexp(wq, -20); /* the shift below */
  p->d[p->n] = delay;
  p->n++;
  return NMSIM_OK;
}

/* The synapses of the scenario's only projection (weights as the sink gets
 * them, fixed point scaled by 2^20, scaled back). */
static void expand(const char *text, pairs *out) {
  nmsim_scenario *scn = NULL;
  nmsim_chip *chip = NULL;
  nmsim_err err = {0};
  cr_assert_eq(nmsim_scenario_load_string("c.yaml", text, NULL, 0, &scn, &err), NMSIM_OK, "%s",
               err.msg);
  cr_assert_eq(nmsim_chip_load(scn->chip, NULL, &chip, &err), NMSIM_OK, "%s", err.msg);
  sys *s = NULL;
  cr_assert_eq(sys_build(scn, chip, &s, &err), NMSIM_OK, "%s", err.msg);
  int shift[8] = {20, 20, 20, 20, 20, 20, 20, 20};
  memset(out, 0, sizeof *out);
  out->gid_pre = s->pop_gid0[scn->projs[0].pre];
  out->gid_post = s->pop_gid0[scn->projs[0].post];
  cr_assert_eq(sys_expand_projections(s, shift, sink, out, &err), NMSIM_OK, "%s", err.msg);
  sys_destroy(s);
  nmsim_chip_destroy(chip);
  nmsim_scenario_destroy(scn);
}

static const char *head = "chip: loihi\nsteps: 1\nseed: 6\npopulations:\n"
                          "  a: {size: 30, model: lif}\n  b: {size: 20, model: lif}\n";

Test(connectivity, fixed_degrees) {
  char text[1024];
  pairs *p = malloc(sizeof *p), *q = malloc(sizeof *q);
  /* in-degree 7 onto b: every b neuron from 7 distinct a neurons */
  snprintf(text, sizeof text, "%sprojections:\n  - {from: a, to: b, connector: "
                              "{fixed_in_degree: 7}, weight: 2}\n", head);
  expand(text, p);
  cr_assert_eq(p->n, 20 * 7);
  for (uint32_t j = 0; j < 20; j++) {
    int seen[30] = {0}, deg = 0;
    for (size_t k = 0; k < p->n; k++)
      if (p->post[k] == j) {
        cr_assert_eq(seen[p->pre[k]]++, 0, "post %u: pre %u twice", j, p->pre[k]);
        deg++;
      }
    cr_assert_eq(deg, 7, "post %u: in-degree %d", j, deg);
  }
  for (size_t k = 1; k < p->n; k++) cr_assert_geq(p->pre[k], p->pre[k - 1], "pre order");
  expand(text, q);
  cr_assert(q->n == p->n && !memcmp(q->pre, p->pre, p->n * 4) && !memcmp(q->post, p->post, p->n * 4),
            "the same seed, the same synapses");
  /* out-degree 5 from a onto itself, no self connection */
  snprintf(text, sizeof text, "%sprojections:\n  - {from: a, to: a, connector: "
                              "{fixed_out_degree: 29}, weight: 2}\n", head);
  expand(text, p);
  cr_assert_eq(p->n, 30 * 29);
  for (size_t k = 0; k < p->n; k++) cr_assert_neq(p->pre[k], p->post[k], "a self connection");
  /* a degree beyond the candidates is refused */
  snprintf(text, sizeof text, "%sprojections:\n  - {from: a, to: a, connector: "
                              "{fixed_out_degree: 30}, weight: 2}\n", head);
  nmsim_scenario *scn = NULL;
  nmsim_err err = {0};
  cr_assert_neq(nmsim_scenario_load_string("c.yaml", text, NULL, 0, &scn, &err), NMSIM_OK);
  cr_assert(strstr(err.msg, "a degree of 30 needs 30 candidates, and 'a' without self "
                            "connections has 29"), "%s", err.msg);
  free(p), free(q);
}

Test(connectivity, lists_and_matrices_inline_and_from_files) {
  char text[2048];
  pairs *p = malloc(sizeof *p), *q = malloc(sizeof *q);
  snprintf(text, sizeof text, "%sprojections:\n  - {from: a, to: b, connector: {list: [[3, 1, "
                              "2], [0, 19, 4], [3, 0, 6], [29, 5, 8]]}}\n", head);
  expand(text, p);
  /* sorted by pre neuron, a pre neuron's pairs in the list's order */
  const uint32_t pre[] = {0, 3, 3, 29}, post[] = {19, 1, 0, 5};
  const double w[] = {4, 2, 6, 8};
  cr_assert_eq(p->n, 4);
  for (size_t k = 0; k < 4; k++)
    cr_assert(p->pre[k] == pre[k] && p->post[k] == post[k] && p->w[k] == w[k],
              "pair %zu: (%u, %u, %g)", k, p->pre[k], p->post[k], p->w[k]);
  const char *csv = tu_tmp("pairs", ".csv");
  cr_assert_eq(tu_write(csv, "# pre, post, weight\n3, 1, 2\n0,19,4\n3 0 6\n\n29, 5, 8\n"), 0);
  snprintf(text, sizeof text, "%sprojections:\n  - {from: a, to: b, connector: {list: {file: "
                              "%s}}}\n", head, csv);
  expand(text, q);
  cr_assert(q->n == 4 && !memcmp(q->pre, p->pre, 16) && !memcmp(q->post, p->post, 16) &&
                !memcmp(q->w, p->w, 4 * sizeof(double)), "the file gives the inline list");
  /* the same pairs as a 2-D .npy array and an HDF5 dataset (4 x 3) */
  const double tab[4][3] = {{3, 1, 2}, {0, 19, 4}, {3, 0, 6}, {29, 5, 8}};
  const char *npy = tu_tmp("pairs", ".npy"), *h5 = tu_tmp("pairs", ".h5");
  FILE *nf = fopen(npy, "wb");
  char hdr[128];
  int hl = snprintf(hdr, sizeof hdr, "{'descr': '<f8', 'fortran_order': False, 'shape': (4, 3), }");
  int pad = 64 - (10 + hl + 1) % 64;
  fwrite("\x93NUMPY\x01\x00", 1, 8, nf);
  fputc((hl + pad + 1) & 0xff, nf), fputc((hl + pad + 1) >> 8, nf);
  fwrite(hdr, 1, (size_t)hl, nf);
  for (int i = 0; i < pad; i++) fputc(' ', nf);
  fputc('\n', nf);
  fwrite(tab, sizeof(double), 12, nf);
  fclose(nf);
  hid_t hf = H5Fcreate(h5, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  hsize_t dims[2] = {4, 3};
  hid_t sp = H5Screate_simple(2, dims, NULL);
  hid_t d = H5Dcreate2(hf, "pairs", H5T_NATIVE_DOUBLE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, tab);
  H5Dclose(d), H5Sclose(sp), H5Fclose(hf);
  const char *files[2][2] = {{npy, NULL}, {h5, "pairs"}};
  for (int fi = 0; fi < 2; fi++) {
    char spec[700];
    if (files[fi][1]) snprintf(spec, sizeof spec, "{file: %s, dataset: %s}", files[fi][0], files[fi][1]);
    else snprintf(spec, sizeof spec, "{file: %s}", files[fi][0]);
    snprintf(text, sizeof text, "%sprojections:\n  - {from: a, to: b, connector: {list: %s}}\n",
             head, spec);
    expand(text, q);
    cr_assert(q->n == 4 && !memcmp(q->pre, p->pre, 16) && !memcmp(q->post, p->post, 16) &&
                  !memcmp(q->w, p->w, 4 * sizeof(double)), "%s gives the inline list", files[fi][0]);
  }
  remove(npy), remove(h5);
  /* a 30 x 20 matrix with three nonzeros, inline and as CSV */
  double m[30][20] = {{0}};
  m[2][7] = 1.5, m[11][0] = -2, m[29][19] = 3;
  char *rows = malloc(30 * 20 * 8 + 64), *flat = malloc(30 * 20 * 8);
  size_t k = (size_t)sprintf(rows, "[");
  size_t f = 0;
  for (int i = 0; i < 30; i++) {
    k += (size_t)sprintf(rows + k, "%s[", i ? ", " : "");
    for (int j = 0; j < 20; j++) {
      k += (size_t)sprintf(rows + k, "%s%g", j ? ", " : "", m[i][j]);
      f += (size_t)sprintf(flat + f, "%g%s", m[i][j], j == 19 ? "\n" : ",");
    }
    k += (size_t)sprintf(rows + k, "]");
  }
  sprintf(rows + k, "]");
  char *big = malloc(strlen(rows) + 512);
  sprintf(big, "%sprojections:\n  - {from: a, to: b, connector: {matrix: %s}, weight: 2}\n", head,
          rows);
  expand(big, p);
  cr_assert_eq(p->n, 3);
  const uint32_t mp[] = {2, 11, 29}, mq[] = {7, 0, 19};
  const double mw[] = {3, -4, 6};
  for (size_t i = 0; i < 3; i++)
    cr_assert(p->pre[i] == mp[i] && p->post[i] == mq[i] && p->w[i] == mw[i], "entry %zu", i);
  const char *mcsv = tu_tmp("matrix", ".csv");
  cr_assert_eq(tu_write(mcsv, flat), 0);
  snprintf(text, sizeof text, "%sprojections:\n  - {from: a, to: b, connector: {matrix: {file: "
                              "%s}}, weight: 2}\n", head, mcsv);
  expand(text, q);
  cr_assert(q->n == 3 && !memcmp(q->pre, p->pre, 12) && !memcmp(q->post, p->post, 12) &&
                !memcmp(q->w, p->w, 3 * sizeof(double)), "the file gives the inline matrix");
  /* errors name the pair or the size */
  static const struct {
    const char *conn, *want;
  } bad[] = {
      {"{list: [[3, 1], [0, 20]]}", "post neuron 20: expected a whole number in [0, 19]"},
      {"{list: [[3, 1], [0, 2, 5]]}", "every pair has 2 numbers like the first, got 3"},
      {"{matrix: [[1, 2]]}", "expected 30 rows (one per neuron of 'a'), got 1"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    snprintf(text, sizeof text, "%sprojections:\n  - {from: a, to: b, connector: %s}\n", head,
             bad[i].conn);
    nmsim_scenario *scn = NULL;
    nmsim_err err = {0};
    cr_assert_neq(nmsim_scenario_load_string("c.yaml", text, NULL, 0, &scn, &err), NMSIM_OK);
    cr_assert(strstr(err.msg, bad[i].want), "case %zu: %s", i, err.msg);
  }
  free(rows), free(flat), free(big), free(p), free(q);
  remove(csv), remove(mcsv);
}

/* Spike counts of population b from a run of text (with extra appended). */
static uint64_t b_spikes(const char *text) {
  nmsim_scenario *scn = NULL;
  nmsim_err err = {0};
  cr_assert_eq(nmsim_scenario_load_string("c.yaml", text, NULL, 0, &scn, &err), NMSIM_OK, "%s",
               err.msg);
  run_summary s;
  run_opts o = {0};
  cr_assert_eq(run_scenario(scn, &o, &s, &err), NMSIM_OK, "%s", err.msg);
  uint64_t n = s.pops[1].spikes;
  run_summary_clear(&s);
  nmsim_scenario_destroy(scn);
  return n;
}

Test(connectivity, drawn_weights_bounded_and_independent_of_mapping_and_mode) {
  char text[2048];
  pairs *p = malloc(sizeof *p);
  snprintf(text, sizeof text,
           "%sprojections:\n  - {from: a, to: b, connector: all_to_all, weight: {normal: "
           "[0.5 nA, 0.3 nA], bounds: [0.2 nA, 0.9 nA]}}\n", head);
  expand(text, p);
  cr_assert_eq(p->n, 600);
  double sum = 0;
  int distinct = 0;
  for (size_t k = 0; k < p->n; k++) {
    cr_assert(p->w[k] >= 0.2 && p->w[k] <= 0.9, "weight %g outside its bounds", p->w[k]);
    sum += p->w[k];
    distinct += p->w[k] != p->w[0];
  }
  cr_assert_gt(distinct, 500, "weights drawn per synapse");
  cr_assert(fabs(sum / 600 - 0.5) < 0.05, "mean %g", sum / 600);
  free(p);
  /* the same spikes whatever the mapping and the mode */
  const char *net =
      "chip: loihi\nsteps: 60\nseed: 6\npopulations:\n"
      "  a: {size: 30, model: poisson, params: {rate: 80 Hz}}\n  b: {size: 20, model: lif}\n"
      "projections:\n  - {from: a, to: b, connector: {fixed_in_degree: 10}, "
      "weight: {uniform: [0.5 nA, 3 nA]}}\n";
  snprintf(text, sizeof text, "%s", net);
  uint64_t ref = b_spikes(text);
  cr_assert_gt(ref, 0);
  snprintf(text, sizeof text, "%smapping: {max_per_core: {b: 3}}\n", net);
  cr_assert_eq(b_spikes(text), ref, "with max_per_core");
  snprintf(text, sizeof text, "%sengine: {mode: network}\n", net);
  cr_assert_eq(b_spikes(text), ref, "in network mode");
}

Test(connectivity, sign_warning_and_fixed_point_way_out) {
  nmsim_scenario *scn = NULL;
  nmsim_err err = {0};
  const char *text = "chip: loihi\nsteps: 1\npopulations:\n  a: {size: 2, model: lif}\n"
                     "  b: {size: 2, model: lif}\nprojections:\n"
                     "  - {from: a, to: b, connector: all_to_all, weight: 0.5 nA, site: inh}\n";
  cr_assert_eq(nmsim_scenario_load_string("c.yaml", text, NULL, 0, &scn, &err), NMSIM_OK, "%s",
               err.msg);
  cr_assert_eq(scn->n_warnings, 1);
  cr_assert(strstr(scn->warnings[0], "a positive weight (0.5 nA) onto site 'inh' of 'b' excites "
                                     "through it"), "%s", scn->warnings[0]);
  nmsim_scenario_destroy(scn);
  text = "chip: loihi\nsteps: 1\npopulations:\n  a: {size: 2, model: lif}\n"
         "  b: {size: 2, model: loihi_cuba}\nprojections:\n"
         "  - {from: a, to: b, connector: {list: [[0, 0, 3], [1, 1, -2]]}}\n";
  cr_assert_eq(nmsim_scenario_load_string("c.yaml", text, NULL, 0, &scn, &err), NMSIM_OK, "%s",
               err.msg);
  cr_assert_eq(scn->n_projs, 2, "odd mixed-sign weights: split in two");
  cr_assert(scn->projs[0].list->w[0] == 3 && scn->projs[0].list->w[1] == 0 &&
                scn->projs[1].list->w[0] == 0 && scn->projs[1].list->w[1] == -2,
            "the positive weights in the first, the negative in the second");
  nmsim_scenario_destroy(scn);
}

/* Delays per synapse: a list's fourth column, or drawn (uniform whole steps,
 * from the stream of the source neuron); the same spikes in every mode. */
Test(connectivity, delays_per_synapse) {
  char text[2048];
  pairs *p = malloc(sizeof *p);
  snprintf(text, sizeof text, "%sprojections:\n  - {from: a, to: b, connector: {list: [[3, 1, "
                              "2, 4], [0, 19, 4, 1], [3, 0, 6, 9]]}}\n", head);
  expand(text, p);
  const uint32_t d[] = {1, 4, 9};
  for (size_t k = 0; k < 3; k++) cr_assert_eq(p->d[k], d[k], "pair %zu: delay %u", k, p->d[k]);
  snprintf(text, sizeof text, "%sprojections:\n  - {from: a, to: b, connector: all_to_all, "
                              "weight: 1, delay: {uniform: [2, 2 ms]}}\n", head);
  expand(text, p);
  for (size_t k = 0; k < p->n; k++) cr_assert_eq(p->d[k], 2, "one delay: %u", p->d[k]);
  snprintf(text, sizeof text, "%sprojections:\n  - {from: a, to: b, connector: all_to_all, "
                              "weight: 1, delay: {uniform: [2, 6]}}\n", head);
  expand(text, p);
  int seen[8] = {0};
  for (size_t k = 0; k < p->n; k++) {
    cr_assert(p->d[k] >= 2 && p->d[k] <= 6, "delay %u", p->d[k]);
    seen[p->d[k]]++;
  }
  for (int v = 2; v <= 6; v++) cr_assert_gt(seen[v], 60, "delay %d drawn %d times of 600", v, seen[v]);
  /* normal, in ms at dt 1 ms, rounded to whole steps within bounds */
  snprintf(text, sizeof text, "%sprojections:\n  - {from: a, to: b, connector: all_to_all, "
                              "weight: 1, delay: {normal: [5 ms, 2 ms], bounds: [2, 8]}}\n", head);
  expand(text, p);
  double mean = 0;
  for (size_t k = 0; k < p->n; k++) {
    cr_assert(p->d[k] >= 2 && p->d[k] <= 8, "delay %u outside [2, 8]", p->d[k]);
    mean += p->d[k];
  }
  cr_assert(fabs(mean / (double)p->n - 5) < 0.3, "mean delay %g", mean / (double)p->n);
  free(p);
  const char *net =
      "chip: loihi\nsteps: 60\nseed: 6\npopulations:\n"
      "  a: {size: 30, model: poisson, params: {rate: 80 Hz}}\n  b: {size: 20, model: lif}\n"
      "projections:\n  - {from: a, to: b, connector: {fixed_out_degree: 8}, weight: 1.5 nA, "
      "delay: {uniform: [1, 12]}}\n"
      "  - {from: a, to: b, connector: {fixed_in_degree: 3}, weight: 1 nA, "
      "delay: {lognormal: [4, 2]}}\n";
  snprintf(text, sizeof text, "%s", net);
  uint64_t ref = b_spikes(text);
  cr_assert_gt(ref, 0);
  snprintf(text, sizeof text, "%sengine: {mode: network}\n", net);
  cr_assert_eq(b_spikes(text), ref, "in network mode");
  snprintf(text, sizeof text, "%sengine: {mode: functional}\n", net);
  cr_assert_eq(b_spikes(text), ref, "in functional mode");
}

/* distance: the probability falls as exp(-d^2 / 2 sigma^2) on grids over the
 * unit square: of 16 x 16 onto 16 x 16 with sigma 0.1, the pairs within 0.1
 * connect far more often than those beyond 0.3 (expected exp(-4.5) = 1 %
 * at 0.3); with periodic edges a corner reaches the opposite corner. */
Test(connectivity, distance_dependent) {
  char text[2048];
  pairs *p = malloc(sizeof *p);
  const char *grids = "chip: loihi\nsteps: 1\nseed: 8\npopulations:\n"
                      "  a: {size: 256, model: lif}\n  b: {size: 256, model: lif}\n";
  snprintf(text, sizeof text, "%sprojections:\n  - {from: a, to: b, connector: {distance: "
                              "{sigma: 0.08, p: 0.9}}, weight: 1}\n", grids);
  memset(p, 0, sizeof *p);
  expand(text, p);
  cr_assert_gt(p->n, 256, "%zu synapses", p->n);
  size_t near = 0, far = 0;
  for (size_t k = 0; k < p->n; k++) {
    double dx = ((double)(p->pre[k] % 16) - (double)(p->post[k] % 16)) / 16.0;
    double dy = ((double)(p->pre[k] / 16) - (double)(p->post[k] / 16)) / 16.0;
    double d = sqrt(dx * dx + dy * dy);
    near += d <= 0.1;
    far += d > 0.3;
  }
  cr_assert_gt(near, 20 * far, "near %zu, far %zu", near, far);
  /* periodic (sigma 0.3): a corner neuron reaches most of the opposite
   * corner's 3 x 3 neurons, 1/16 to 3/16 away across the edges; without
   * (sigma 0.1) none of them, 0.8 away */
  for (int per = 0; per < 2; per++) {
    snprintf(text, sizeof text, "%sprojections:\n  - {from: a, to: b, connector: {distance: "
                                "{sigma: %s, periodic: %s}}, weight: 1}\n", grids,
             per ? "0.3" : "0.1", per ? "true" : "false");
    expand(text, p);
    size_t across = 0;
    for (size_t k = 0; k < p->n; k++)
      across += p->pre[k] == 0 && p->post[k] % 16 >= 13 && p->post[k] / 16 >= 13;
    if (per) cr_assert_geq(across, 5, "periodic: %zu across the corner", across);
    else cr_assert_eq(across, 0, "not periodic: %zu across the corner", across);
  }
  free(p);
  nmsim_scenario *scn = NULL;
  nmsim_err err = {0};
  snprintf(text, sizeof text, "%sprojections:\n  - {from: a, to: b, connector: {distance: "
                              "{sigma: 0.1}}, weight: 1}\n", head);
  cr_assert_neq(nmsim_scenario_load_string("c.yaml", text, NULL, 0, &scn, &err), NMSIM_OK);
  cr_assert(strstr(err.msg, "'a' has 30 neurons, not a square: give pre: [HEIGHT, WIDTH]"), "%s",
            err.msg);
}

/* Odd 8-bit weights of both signs onto a fixed-point target become two
 * projections of one sign each: the spikes are those of the two written by
 * hand, and of the same network with the weights doubled and even (the
 * mixed-sign mode, which halves them back: exact); a negative weight_exp,
 * which would floor two sums, is refused with the way out. */
Test(connectivity, odd_mixed_fixed_point_weights_split) {
  const char *pops = "chip: loihi\nsteps: 60\nseed: 4\npopulations:\n"
                     "  a: {size: 6, model: poisson, params: {rate: 150 Hz}}\n"
                     "  b: {size: 3, model: loihi_cuba, params: {vth: 40}}\n";
  char text[2048];
  snprintf(text, sizeof text,
           "%sprojections:\n  - {from: a, to: b, connector: {list: [[0, 0, 31], [1, 0, -17], "
           "[2, 1, 45], [3, 1, -9], [4, 2, 27], [5, 2, -3], [0, 2, 11]]}}\n", pops);
  uint64_t split = b_spikes(text);
  cr_assert_gt(split, 0);
  snprintf(text, sizeof text,
           "%sprojections:\n  - {from: a, to: b, connector: {list: [[0, 0, 31], [2, 1, 45], "
           "[4, 2, 27], [0, 2, 11]]}}\n  - {from: a, to: b, connector: {list: [[1, 0, -17], "
           "[3, 1, -9], [5, 2, -3]]}}\n", pops);
  cr_assert_eq(b_spikes(text), split, "two projections by hand");
  nmsim_scenario *scn = NULL;
  nmsim_err err = {0};
  snprintf(text, sizeof text,
           "%sprojections:\n  - {from: a, to: b, weight_exp: -1, connector: {list: [[0, 0, 31], "
           "[1, 0, -17]]}}\n", pops);
  cr_assert_neq(nmsim_scenario_load_string("c.yaml", text, NULL, 0, &scn, &err), NMSIM_OK);
  cr_assert(strstr(err.msg, "not with a negative weight_exp"), "%s", err.msg);
}
