/* pq_bucket.c: the "bucket" event queue, for the many events that share a
 * timestamp: a ring of unsorted time buckets; the front bucket is radix
 * sorted once when it becomes current and then popped in sequence, merged
 * with a small heap of late arrivals; an overflow heap lies beyond the
 * ring's horizon; the bucket width adapts to the pending events. */
#define SIM_PQ_INTERNAL
#include "sim/engine/pq.h"

#include <string.h>

/* LAYOUT. Let W be the bucket width, N the number of buckets, [S, L) the
 * front's bucket (S = fstart, L = S + fwidth: the width when it was loaded),
 * G = floor(L / W) * W and H = G + N*W the horizon. Every entry is in exactly
 * one of
 *   front  the bucket being read, all below L, in key order in
 *          fa[pos..n_ord) (see THE SORT); a push below L goes in at its
 *          place while fewer than FRONT_INSERT_MAX of them are unread;
 *   late   a binary heap on the full key of the other entries below L
 *          pushed after the front was sorted (this includes times below the
 *          front's start, pushed at "now" after a peek loaded the front
 *          early) and of those that came from over with the front;
 *   ring   bucket (t / W) % N, unsorted: L <= t < H, so a slot never mixes
 *          laps;
 *   over   a binary heap: t >= L, beyond the horizon when pushed.
 * All of front and late precede all of ring and over, so the least entry is
 * the lesser of the front's next entry and late's root.
 *
 * ADVANCING. When front and late are both read, the next bucket start is the
 * least of the first non-empty ring bucket from slot (G / W) % N on (found
 * through a bitmap) and floor(over's least time / W) * W, which jumps over
 * empty stretches at once. That ring bucket becomes the front (its chunk list
 * is swapped with the front's), L moves to its end, and the over entries of
 * its range are popped into late: O(bucket) plus O(log) per over entry. Over
 * entries are moved when their bucket becomes the front rather than into ring
 * buckets when the horizon passes them: it keeps the pop path free of
 * allocation (pop cannot report NMSIM_ENOMEM).
 *
 * THE SORT. A bucket of at most one chunk (the engine's usual front: a few
 * events) is insertion sorted on the full key straight into fa. A larger
 * one tracks, as it fills, which bits of each key word vary among its
 * entries (the OR of key ^ first key). When it becomes the front,
 * each entry gets a 64-bit word: the varying bits of its key fields (time,
 * kind, dst, src, seq, most significant first; the bits above them are common
 * to the bucket) packed above the entry's index in the bucket. If they need
 * more bits than the index leaves, only their top bits are kept (a prefix),
 * and runs of equal prefix are then ordered by comparing the entries;
 * otherwise the words are exact. The entries are then copied in word order
 * into one array that pops read in sequence (the front's chunks go back to
 * the spare stack at once). In a bucket of one timestamp (the step
 * increments of tests/bench/bench_pq.c: 62,000 tied events) the word holds
 * about 35 bits of kind, dst, src and seq. The words are sorted by an MSD
 * radix sort whose first digit is as wide as log2(bucket size), so that most
 * groups hold one or two words, followed by one insertion pass; larger groups
 * are radix sorted further. Stable, so equal keys stay in index order (which
 * is push order: nothing depends on addresses). Equal keys end up adjacent,
 * so the duplicate check (sim_pq_tie) compares each popped entry with the
 * next one.
 *
 * ADAPTING. With bucket_width 0 the width is a power of two, first
 * 2^AUTO_SHIFT0 ps, kept so that a front holds about T entries: T =
 * FRONT_TARGET, or an eighth of the queue if that is less, but at least
 * FRONT_MIN. Some thousands keep the sort cheap per entry and the horizon
 * wide (the exponential increments of tests/bench/bench_pq.c settle at a few ns
 * with 1e6 pending); a smaller T for a smaller queue keeps its front from
 * spanning most of it (every push would then go to late, a heap); the floor
 * keeps a queue of a few thousand events (the engine's, chip-timed) from
 * regridding over and over as it fills and drains with each time step. Each
 * load updates a moving average of front sizes; when it leaves [T / 4, 4 T]
 * (narrowing only if the front's times differ, as no width splits one
 * timestamp, and widening only with enough entries queued for it to
 * matter), the next push regrids: it redistributes the ring over the new
 * width, in O(ring entries); front, late and over stay as they are. Pushes
 * into the front's range go to late, a heap: when it holds T entries and a
 * quarter of the queue (a front far too wide for what is pushed), push
 * regrids in full: front, late and ring go to a new ring, whose width would
 * hold T of late's entries, and the next pop sorts its first bucket. A
 * regrid costs O(queued), so it is done at most once per n/4 pops or pushes
 * for n queued. It allocates, so push does it,
 * and if an allocation fails nothing changes and the queue goes on as it was.
 *
 * MEMORY. Ring buckets keep their entries (whole events, 56 bytes) in
 * chunks of 32 from a shared spare stack: a bucket never moves entries to
 * grow, and the chunks of the front go back as soon as it is gathered, for the
 * buckets that fill next (at most one partly filled chunk per bucket: 7 MiB
 * with 4096 buckets). Allocation happens only in push, which reserves what a
 * later load needs: ord and tmp hold as many words as the largest ring
 * bucket (16 bytes per entry of it; cnt is the first digit's count table), and late has
 * room for late.n + over.n entries. Nothing is allocated per event in steady
 * state. Known limitation: nothing is given back to the allocator before
 * destroy after a burst. */

#define AUTO_SHIFT0 10     /* an automatic width starts at 1024 ps */
#define FRONT_TARGET 4096  /* ... and keeps fronts at about this size, */
#define FRONT_SHARE 8      /* or 1 / FRONT_SHARE of the queue if that is less, */
#define FRONT_MIN 2048     /* but not below this */

/* A push into the front's range goes into the front itself while fewer than
 * this many of its entries are unread (see ADAPTING), else to late. */
