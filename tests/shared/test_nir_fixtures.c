/* test_nir_fixtures.c: every real NIR file of ../shared/data/nir/ read by
 * sim/nir/nir.c against the facts measured in its SOURCES.md (version, nodes with
 * types and shapes, dataset dtypes and values, edges in stored order), the
 * broken ones with the warning that names the repair, and every file
 * imported into a scenario in float and in loihi_cuba fixed point. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim/nir/nir.h"
#include "sim/load/scenario_int.h"

#define NIR_DIR NMSIM_SHARED_DIR "/data/nir/"

typedef struct fx_node {
  const char *name, *type, *in, *out;
} fx_node;

typedef struct fx_param {
  const char *node, *param, *dtype, *shape;
  double min, max;  /* measured range of the values (SOURCES.md) */
} fx_param;

typedef struct fixture {
  const char *file, *version;
  const fx_node *nodes;
  size_t n_nodes;
  const char *const *edges;   /* "src>dst", top level first, stored order */
  size_t n_edges;
  const fx_param *params;
  size_t n_params;
  const char *warning;        /* a fragment of the one expected warning, or NULL */
  const char *input;          /* name and size of the Input node */
  unsigned input_size;
  const char *reset;          /* the reset the file was trained with */
} fixture;

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the measured facts of SOURCES.md ------------------------------------------- */

static const fx_node lif_norse_n[] = {{"0", "Affine", "[1]", "[1]"}, {"1", "LIF", "[1]", "[1]"},
                                      {"input", "Input", "[1]", "[1]"},
                                      {"output", "Output", "[1]", "[1]"}};
static const char *const lif_norse_e[] = {"input>0", "0>1", "1>output"};
static const fx_param lif_norse_p[] = {
    {"0", "weight", "f32", "[1, 1]", 1, 1},
    {"0", "bias", "f32", "[1]", 0, 0},
    {"1", "tau", "f32", "[1]", 0.0024999999441206455, 0.0024999999441206455},
    {"1", "v_threshold", "f32", "[1]", 0.10000000149011612, 0.10000000149011612},
    {"input", "shape", "i64", "[1]", 1, 1}};

static const fx_node lif_rockpool_n[] = {{"0_LinearTorch", "Linear", "[1]", "[1]"},
                                         {"1_LIFNeuronTorch", "LIF", "[1]", "[1]"},
                                         {"input", "Input", "[1]", "[1]"},
                                         {"output", "Output", "[1, 1, 1]", "[1, 1, 1]"}};
static const char *const lif_rockpool_e[] = {"0_LinearTorch>1_LIFNeuronTorch",
                                             "1_LIFNeuronTorch>output", "input>0_LinearTorch"};
static const fx_param lif_rockpool_p[] = {
    {"0_LinearTorch", "weight", "f32", "[1, 1]", 0.03999999910593033, 0.03999999910593033},
    {"1_LIFNeuronTorch", "r", "f32", "[1]", 24.019737243652344, 24.019737243652344},
    {"output", "shape", "i64", "[3]", 1, 1}};

static const fx_node two_lif_n[] = {{"in", "Input", "[1]", "[1]"},    {"lif1", "LIF", "[1]", "[1]"},
                                    {"lif2", "LIF", "[1]", "[1]"},     {"linear1", "Linear", "[1]", "[1]"},
                                    {"linear2", "Linear", "[1]", "[1]"}, {"out", "Output", "[1]", "[1]"}};
static const char *const two_lif_e[] = {"in>linear1", "linear1>lif1", "lif1>linear2",
                                        "linear2>lif2", "lif2>out"};
static const fx_param two_lif_p[] = {{"lif1", "v_leak", "f64", "[1]", 1.2, 1.2},
                                     {"lif1", "tau", "f64", "[1]", 0.01, 0.01},
                                     {"lif2", "v_threshold", "f64", "[1]", 20, 20},
                                     {"linear2", "weight", "f64", "[1, 1]", 1, 1}};

static const fx_node cnn_n[] = {
    {"0", "Conv2d", "[2, 34, 34]", "[16, 16, 16]"}, {"1", "IF", "[16, 16, 16]", "[16, 16, 16]"},
    {"10", "IF", "[256]", "[256]"},                 {"11", "Affine", "[256]", "[10]"},
    {"12", "IF", "[10]", "[10]"},                   {"2", "Conv2d", "[16, 16, 16]", "[16, 16, 16]"},
    {"3", "IF", "[16, 16, 16]", "[16, 16, 16]"},    {"4", "SumPool2d", "[16, 16, 16]", "[16, 8, 8]"},
    {"5", "Conv2d", "[16, 8, 8]", "[8, 8, 8]"},     {"6", "IF", "[8, 8, 8]", "[8, 8, 8]"},
    {"7", "SumPool2d", "[8, 8, 8]", "[8, 4, 4]"},   {"8", "Flatten", "[8, 4, 4]", "[128]"},
    {"9", "Affine", "[128]", "[256]"},              {"input", "Input", "[2, 34, 34]", "[2, 34, 34]"},
    {"output", "Output", "[10]", "[10]"}};
