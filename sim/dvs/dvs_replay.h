/* dvs_replay.h: a DVS recording replayed as the spikes of a population (model
 * `dvs`, scenario field `input: {dvs: {...}}`): events are streamed through a
 * reader, mapped to channels and binned per model step. docs/scenario-format.md. */
#ifndef NMSIM_SIM_DVS_REPLAY_H
#define NMSIM_SIM_DVS_REPLAY_H

#include "sim/dvs/dvs.h"
#include "sim/out/h5out.h"


/* One labelled segment of the recording, replayed as a trial: events with
 * t_start_us <= t < t_end_us (recording time) drive steps start_step ..
 * start_step + n_steps - 1. Without a label file there is one trial with
 * label -1 and n_steps UINT64_MAX. */
typedef struct dvs_trial {
  int32_t label;
  int64_t t_start_us, t_end_us;
  uint64_t start_step, n_steps;
} dvs_trial;

typedef struct dvs_replay_cfg {
  const char *file;            /* the recording (path as the process sees it) */
  dvs_format format;           /* DVS_AUTO: from the header */
  uint32_t sensor_w, sensor_h; /* 0, 0: from the file's header */
  bool crop;                   /* crop_* are given (else the whole sensor) */
  uint32_t crop_x0, crop_y0, crop_w, crop_h;
  uint32_t downsample;         /* >= 1: N x N pixels per channel */
  bool split;                  /* polarity: two channel planes (OFF, ON) or one */
  double time_scale;           /* > 0: model time = recording time x time_scale */
  double offset_us;            /* >= 0: model time before the first event of each trial */
  bool has_from, has_to;       /* window in recording time (not with labels) */
  int64_t from_us, to_us;
  const char *labels;          /* DvsGesture label CSV, or NULL */
  double dt_ms;                /* the scenario's step */
  uint64_t steps;              /* the scenario's steps */
} dvs_replay_cfg;

typedef struct dvs_replay dvs_replay;

/* Counters of a replay so far (the current run, or the validation pass). */
typedef struct dvs_replay_counts {
  uint64_t events;   /* events read from the file */
  uint64_t used;     /* events that fell in a trial window, the crop and the sensor */
  uint64_t late;     /* of those, events whose step had already been replayed (their
                        timestamps went backwards): they spike in the current step */
} dvs_replay_counts;

/* Open the recording and the label file, derive the channel geometry and the
 * trials, and read the part of the recording the scenario's steps will replay
 * once, so that a bad file fails here, not during the run (memory does not
 * grow with the file). On bad input returns NMSIM_EINPUT or NMSIM_EFORMAT
 * with a message naming the file (and byte offset or line), and sets *field
 * to the key of cfg that is at fault ("file", "format", "sensor", "crop",
 * "downsample", "from", "to", "labels"); NMSIM_EIO if a file cannot be read.
 * A format the file's header contradicts, and a from/to window wholly outside
 * the recording (which would replay no event), are NMSIM_EINPUT. */
nmsim_status dvs_replay_create(const dvs_replay_cfg *cfg, dvs_replay **out, const char **field,
                               nmsim_err *err);
/* Accepts NULL. */
void dvs_replay_destroy(dvs_replay *r);

/* Channels: ceil(crop_w / N) * ceil(crop_h / N) * (2 if split). Channel of
 * pixel (x, y) and polarity p (1 ON): p * H' * W' + y' * W' + x' (split) or
 * y' * W' + x' (merged), with x' = (x - crop_x0) / N, y' = (y - crop_y0) / N:
 * channel-major (C, H', W') with C = [OFF, ON]. */
uint32_t dvs_replay_channels(const dvs_replay *r);
void dvs_replay_shape(const dvs_replay *r, uint32_t *c, uint32_t *h, uint32_t *w);
const dvs_info *dvs_replay_info(const dvs_replay *r);

/* Bitmap of the channels that spike at model step `step` (bit i of word
 * i / 64): a channel spikes if at least one of its events maps into
 * [step * dt, (step + 1) * dt). Computed the first time a step is asked for,
 * by reading the recording up to the end of that step; asking again for the
 * same step returns the same bitmap, asking for an earlier one starts the
 * replay again from the beginning (a new run). NULL if the recording failed
 * (see dvs_replay_status). */
const uint64_t *dvs_replay_step(dvs_replay *r, uint64_t step);
/* NMSIM_OK, or the error that stopped the replay (then err is filled). */
nmsim_status dvs_replay_status(const dvs_replay *r, nmsim_err *err);
dvs_replay_counts dvs_replay_get_counts(const dvs_replay *r);
/* Model time per recording time (cfg.time_scale): a step of dt covers dt /
 * time_scale of the recording. */
double dvs_replay_time_scale(const dvs_replay *r);

/* The trials (one if there is no label file). */
const dvs_trial *dvs_replay_trials(const dvs_replay *r, size_t *n);

/* After a run: add to the run file's items, for the population named pop,
 * the group /populations/<pop>/input with the replay's settings as
 * attributes and, if it has a label file, the datasets trials/label (int32),
 * trials/start_step, trials/n_steps (uint64), trials/t_start_us,
 * trials/t_end_us (int64) of the trials that start before step `steps`.
 * NMSIM_ENOMEM. */
nmsim_status dvs_replay_items(const dvs_replay *r, const char *pop, uint64_t steps, h5o_items *b,
                              nmsim_err *err);

#endif