#define FRONT_INSERT_MAX 32

/* How far ahead of the read position pop looks for prefetches. */
#define PREFETCH_AHEAD 16

#define CACHE_LINE 64

/* ---- ring buckets ---------------------------------------------------------- */

#define CHUNK_SHIFT 5
#define CHUNK ((size_t)1 << CHUNK_SHIFT) /* entries per chunk: 1792 bytes */

typedef struct chunk {
  pq_entry e[CHUNK];
} chunk;

/* What a push touches, in one cache line (the ring is aligned to them). */
typedef struct bucket {
  pq_entry *tail;  /* the next entry's place if n % CHUNK != 0 */
  size_t n;        /* entries */
  uint64_t ref[3]; /* t, k1, k2 of its first entry */
  uint64_t var[3]; /* OR over its entries of (t, k1, k2) ^ ref */
} bucket;
_Static_assert(sizeof(bucket) <= CACHE_LINE, "a bucket fits a cache line");

/* The chunks of a bucket: entry i is ch[i >> CHUNK_SHIFT]->e[i % CHUNK]. */
typedef struct chunk_list {
  chunk **ch;
  size_t cap;
} chunk_list;

static inline const pq_entry *entry_at(chunk *const *ch, uint64_t i) {
  return &ch[i >> CHUNK_SHIFT]->e[i & (CHUNK - 1)];
}

/* Chunks in use by a bucket of n entries. */
static inline size_t n_chunks(size_t n) { return (n + CHUNK - 1) >> CHUNK_SHIFT; }

/* The key fields, most significant first: time, kind, dst, src, seq. */
enum { N_FIELDS = 5 };

/* How the fields of a key go into a sort word: field k, with its varying bits
 * masked by m[k], goes in as ((v & m[k]) >> rs[k]) << ls[k] (m[k] = 0 for a
 * field that does not vary). */
typedef struct word_layout {
  uint64_t m[N_FIELDS];
  unsigned rs[N_FIELDS], ls[N_FIELDS];
} word_layout;

typedef struct bucket_q {
  const sim_pq *q;    /* for ties */
  /* The ring. */
  nmsim_ps width;     /* W, ps */
  unsigned wshift;    /* log2(W) if W is a power of two, else 64 */
  size_t nb;          /* N */
  size_t nb_mask;     /* N - 1 if N is a power of two, else 0 */
  uint64_t span;      /* N * W, ps (at most 2^64 - 1: pq.c checks) */
  bucket *ring;       /* N buckets, aligned to a cache line in ring_mem */
  void *ring_mem;
  chunk_list *chunks; /* of each bucket */
  uint64_t *bits;     /* bit i set iff ring[i].n > 0 */
  nmsim_ps fstart, fwidth; /* S, L - S */
  nmsim_ps grid;      /* G (if L < 2^64; else no entry is at or above L) */
  size_t gslot;       /* (G / W) % N */
  /* An automatic width (see ADAPTING) is a power of two. */
  bool auto_width;
  unsigned want_shift; /* log2 of the width to regrid to (== wshift: none) */
  unsigned max_shift;  /* keeps N * W below 2^63 */
  size_t avg_front;    /* moving average of front sizes */
  size_t since_regrid; /* pops since the last regrid */
  size_t late_limit;   /* late holds no more before relieve_late (backoff) */
  /* The front: its entries in key order, fa[pos..n_ord). While it is sorted,
   * ord holds its words: the entry of word w is entry w & imask of the
   * chunks of fcl. Exact words hold whole keys, else prefixes. */
  pq_entry *fa;
  uint64_t *ord;
  size_t pos, n_ord;
  unsigned ib;        /* index bits at the bottom of a word */
  uint64_t imask;     /* (1 << ib) - 1 */
  bool exact;
  chunk_list fcl;     /* the front's chunk list (swapped with the ring's) */
  /* Scratch of the sort; ord and tmp hold tmp_cap words. */
  uint64_t *tmp;
  uint32_t *cnt;      /* the first digit's count table */
  size_t fa_cap, ord_cap, tmp_cap, cnt_cap;
  pq_bheap late, over;
  chunk **spare;      /* free chunks: spare[0..n_spare) */
  size_t n_spare, spare_cap, n_chunk; /* spare_cap >= n_chunk, the chunks allocated */
  size_t n_ring;      /* entries in ring buckets */
  size_t n_total;     /* front (unread) + late.n + n_ring + over.n */
} bucket_q;

/* Always inlined: GCC can delete a call to a function that only prefetches
 * (see cores/machine.h). */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline void prefetch(const void *p) {
#if defined(__GNUC__)
  __builtin_prefetch(p);
#else
  (void)p;
#endif
}

static inline unsigned ctz64(uint64_t x) {
#if defined(__GNUC__)
  return (unsigned)__builtin_ctzll(x);
#else
  unsigned n = 0;
  while (!(x & 1)) {
    x >>= 1;
    n++;
  }
  return n;
#endif
}

/* Number of bits needed to write x (0 for 0). */
static inline unsigned bit_width(uint64_t x) {
#if defined(__GNUC__)
  return x ? 64u - (unsigned)__builtin_clzll(x) : 0u;
#else
  unsigned n = 0;
  while (x) {
    x >>= 1;
    n++;
  }
  return n;
#endif
}

/* t < L, without overflow. */
static inline bool below_lim(const bucket_q *b, nmsim_ps t) {
  return t < b->fstart || t - b->fstart < b->fwidth;
}

/* (d / W), d >= 0. */
static inline uint64_t div_width(const bucket_q *b, uint64_t d) {
  return b->wshift < 64 ? d >> b->wshift : d / b->width;
}

/* d % W and k % N: masks when W and N are powers of two (the automatic width
 * and the default N always are), so that loading a front, a few events in a
 * chip-timed run, costs no 64-bit division. */