static const char *const cnn_e[] = {"8>9", "11>12", "5>6", "0>1",   "9>10",  "12>output", "4>5",
                                    "3>4", "2>3",   "input>0", "6>7", "1>2", "7>8", "10>11"};
static const fx_param cnn_p[] = {
    {"0", "weight", "f32", "[16, 2, 5, 5]", -1.78929, 0.511303},
    {"0", "bias", "f32", "[16]", 0, 0},
    {"0", "stride", "i64", "[2]", 2, 2},
    {"0", "padding", "i64", "[2]", 1, 1},
    {"0", "groups", "i64", "[]", 1, 1},
    {"0", "input_shape", "i64", "[2]", 34, 34},
    {"2", "weight", "f32", "[16, 16, 3, 3]", -1.00325, 0.748133},
    {"5", "weight", "f32", "[8, 16, 3, 3]", -0.625396, 0.591447},
    {"5", "input_shape", "i64", "[2]", 8, 8},
    {"1", "v_threshold", "f32", "[16, 16, 16]", 1, 1},
    {"4", "kernel_size", "i64", "[2]", 2, 2},
    {"8", "input_type", "i64", "[3]", 4, 8},
    {"8", "start_dim", "i64", "[]", 0, 0},
    {"9", "weight", "f32", "[256, 128]", -1.18481, 0.885802},
    {"11", "weight", "f32", "[10, 256]", -0.648789, 0.437647}};