static inline uint64_t mod_width(const bucket_q *b, uint64_t d) {
  return b->wshift < 64 ? d & (b->width - 1) : d % b->width;
}
static inline size_t ring_slot_of(const bucket_q *b, uint64_t k) {
  return b->nb_mask ? (size_t)(k & b->nb_mask) : (size_t)(k % b->nb);
}

/* Set the front's bucket to [s, s + w) and the grid that follows it. */
static void set_front_range(bucket_q *b, nmsim_ps s, nmsim_ps w) {
  b->fstart = s;
  b->fwidth = w;
  nmsim_ps lim = s + w; /* wraps to below s if L = 2^64: then no ring */
  b->grid = lim >= s ? lim - mod_width(b, lim) : s;
  b->gslot = ring_slot_of(b, div_width(b, b->grid));
}

/* ---- sorting the front ---------------------------------------------------- */

/* Groups of at most this many words are left to the final insertion pass. */
#define ISORT_MAX 16
/* Digits below the first are at most this wide (a count table on the stack). */
#define DIGIT_MAX 8
/* The first digit is at most this wide (cnt: 256 KiB). */
#define TOP_DIGIT_MAX 16

/* Insertion sort of a[0..n) as plain integers: O(n + inversions). */
static void isort_u64(uint64_t *a, size_t n) {
  for (size_t i = 1; i < n; i++) {
    uint64_t x = a[i];
    if (a[i - 1] <= x) continue;
    size_t j = i;
    for (; j > 0 && a[j - 1] > x; j--) a[j] = a[j - 1];
    a[j] = x;
  }
}

/* Sort a[0..n) (n < 2^32) on bits [lo, hi) of the words, stably (words equal
 * on those bits keep their order; all words agree above hi), except that
 * groups of at most ISORT_MAX words equal above some digit are left unsorted
 * for the caller's insertion pass. tmp is scratch for n words. Every
 * recursion is on a strictly smaller range and a strictly lower hi. */
static void msd_sort(uint64_t *a, uint64_t *tmp, size_t n, unsigned hi, unsigned lo) {
  while (n > ISORT_MAX && hi > lo) {
    unsigned d = bit_width(n) - 2; /* n > 16: groups of about four */
    if (d > DIGIT_MAX) d = DIGIT_MAX;
    if (d > hi - lo) d = hi - lo;
    unsigned sh = hi - d;
    uint64_t mask = ((uint64_t)1 << d) - 1;
    size_t nbin = (size_t)1 << d;
    uint32_t cnt[((size_t)1 << DIGIT_MAX) + 1];
    memset(cnt, 0, (nbin + 1) * sizeof *cnt);
    for (size_t i = 0; i < n; i++) cnt[((a[i] >> sh) & mask) + 1]++;
    if (cnt[((a[0] >> sh) & mask) + 1] == n) { /* one digit value: next digit */
      hi = sh;
      continue;
    }
    for (size_t i = 1; i <= nbin; i++) cnt[i] += cnt[i - 1]; /* cnt[v] = start of v */
    for (size_t i = 0; i < n; i++) tmp[cnt[(a[i] >> sh) & mask]++] = a[i];
    memcpy(a, tmp, n * sizeof *a);
    /* cnt[v] is now the end of group v, which starts at the end of v - 1. */
    for (size_t v = 0, start = 0; v < nbin; start = cnt[v++])
      if (cnt[v] - start > ISORT_MAX) msd_sort(a + start, tmp + start, cnt[v] - start, sh, lo);
    return;
  }
}

/* Full-key order of two front entries, then their indexes: no tie check. */
static inline bool entry_before(chunk *const *fe, uint64_t imask, uint64_t x, uint64_t y) {
  const pq_entry *a = entry_at(fe, x & imask), *b = entry_at(fe, y & imask);
  if (a->t != b->t) return a->t < b->t;
  if (a->k1 != b->k1) return a->k1 < b->k1;
  if (a->k2 != b->k2) return a->k2 < b->k2;
  return (x & imask) < (y & imask);
}

/* Sort a run of words of equal prefix by comparing the entries: insertion
 * sort for short runs, heapsort (in place, O(n log n)) for long ones. */
static void sort_run(chunk *const *fe, uint64_t imask, uint64_t *a, size_t n) {
  if (n <= ISORT_MAX) {
    for (size_t i = 1; i < n; i++) {
      uint64_t x = a[i];
      size_t j = i;
      for (; j > 0 && entry_before(fe, imask, x, a[j - 1]); j--) a[j] = a[j - 1];
      a[j] = x;
    }
    return;
  }
  for (size_t k = n / 2; k-- > 0;) { /* heapify (max-heap), then pop to the end */
    for (size_t i = k;;) {
      size_t c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && entry_before(fe, imask, a[c], a[c + 1])) c++;
      if (!entry_before(fe, imask, a[i], a[c])) break;
      uint64_t x = a[i];
      a[i] = a[c];
      a[c] = x;
      i = c;
    }
  }
  for (size_t m = n; m-- > 1;) {
    uint64_t x = a[0];
    a[0] = a[m];
    a[m] = x;
    for (size_t i = 0;;) {
      size_t c = 2 * i + 1;
      if (c >= m) break;
      if (c + 1 < m && entry_before(fe, imask, a[c], a[c + 1])) c++;
      if (!entry_before(fe, imask, a[i], a[c])) break;
      x = a[i];
      a[i] = a[c];
      a[c] = x;
      i = c;
    }
  }
}

/* The fields of entry e. */
static inline void key_fields(const pq_entry *e, uint64_t f[N_FIELDS]) {
  f[0] = e->t;
  f[1] = e->k1 >> 32;
  f[2] = (uint32_t)e->k1;
  f[3] = e->k2 >> 32;
  f[4] = (uint32_t)e->k2;
}

/* Give the n entries' chunks of list cl back to spare. */
static void give_back(bucket_q *b, const chunk_list *cl, size_t n) {
  for (size_t c = 0; c < n_chunks(n); c++) b->spare[b->n_spare++] = cl->ch[c];
}

/* Strict order of two entries' full keys (no tie check: equal keys end up
 * adjacent and pop checks them). */
static inline bool key_less(const pq_entry *a, const pq_entry *b) {
  if (a->t != b->t) return a->t < b->t;
  if (a->k1 != b->k1) return a->k1 < b->k1;
  return a->k2 < b->k2;
}

/* The front of a bucket of n <= CHUNK entries e[0..n) (one chunk): an
 * insertion sort of the entries straight into fa, stable, so equal keys keep
 * push order as the words would. The engine's queue, a few thousand events
 * that mostly schedule a few ns ahead, loads fronts of a handful of entries
 * hundreds of times a step: building words for them would cost more than
 * sorting them. */
static void sort_small(bucket_q *b, const pq_entry *e, size_t n) {
  pq_entry *fa = b->fa;
  for (size_t i = 0; i < n; i++) {
    size_t j = i;
    for (; j > 0 && key_less(&e[i], &fa[j - 1]); j--) fa[j] = fa[j - 1];
    fa[j] = e[i];
  }
  give_back(b, &b->fcl, n);
  b->pos = 0;
  b->n_ord = n;
}

/* Make r (n > 0 entries, in the chunks of fcl) the front: its entries in
 * key order in fa[0..n), through their words in ord unless one chunk holds
 * them (sort_small). Never allocates (push reserved the scratch). The layout
 * is held in locals: the words written must not make the compiler reload it
 * for every entry. */
static void sort_front(bucket_q *b, const bucket *r) {
  size_t n = r->n;
  chunk *const *fe = b->fcl.ch;
  if (n <= CHUNK) { /* one chunk: see sort_small */
    sort_small(b, fe[0]->e, n);
    return;
  }
  /* The varying bits of each field are those up to the highest varying one:
   * the higher ones are common to the bucket, so comparing the low bits
   * compares the fields. */
  uint64_t var[N_FIELDS];
  const pq_entry vk = {.t = r->var[0], .k1 = r->var[1], .k2 = r->var[2]};
  key_fields(&vk, var);
  unsigned bits[N_FIELDS], total = 0;
  for (int k = 0; k < N_FIELDS; k++) total += bits[k] = bit_width(var[k]);
  /* The word keeps the top 64 - ib bits of the key (the drop lowest are
   * lost); this prefix occupies bits [ib, ib + key_bits). */
  unsigned ib = bit_width(n - 1);
  unsigned drop = total > 64 - ib ? total - (64 - ib) : 0;
  unsigned key_bits = total - drop;
  word_layout lay, *l = &lay;
  for (int k = N_FIELDS, off = 0; k-- > 0; off += (int)bits[k]) {
    /* The field's lowest bit goes to bit off - drop of the prefix; a field
     * wholly below it (at most 32 bits: not the time) comes out as 0. */
    int s = off - (int)drop;
    l->m[k] = bits[k] == 64 ? ~(uint64_t)0 : ((uint64_t)1 << bits[k]) - 1;
    l->rs[k] = bits[k] == 0 || s >= 0 ? 0 : -s >= 64 ? 63 : (unsigned)-s;
    l->ls[k] = bits[k] == 0 ? 0 : (s >= 0 ? (unsigned)s : 0) + ib;
  }
  b->exact = drop == 0;
  b->ib = ib;
  b->imask = ((uint64_t)1 << ib) - 1;

  /* Pack the words, into tmp if a first radix digit follows, else into ord. */
  uint64_t *ord = b->ord, *tmp = b->tmp;
  unsigned d = bit_width(n);
  if (d > TOP_DIGIT_MAX) d = TOP_DIGIT_MAX;
  if (d > key_bits) d = key_bits;
  if (n <= ISORT_MAX) d = 0; /* the insertion pass alone */
  uint64_t *dst = d ? tmp : ord;
  const uint64_t m0 = l->m[0], m1 = l->m[1], m2 = l->m[2], m3 = l->m[3], m4 = l->m[4];
  const unsigned r0 = l->rs[0], r1 = l->rs[1], r2 = l->rs[2], r3 = l->rs[3], r4 = l->rs[4];
  const unsigned s0 = l->ls[0], s1 = l->ls[1], s2 = l->ls[2], s3 = l->ls[3], s4 = l->ls[4];
  for (size_t c = 0; c < 2 && c < n_chunks(n); c++)
    for (size_t j = 0; j < CHUNK; j++) prefetch(&fe[c]->e[j]);
  for (size_t c = 0, i = 0; i < n; c++) {
    const pq_entry *e = fe[c]->e;
    size_t m = NM_MIN(CHUNK, n - i);
    /* The chunks were written long ago: prefetch the one after next meanwhile
     * (a chunk is read faster than memory answers). */
    const pq_entry *next = i + m + CHUNK < n ? fe[c + 2]->e : e;
    for (size_t j = 0; j < m; j++) {
      prefetch(&next[j]);
      uint64_t w = i + j;
      w |= ((e[j].t & m0) >> r0) << s0;
      w |= (((e[j].k1 >> 32) & m1) >> r1) << s1;
      w |= (((uint32_t)e[j].k1 & m2) >> r2) << s2;
      w |= (((e[j].k2 >> 32) & m3) >> r3) << s3;
      w |= (((uint32_t)e[j].k2 & m4) >> r4) << s4;
      dst[i + j] = w;
    }
    i += m;
  }
  if (d) { /* the first digit, counted and distributed */
    unsigned sh = ib + key_bits - d;
    size_t nbin = (size_t)1 << d;
    uint32_t *cnt = b->cnt;
    memset(cnt, 0, (nbin + 1) * sizeof *cnt);
    for (size_t i = 0; i < n; i++) cnt[(tmp[i] >> sh) + 1]++;
    for (size_t v = 1; v <= nbin; v++) cnt[v] += cnt[v - 1];
    for (size_t i = 0; i < n; i++) ord[cnt[tmp[i] >> sh]++] = tmp[i];
    for (size_t v = 0, start = 0; v < nbin; start = cnt[v++])
      if (cnt[v] - start > ISORT_MAX) msd_sort(ord + start, tmp + start, cnt[v] - start, sh, ib);
  }
  isort_u64(ord, n);
  if (!b->exact) /* equal prefixes need not be equal keys: compare the entries */
    for (size_t i = 0, j; i < n; i = j) {
      for (j = i + 1; j < n && (ord[j] >> ib) == (ord[i] >> ib); j++) {}
      if (j - i > 1) sort_run(fe, b->imask, ord + i, j - i);
    }
  /* Gather the entries in key order, so that pops read them in sequence;
   * the chunks go back at once. */
  pq_entry *fa = b->fa;
  for (size_t i = 0; i < n; i++) {
    if (i + PREFETCH_AHEAD < n) prefetch(entry_at(fe, ord[i + PREFETCH_AHEAD] & b->imask));
    fa[i] = *entry_at(fe, ord[i] & b->imask);
  }
  give_back(b, &b->fcl, n);
  b->pos = 0;
  b->n_ord = n;
}