#define BRAILLE_FLAT_NODES(H, FC)                                               \
  {{"fc1", FC, "[12]", "[" #H "]"},          {"fc2", FC, "[" #H "]", "[7]"},                    \
   {"input", "Input", "[12]", "[12]"},       {"lif1.lif", "CubaLIF", "[" #H "]", "[" #H "]"},   \
   {"lif1.w_rec", FC, "[" #H "]", "[" #H "]"}, {"lif2", "CubaLIF", "[7]", "[7]"},               \
   {"output", "Output", "[7]", "[7]"}}

static const fx_node bz_n[] = BRAILLE_FLAT_NODES(38, "Affine");
static const char *const bz_e[] = {"lif1.w_rec>lif1.lif", "lif2>output",        "fc2>lif2",
                                   "input>fc1",           "lif1.lif>lif1.w_rec", "fc1>lif1.lif",
                                   "lif1.lif>fc2"};
static const fx_param bz_p[] = {
    {"fc1", "weight", "f32", "[38, 12]", -5.70042, 1.03932},
    {"fc1", "bias", "f32", "[38]", -1.69485, 0.251467},
    {"fc2", "bias", "f32", "[7]", 0.256665, 0.357325},
    {"lif1.w_rec", "weight", "f32", "[38, 38]", -13.3887, 0.795154},
    {"lif1.lif", "r", "f64", "[38]", 9.99999762, 9.99999762},
    {"lif1.lif", "tau_syn", "f64", "[38]", 0.000222222228, 0.000222222228},
    {"lif1.lif", "w_in", "f64", "[38]", 2.22222228, 2.22222228},
    {"lif2", "tau_mem", "f64", "[7]", 0.000222222228, 0.000222222228},
    {"lif2", "w_in", "f64", "[7]", 2, 2}};

static const fx_node bs_n[] = BRAILLE_FLAT_NODES(40, "Linear");
static const char *const bs_e[] = {"lif1.w_rec>lif1.lif", "fc2>lif2",     "lif1.lif>lif1.w_rec",
                                   "lif2>output",         "input>fc1",    "fc1>lif1.lif",
                                   "lif1.lif>fc2"};
static const fx_param bs_p[] = {
    {"fc1", "weight", "f32", "[40, 12]", -3.00099, 0.946088},
    {"fc2", "weight", "f32", "[7, 40]", -1.81957, 1.57397},
    {"lif1.w_rec", "weight", "f32", "[40, 40]", -3.71021, 1.05384},
    {"lif1.lif", "r", "f64", "[40]", 6.66666773, 6.66666773},
    {"lif1.lif", "w_in", "f64", "[40]", 4, 4},
    {"lif2", "tau_syn", "f64", "[7]", 0.000181818178, 0.000181818178}};

static const char *const br_e[] = {"fc2>lif2",     "lif2>output",  "input>fc1",
                                   "lif1.lif>lif1.w_rec", "lif1.w_rec>lif1.lif", "fc1>lif1.lif",
                                   "lif1.lif>fc2"};
static const fx_param br_p[] = {
    {"fc1", "weight", "f32", "[38, 12]", -3.19663, 0.950463},
    {"fc1", "bias", "f32", "[38]", -2.70167, 0.321849},
    {"fc2", "weight", "f32", "[7, 38]", -3.28999, 1.55299},
    {"lif1.w_rec", "weight", "f32", "[38, 38]", -5.80527, 1.37053},
    {"lif1.lif", "tau_mem", "f64", "[38]", 0.000999999762, 0.000999999762}};

#define BRAILLE_SUB_NODES(H, FC)                                                            \
  {{"fc1", FC, "[12]", "[" #H "]"},                {"fc2", FC, "[" #H "]", "[7]"},          \
   {"input", "Input", "[12]", "[12]"},             {"lif1", "NIRGraph", "[" #H "]", "[" #H "]"}, \
   {"lif1.input", "Input", "[" #H "]", "[" #H "]"}, {"lif1.lif1", "CubaLIF", "[" #H "]", "[" #H "]"}, \
   {"lif1.lin", FC, "[" #H "]", "[" #H "]"},       {"lif1.output", "Output", "[" #H "]", "[" #H "]"}, \
   {"lif2", "CubaLIF", "[7]", "[7]"},              {"output", "Output", "[7]", "[7]"}}

static const fx_node bzs_n[] = BRAILLE_SUB_NODES(38, "Affine");
static const fx_node bss_n[] = BRAILLE_SUB_NODES(40, "Linear");
/* top level first (stored order), then the nested graph's (stored order; in
 * the paper files after the repair `lif` -> `lif1`) */
static const char *const sub_e[] = {"input>fc1",        "fc1>lif1",           "lif1>fc2",
                                    "fc2>lif2",         "lif2>output",        "lif1.input>lif1.lif1",
                                    "lif1.lif1>lif1.lin", "lif1.lin>lif1.lif1", "lif1.lif1>lif1.output"};
static const fx_param bzs_p[] = {{"lif1.lin", "weight", "f32", "[38, 38]", -13.3887, 0.795154},
                                 {"lif1.lif1", "w_in", "f64", "[38]", 2.22222228, 2.22222228},
                                 {"lif1.input", "shape", "i64", "[1]", 38, 38}};
static const fx_param bss_p[] = {{"lif1.lin", "weight", "f32", "[40, 40]", -3.71021, 1.05384},
                                 {"lif1.lif1", "w_in", "f64", "[40]", 4, 4},
                                 {"lif1.input", "shape", "i64", "[1]", 40, 40}};

#define FX(file, ver, nodes, edges, params, warn, in, insz, reset) \
  {file, ver, nodes, N(nodes), edges, N(edges), params, N(params), warn, in, insz, reset}

static const fixture fixtures[] = {
    FX("lif_norse.nir", "0.1.1", lif_norse_n, lif_norse_e, lif_norse_p, NULL, "input", 1, "zero"),
    FX("lif_rockpool.nir", "0.2.0", lif_rockpool_n, lif_rockpool_e, lif_rockpool_p,
       "edge '1_LIFNeuronTorch' -> 'output': '1_LIFNeuronTorch' (LIF) outputs [1] and 'output' "
       "(Output) takes [1, 1, 1]; the same 1 elements, taken as a reshape",
       "input", 1, "zero"),
    FX("two_lif_neurons.nir", "0.2.0", two_lif_n, two_lif_e, two_lif_p, NULL, "in", 1, "zero"),
    FX("cnn_sinabs.nir", "0.2.0", cnn_n, cnn_e, cnn_p, NULL, "input", 2312, "subtract"),
    FX("braille_noDelay_bias_zero.nir", "0.2.0", bz_n, bz_e, bz_p, NULL, "input", 12, "zero"),
    FX("braille_noDelay_noBias_subtract.nir", "0.2.0", bs_n, bs_e, bs_p, NULL, "input", 12,
       "subtract"),
    FX("braille_noDelay_bias_zero_subgraph.nir", "0.2.0", bzs_n, sub_e, bzs_p,
       "graph 'lif1': dangling inner edges `lif` -> `lif1` repaired", "input", 12, "zero"),
    FX("braille_noDelay_noBias_subtract_subgraph.nir", "0.2.0", bss_n, sub_e, bss_p,
       "graph 'lif1': dangling inner edges `lif` -> `lif1` repaired", "input", 12, "subtract"),
    FX("braille.nir", "0.2.0", bz_n, br_e, br_p, NULL, "input", 12, "zero"),
    FX("spyx/braille_noDelay_bias_zero_subgraph.nir", "0.2.0", bzs_n, sub_e, bzs_p, NULL, "input",
       12, "zero"),
    FX("spyx/braille_noDelay_noBias_subtract_subgraph.nir", "0.2.0", bss_n, sub_e, bss_p, NULL,
       "input", 12, "subtract"),
};

/* ---- checks ------------------------------------------------------------------------ */

static const nir_node *find(const nir_graph *g, const char *name) {
  for (size_t i = 0; i < g->n_nodes; i++)
    if (strcmp(g->nodes[i].name, name) == 0) return &g->nodes[i];
  return NULL;
}

static void check_fixture(const fixture *fx) {
  char path[512], a[96], b[96];
  snprintf(path, sizeof path, "%s%s", NIR_DIR, fx->file);
  nir_graph *g = NULL;
  nmsim_err err = {0};
  nmsim_status rc = nir_read(path, &g, &err);
  cr_assert_eq(rc, NMSIM_OK, "%s: %s", fx->file, err.msg);
  cr_assert_str_eq(g->version, fx->version, "%s: version '%s', expected '%s'", fx->file,
                   g->version, fx->version);
  cr_assert_eq(g->n_nodes, fx->n_nodes, "%s: %zu nodes, expected %zu", fx->file, g->n_nodes,
               fx->n_nodes);
  for (size_t i = 0; i < fx->n_nodes; i++) {
    const fx_node *w = &fx->nodes[i];
    const nir_node *n = &g->nodes[i];  /* name order, as HDF5 lists them */
    cr_assert_str_eq(n->name, w->name, "%s: node %zu is '%s', expected '%s'", fx->file, i,
                     n->name, w->name);
    cr_assert_str_eq(n->type, w->type, "%s: node '%s' is a %s, expected %s", fx->file, n->name,
                     n->type, w->type);
    cr_assert(n->known, "%s: node '%s' has no shape", fx->file, n->name);
    nir_shape_str(&n->in, a, sizeof a);
    nir_shape_str(&n->out, b, sizeof b);
    cr_assert(!strcmp(a, w->in) && !strcmp(b, w->out), "%s: node '%s': %s -> %s, expected %s -> %s",
              fx->file, n->name, a, b, w->in, w->out);
  }
  cr_assert_eq(g->n_edges, fx->n_edges, "%s: %zu edges, expected %zu", fx->file, g->n_edges,
               fx->n_edges);
  for (size_t e = 0; e < fx->n_edges; e++) {
    char got[256];
    snprintf(got, sizeof got, "%s>%s", g->nodes[g->edges[e].src].name,
             g->nodes[g->edges[e].dst].name);
    cr_assert_str_eq(got, fx->edges[e], "%s: edge %zu is %s, expected %s", fx->file, e, got,
                     fx->edges[e]);
  }
  for (size_t k = 0; k < fx->n_params; k++) {
    const fx_param *w = &fx->params[k];
    const nir_node *n = find(g, w->node);
    cr_assert_not_null(n, "%s: no node %s", fx->file, w->node);
    const nir_param *p = nir_node_param(n, w->param);
    cr_assert_not_null(p, "%s: node %s has no %s", fx->file, w->node, w->param);
    nir_shape_str(&p->shape, a, sizeof a);
    cr_assert(!strcmp(p->dtype, w->dtype) && !strcmp(a, w->shape),
              "%s: %s.%s is %s%s, expected %s%s", fx->file, w->node, w->param, p->dtype, a,
              w->dtype, w->shape);
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < p->n; i++) lo = fmin(lo, p->v[i]), hi = fmax(hi, p->v[i]);
    double tol = 1e-5 * fmax(1, fmax(fabs(w->min), fabs(w->max)));
    cr_assert(fabs(lo - w->min) <= tol && fabs(hi - w->max) <= tol,
              "%s: %s.%s in [%.9g, %.9g], SOURCES.md measured [%.9g, %.9g]", fx->file, w->node,
              w->param, lo, hi, w->min, w->max);
  }
  if (fx->warning) {
    cr_assert_eq(g->n_warnings, 1, "%s: %zu warnings, expected 1", fx->file, g->n_warnings);
    cr_assert(strstr(g->warnings[0], fx->warning) && strstr(g->warnings[0], path),
              "%s: warning\n  %s\nexpected to contain\n  %s", fx->file, g->warnings[0],
              fx->warning);
    cr_log_info("%s: %s", fx->file, g->warnings[0]);
  } else {
    cr_assert_eq(g->n_warnings, 0, "%s: unexpected warning %s", fx->file,
                 g->n_warnings ? g->warnings[0] : "");
  }
  size_t neurons = 0;
  for (size_t i = 0; i < g->n_nodes; i++) neurons += nir_kind_is_neuron(g->nodes[i].kind);
  nir_graph_destroy(g);

  /* the file as a scenario's network, in float and in fixed point, with a
   * source bound to its Input */
  for (int q = 0; q < 2; q++) {
    char yaml[2048];
    snprintf(yaml, sizeof yaml,
             "chip: loihi\nsteps: 20\n"
             "network: {nir: %s, dt: 0.1 ms, reset: %s, target: %s}\n"
             "populations:\n  src: {size: %u, model: poisson, params: {rate: 100 Hz}}\n"
             "projections:\n  - {from: src, to: nir.%s, connector: one_to_one}\n",
             path, fx->reset, q ? "loihi_cuba" : "float", fx->input_size, fx->input);
    nmsim_scenario *s = NULL;
    rc = nmsim_scenario_load_string("fixture.yaml", yaml, NULL, 0, &s, &err);
    cr_assert_eq(rc, NMSIM_OK, "%s as a scenario (%s): %s", fx->file, q ? "loihi_cuba" : "float",
                 err.msg);
    cr_assert_eq(s->n_pops, 1 + neurons, "%s: %zu populations, expected the source and %zu",
                 fx->file, s->n_pops, neurons);
    cr_assert_eq(s->n_warnings, fx->warning ? 1u : 0u, "%s: %zu scenario warnings", fx->file,
                 s->n_warnings);
    nmsim_scenario_destroy(s);
  }
}

#define FIXTURE_TEST(id, idx)                                                              \
  Test(nir_fixtures, id) { check_fixture(&fixtures[idx]); }

/* Each file: version, every node (name order) with type and inferred input
 * and output shapes, dtypes, shapes and measured value ranges of datasets,
 * every edge in stored order, the expected warning (or none), and an import
 * into a scenario (float and loihi_cuba) with one population per neuron node. */
FIXTURE_TEST(lif_norse, 0)
FIXTURE_TEST(lif_rockpool_output_shape_repaired, 1)
FIXTURE_TEST(two_lif_neurons, 2)
FIXTURE_TEST(cnn_sinabs, 3)
FIXTURE_TEST(braille_noDelay_bias_zero, 4)
FIXTURE_TEST(braille_noDelay_noBias_subtract, 5)
FIXTURE_TEST(braille_bias_zero_subgraph_dangling_edges_repaired, 6)
FIXTURE_TEST(braille_noBias_subtract_subgraph_dangling_edges_repaired, 7)
FIXTURE_TEST(braille_nirtorch, 8)
FIXTURE_TEST(spyx_braille_bias_zero_subgraph, 9)
FIXTURE_TEST(spyx_braille_noBias_subtract_subgraph, 10)

/* Every .nir file in the folder is in the table above (so a new fixture
 * cannot go untested). */
Test(nir_fixtures, table_covers_every_file) {
  static const char *const all[] = {
      "braille.nir", "braille_noDelay_bias_zero.nir", "braille_noDelay_bias_zero_subgraph.nir",
      "braille_noDelay_noBias_subtract.nir", "braille_noDelay_noBias_subtract_subgraph.nir",
      "cnn_sinabs.nir", "lif_norse.nir", "lif_rockpool.nir", "two_lif_neurons.nir",
      "spyx/braille_noDelay_bias_zero_subgraph.nir",
      "spyx/braille_noDelay_noBias_subtract_subgraph.nir"};
  char cmd[600];
  snprintf(cmd, sizeof cmd, "cd %s && ls *.nir spyx/*.nir 2>/dev/null | wc -l", NIR_DIR);
  FILE *p = popen(cmd, "r");
  cr_assert_not_null(p);
  unsigned count = 0;
  cr_assert_eq(fscanf(p, "%u", &count), 1);
  pclose(p);
  cr_assert_eq(count, N(all), "%u .nir files in %s, the table knows %zu", count, NIR_DIR, N(all));
  for (size_t i = 0; i < N(all); i++) {
    bool found = false;
    for (size_t k = 0; k < N(fixtures); k++) found |= !strcmp(fixtures[k].file, all[i]);
    cr_assert(found, "%s has no entry in the fixture table", all[i]);
  }
}