/* ---- the queue ------------------------------------------------------------ */

/* Free the chunk lists chunks[0..nb) of ring r, with their chunks. */
static void free_ring_chunks(bucket *r, chunk_list *chunks, size_t nb) {
  for (size_t i = 0; i < nb; i++) {
    if (r)
      for (size_t c = 0; c < n_chunks(r[i].n); c++) nm_free(chunks[i].ch[c]);
    nm_free(chunks[i].ch);
  }
}

static void bucket_destroy(void *impl) {
  bucket_q *b = impl;
  if (b->chunks) free_ring_chunks(b->ring, b->chunks, b->nb);
  nm_free(b->fcl.ch);
  for (size_t i = 0; i < b->n_spare; i++) nm_free(b->spare[i]);
  nm_free(b->spare);
  nm_free(b->ring_mem);
  nm_free(b->chunks);
  nm_free(b->bits);
  nm_free(b->ord);
  nm_free(b->fa);
  nm_free(b->tmp);
  nm_free(b->cnt);
  pq_bheap_free(&b->late);
  pq_bheap_free(&b->over);
  nm_free(b);
}

/* The ring array in mem (nb buckets + a cache line), aligned. */
static inline bucket *ring_in(void *mem) {
  return (bucket *)(((uintptr_t)mem + CACHE_LINE - 1) & ~(uintptr_t)(CACHE_LINE - 1));
}

static nmsim_status bucket_create(const sim_pq *q, const sim_pq_opts *opts, void **impl) {
  bucket_q *b = nm_calloc(1, sizeof *b);
  if (!b) return NMSIM_ENOMEM;
  b->q = q;
  b->nb = opts->n_buckets;
  b->nb_mask = (b->nb & (b->nb - 1)) == 0 ? b->nb - 1 : 0;
  b->auto_width = opts->bucket_width == 0;
  b->width = b->auto_width ? (nmsim_ps)1 << AUTO_SHIFT0 : opts->bucket_width;
  b->wshift = (b->width & (b->width - 1)) == 0 ? ctz64(b->width) : 64;
  b->span = (uint64_t)b->nb * b->width;
  b->want_shift = b->wshift;
  b->max_shift = 62 - bit_width(b->nb - 1);
  b->avg_front = FRONT_TARGET;
  set_front_range(b, 0, b->width);
  b->late.q = b->over.q = q;
  b->ring_mem = nm_calloc(1, b->nb * sizeof *b->ring + CACHE_LINE - 1);
  b->chunks = nm_calloc(b->nb, sizeof *b->chunks);
  b->bits = nm_calloc((b->nb + 63) / 64, sizeof *b->bits);
  if (!b->ring_mem || !b->chunks || !b->bits) goto fail;
  b->ring = ring_in(b->ring_mem);
  *impl = b;
  return NMSIM_OK;
fail:
  bucket_destroy(b);
  return NMSIM_ENOMEM;
}

/* Room in late for every entry that may end up there (see MEMORY). */
static inline nmsim_status reserve_late(bucket_q *b) {
  return pq_bheap_reserve(&b->late, b->late.n + b->over.n + 1);
}

/* Room for sorting a bucket of need entries: NMSIM_OK or NMSIM_ENOMEM.
 * tmp grows last: tmp_cap says that all have room. The capacities grow to
 * powers of two, and a bucket of up to tmp_cap entries may be sorted: the
 * count table is sized for the power of two at or above need. */
static nmsim_status reserve_sort(bucket_q *b, size_t need) {
  void *c = b->cnt, *o = b->ord, *t = b->tmp, *f = b->fa;
  unsigned d = bit_width(need > 1 ? need - 1 : 1) + 1; /* 2^(d-1) >= need */
  size_t nbin = (size_t)1 << (d < TOP_DIGIT_MAX ? d : TOP_DIGIT_MAX);
  nmsim_status st = nm_grow(&c, &b->cnt_cap, nbin + 1, sizeof *b->cnt);
  b->cnt = c;
  if (!st) st = nm_grow(&o, &b->ord_cap, need, sizeof *b->ord);
  b->ord = o;
  if (!st) st = nm_grow(&f, &b->fa_cap, need, sizeof *b->fa);
  b->fa = f;
  if (!st) st = nm_grow(&t, &b->tmp_cap, need, sizeof *b->tmp);
  b->tmp = t;
  return st;
}

/* Start a chunk for the next entry of ring bucket i (full chunks; e is the
 * entry to come): NMSIM_OK or NMSIM_ENOMEM (nothing changed). */
static nmsim_status ring_new_chunk(bucket_q *b, size_t i, const pq_entry *e) {
  bucket *r = &b->ring[i];
  chunk_list *cl = &b->chunks[i];
  size_t c = r->n >> CHUNK_SHIFT;
  if (c == cl->cap) {
    void *p = cl->ch;
    if (nm_grow(&p, &cl->cap, c + 1, sizeof *cl->ch)) return NMSIM_ENOMEM;
    cl->ch = p;
  }
  if (r->n + CHUNK > b->tmp_cap && reserve_sort(b, r->n + CHUNK)) return NMSIM_ENOMEM;
  chunk *k;
  if (b->n_spare) {
    k = b->spare[--b->n_spare];
  } else { /* a new chunk, with room in spare for its return */
    void *p = b->spare;
    if (nm_grow(&p, &b->spare_cap, b->n_chunk + 1, sizeof *b->spare)) return NMSIM_ENOMEM;
    b->spare = p;
    if (!(k = nm_malloc(sizeof *k))) return NMSIM_ENOMEM;
    b->n_chunk++;
  }
  cl->ch[c] = k;
  r->tail = k->e;
  if (r->n == 0) {
    r->ref[0] = e->t;
    r->ref[1] = e->k1;
    r->ref[2] = e->k2;
    r->var[0] = r->var[1] = r->var[2] = 0;
    b->bits[i / 64] |= (uint64_t)1 << (i % 64);
  }
  return NMSIM_OK;
}

/* Append e to ring bucket i: NMSIM_OK or NMSIM_ENOMEM (nothing changed). */
static inline nmsim_status ring_push(bucket_q *b, size_t i, const pq_entry *e) {
  bucket *r = &b->ring[i];
  if (NMSIM_UNLIKELY((r->n & (CHUNK - 1)) == 0) && ring_new_chunk(b, i, e)) return NMSIM_ENOMEM;
  r->var[0] |= e->t ^ r->ref[0];
  r->var[1] |= e->k1 ^ r->ref[1];
  r->var[2] |= e->k2 ^ r->ref[2];
  pq_entry_put(r->tail++, e);
  r->n++;
  b->n_ring++;
  /* The bucket's next push comes thousands of pushes later with a large
   * ring: have its entry's lines in the cache by then (writing a line not
   * in the cache waits for memory). */
#if defined(__GNUC__)
  if ((r->n & (CHUNK - 1)) != 0) {
    __builtin_prefetch(r->tail, 1);
    __builtin_prefetch((const char *)(r->tail + 1) - 1, 1);
  }
#endif
  return NMSIM_OK;
}

static inline const pq_entry *front_next(bucket_q *b);

/* ---- adapting the width --------------------------------------------------- */

/* The front size the width aims at (see ADAPTING). */
static inline size_t front_target(const bucket_q *b) {
  size_t t = b->n_total / FRONT_SHARE;
  return t < FRONT_MIN ? FRONT_MIN : t > FRONT_TARGET ? FRONT_TARGET : t;
}

/* A front of n entries (ring and over) was loaded; times_vary: not all at one
 * time. Note the width to move to, if any (see ADAPTING). */
static void adapt(bucket_q *b, size_t n, bool times_vary) {
  b->avg_front = b->avg_front - b->avg_front / 8 + n / 8;
  if (b->since_regrid < b->n_total / 4) return; /* regrids cost O(n): amortize */
  unsigned s = b->wshift, want = s;
  size_t tgt = front_target(b);
  if (b->avg_front < tgt / 4 && b->n_total >= 2 * tgt)
    want = s + bit_width(tgt / (b->avg_front + 1)) - 1;
  else if (b->avg_front > 4 * tgt && times_vary)
    want = s - NM_MIN(s, bit_width(b->avg_front / tgt) - 1);
  b->want_shift = NM_MIN(want, b->max_shift);
}

/* The entries a regrid moves: the ring's, and if full also the front's
 * unread ones and late's. Calls fn(b, e, ctx) on each. */
static void for_each_moved(bucket_q *b, bool full,
                           void (*fn)(bucket_q *b, const pq_entry *e, void *ctx), void *ctx) {
  for (size_t i = 0; i < b->nb; i++)
    for (size_t k = 0; k < b->ring[i].n; k++) fn(b, entry_at(b->chunks[i].ch, k), ctx);
  if (!full) return;
  for (size_t i = b->pos; i < b->n_ord; i++) fn(b, &b->fa[i], ctx);
  for (size_t i = 0; i < b->late.n; i++) fn(b, &b->late.a[i], ctx);
}

/* The new grid of a regrid, and what the count pass finds. */
typedef struct regrid_plan {
  unsigned shift;
  nmsim_ps grid;
  uint64_t span;
  uint32_t *cnt; /* entries per new bucket */
  size_t n_over;
  nmsim_ps least; /* least time moved */
} regrid_plan;

static void count_moved(bucket_q *b, const pq_entry *e, void *ctx) {
  regrid_plan *p = ctx;
  if (e->t - p->grid < p->span) p->cnt[ring_slot_of(b, e->t >> p->shift)]++;
  else p->n_over++;
  p->least = NM_MIN(p->least, e->t);
}

/* Move e to the queue ctx (its new grid). */
static void move_entry(bucket_q *old, const pq_entry *e, void *ctx) {
  bucket_q *b = ctx;
  (void)old;
  if (e->t - b->grid >= b->span) pq_bheap_push_reserved(&b->over, e);
  else if (NEVER(ring_push(b, ring_slot_of(b, e->t >> b->wshift), e) != NMSIM_OK)) return;
}

/* Rebuild the ring with width 2^shift. Not full: ring entries (all at or
 * above L) go to the buckets of the grid G' = floor(L / W') * W', or to over
 * if beyond its horizon. Full: so do the front's unread entries and late's,
 * on the grid from G' = floor(least time / W') * W', and the front becomes
 * empty with L = G'. True if done; false, with nothing changed, if an
 * allocation failed. */
static bool regrid(bucket_q *b, unsigned shift, bool full) {
  size_t nb = b->nb;
  unsigned old_shift = b->wshift;
  regrid_plan p = {.shift = shift, .span = (uint64_t)nb << shift, .least = UINT64_MAX};
  if (full) { /* the least time is the front's or late's */
    if (b->pos < b->n_ord) p.least = front_next(b)->t;
    if (b->late.n) p.least = NM_MIN(p.least, b->late.a[0].t);
    p.grid = p.least >> shift << shift;
  } else {
    nmsim_ps lim = b->fstart + b->fwidth; /* if L = 2^64 (wraps), the ring is empty */
    p.grid = lim < b->fstart ? b->fstart : lim >> shift << shift;
  }

  /* Count where the entries go. */
  if (!(p.cnt = nm_calloc(nb, sizeof *p.cnt))) return false;
  for_each_moved(b, full, count_moved, &p);
  size_t need = 0, big = 0;
  for (size_t j = 0; j < nb; j++) {
    need += n_chunks(p.cnt[j]);
    big = NM_MAX(big, n_chunks(p.cnt[j]) * CHUNK);
  }

  /* Allocate everything the move needs. */
  void *ring_mem = nm_calloc(1, nb * sizeof *b->ring + CACHE_LINE - 1);
  chunk_list *chunks = nm_calloc(nb, sizeof *chunks);
  uint64_t *bits = nm_calloc((nb + 63) / 64, sizeof *bits);
  bool ok = ring_mem && chunks && bits;
  for (size_t j = 0; ok && j < nb; j++)
    if (p.cnt[j]) {
      chunks[j].cap = n_chunks(p.cnt[j]);
      ok = (chunks[j].ch = nm_malloc(chunks[j].cap * sizeof *chunks[j].ch)) != NULL;
    }
  ok = ok && !pq_bheap_reserve(&b->over, b->over.n + p.n_over) &&
       !pq_bheap_reserve(&b->late, b->late.n + b->over.n + p.n_over) &&
       (big <= b->tmp_cap || !reserve_sort(b, big));
  while (ok && b->n_spare < need) { /* new chunks wait in spare, also if we fail */
    void *sp = b->spare;
    chunk *k = NULL;
    ok = !nm_grow(&sp, &b->spare_cap, b->n_chunk + 1, sizeof *b->spare);
    b->spare = sp;
    if (ok) ok = (k = nm_malloc(sizeof *k)) != NULL;
    if (ok) {
      b->n_chunk++;
      b->spare[b->n_spare++] = k;
    }
  }
  nm_free(p.cnt);
  if (!ok) {
    if (chunks) free_ring_chunks(NULL, chunks, nb);
    nm_free(chunks);
    nm_free(ring_mem);
    nm_free(bits);
    return false;
  }

  /* Move: ring_push finds room for everything, nothing fails from here. The
   * old ring stays readable until the end. */
  bucket_q old = *b;
  b->ring_mem = ring_mem;
  b->ring = ring_in(ring_mem);
  b->chunks = chunks;
  b->bits = bits;
  b->width = (nmsim_ps)1 << shift;
  b->wshift = shift;
  b->span = p.span;
  b->grid = p.grid;
  b->gslot = ring_slot_of(b, p.grid >> shift);
  b->n_ring = 0;
  for_each_moved(&old, full, move_entry, b);
  for (size_t i = 0; i < nb; i++) {
    give_back(b, &old.chunks[i], old.ring[i].n);
    nm_free(old.chunks[i].ch);
  }
  nm_free(old.chunks);
  nm_free(old.ring_mem);
  nm_free(old.bits);
  if (full) { /* the front is empty and ends at G' */
    b->pos = b->n_ord = 0;
    b->late.n = 0;
    set_front_range(b, p.grid, 0);
  }
  b->since_regrid = 0;
  /* The fronts to come are about 2^(shift - old_shift) times as large. */
  if (shift > old_shift) b->avg_front <<= shift - old_shift;
  else b->avg_front >>= old_shift - shift;
  return true;
}

/* Late holds many entries pushed into the front's range (see ADAPTING):
 * regrid in full at a width for them. */
static void relieve_late(bucket_q *b) {
  nmsim_ps lo = UINT64_MAX, hi = 0;
  for (size_t i = 0; i < b->late.n; i++) {
    lo = NM_MIN(lo, b->late.a[i].t);
    hi = NM_MAX(hi, b->late.a[i].t);
  }
  /* A width that would hold about a target front of them. */
  uint64_t d = hi - lo, n = b->late.n, tgt = front_target(b);
  uint64_t w = d <= UINT64_MAX / tgt ? d * tgt / n : d / n * tgt;
  unsigned shift = NM_MIN(w ? bit_width(w) - 1 : 0, b->max_shift);
  if (regrid(b, shift, true)) b->late_limit = 0;
  else b->late_limit = 2 * b->late.n; /* out of memory: not before late doubles */
}

/* ---- push, pop ------------------------------------------------------------- */

/* Put e (below L) into the front's unread entries fa[pos..n_ord), in key
 * order, after any equal key (so that the tie check at pop meets it): true
 * if done, false if the front has no room at either end. The entries after
 * e's place move up one, or if the array is full, those before it move down
 * into the read part. */
static bool front_insert(bucket_q *b, const pq_entry *e) {
  pq_entry *fa = b->fa;
  size_t j = b->n_ord;
  if (b->n_ord < b->fa_cap) {
    for (; j > b->pos && key_less(e, &fa[j - 1]); j--) fa[j] = fa[j - 1];
    pq_entry_put(&fa[j], e);
    b->n_ord++;
    return true;
  }
  if (b->pos == 0) return false;
  size_t i = b->pos - 1;
  for (; i + 1 < b->n_ord && !key_less(e, &fa[i + 1]); i++) fa[i] = fa[i + 1];
  pq_entry_put(&fa[i], e);
  b->pos--;
  return true;
}

static nmsim_status bucket_push(void *impl, const pq_entry *e) {
  bucket_q *b = impl;
  if (NMSIM_UNLIKELY(b->want_shift != b->wshift) && !regrid(b, b->want_shift, false))
    b->want_shift = b->wshift; /* out of memory: until the next decision */
  if (below_lim(b, e->t)) {
    /* Into the front itself when few of its entries are left (a short
     * insertion costs less than a heap's push and pop), else into late. */
    if (b->n_ord - b->pos < FRONT_INSERT_MAX && front_insert(b, e)) {
      b->n_total++;
      return NMSIM_OK;
    }
    if (reserve_late(b)) return NMSIM_ENOMEM;
    pq_bheap_push_reserved(&b->late, e);
    b->n_total++;
    if (NMSIM_UNLIKELY(b->late.n >= b->late_limit) && b->auto_width &&
        b->late.n >= NM_MAX(front_target(b), b->n_total / 4))
      relieve_late(b);
    return NMSIM_OK;
  } else if (e->t - b->grid < b->span) {
    size_t i = b->gslot + (size_t)div_width(b, e->t - b->grid);
    if (i >= b->nb) i -= b->nb;
    if (ring_push(b, i, e)) return NMSIM_ENOMEM;
  } else {
    if (pq_bheap_reserve(&b->over, b->over.n + 1) || reserve_late(b)) return NMSIM_ENOMEM;
    pq_bheap_push_reserved(&b->over, e);
  }
  b->n_total++;
  return NMSIM_OK;
}

/* Slot of the first non-empty ring bucket from gslot on (n_ring > 0). */
static size_t next_nonempty(const bucket_q *b) {
  size_t i = b->gslot;
  for (;;) {
    size_t w = i / 64;
    uint64_t m = b->bits[w] & (~(uint64_t)0 << (i % 64));
    if (m) return w * 64 + ctz64(m);
    i = (w + 1) * 64;
    if (i >= b->nb) i = 0;
  }
}

/* Make front or late non-empty if any entry is left; false when the queue
 * is empty. Never allocates (see MEMORY). */
static bool advance(bucket_q *b) {
  if (NMSIM_LIKELY(b->pos < b->n_ord || b->late.n > 0)) return true;
  b->pos = b->n_ord = 0;
  if (b->n_total == 0) return false;
  /* The next bucket: the first ring bucket, or over's first if earlier. */
  nmsim_ps start = 0;
  bool have = false;
  if (b->n_ring) {
    size_t k = next_nonempty(b) + b->nb - b->gslot;
    start = b->grid + (k >= b->nb ? k - b->nb : k) * b->width;
    have = true;
  }
  if (b->over.n) {
    nmsim_ps t = b->over.a[0].t, s = t - mod_width(b, t);
    if (!have || s < start) start = s;
  }
  uint64_t k = div_width(b, start - b->grid); /* start >= G */
  size_t slot = b->gslot + (size_t)(k < b->nb ? k : 0);
  if (slot >= b->nb) slot -= b->nb;
  bucket *r = &b->ring[slot];
  size_t n = k < b->nb ? r->n : 0; /* beyond the horizon: the ring is empty */
  bool times_vary = n && r->var[0];
  set_front_range(b, start, b->width);
  if (n) { /* the front takes its chunks; the ring slot gets the front's list */
    chunk_list cl = b->fcl;
    b->fcl = b->chunks[slot];
    b->chunks[slot] = cl;
    b->n_ring -= n;
    b->bits[slot / 64] &= ~((uint64_t)1 << (slot % 64));
    sort_front(b, r);
    r->n = 0;
  }
  while (b->over.n && b->over.a[0].t - start < b->width) {
    if (!ALWAYS(b->late.n < b->late.cap)) break; /* reserved at push */
    pq_entry e;
    pq_bheap_pop(&b->over, &e);
    times_vary |= b->late.n && e.t != b->late.a[0].t;
    pq_bheap_push_reserved(&b->late, &e);
    n++;
  }
  if (b->auto_width) adapt(b, n, times_vary);
  return ALWAYS(b->pos < b->n_ord || b->late.n > 0);
}

/* The front's next entry (pos < n_ord). */
static inline const pq_entry *front_next(bucket_q *b) {
  return &b->fa[b->pos];
}

/* Does late's root precede the front's next entry? */
static inline bool late_first(bucket_q *b) {
  if (NMSIM_LIKELY(b->late.n == 0)) return false;
  return b->pos == b->n_ord || pq_entry_less(b->q, &b->late.a[0], front_next(b));
}

static const pq_entry *bucket_pop(void *impl) {
  bucket_q *b = impl;
  if (!advance(b)) return NULL;
  b->n_total--;
  b->since_regrid++;
  if (late_first(b)) {
    pq_bheap_pop(&b->late, &b->late.top);
    return &b->late.top;
  }
  const pq_entry *x = &b->fa[b->pos++]; /* stays put until the next push */
  /* Equal keys are adjacent. */
  if (b->pos < b->n_ord && NMSIM_UNLIKELY(x[1].t == x->t && x[1].k1 == x->k1 && x[1].k2 == x->k2))
    sim_pq_tie(b->q, x, x + 1);
  return x;
}

static const pq_entry *bucket_front(void *impl) {
  bucket_q *b = impl;
  if (!advance(b)) return NULL;
  return late_first(b) ? &b->late.a[0] : front_next(b);
}

const sim_pq_vtab sim_pq_bucket_vtab = {
    .name = "bucket",
    .create = bucket_create,
    .destroy = bucket_destroy,
    .push = bucket_push,
    .pop = bucket_pop,
    .front = bucket_front,
};
