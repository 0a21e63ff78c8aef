#!/usr/bin/env python3
"""make_case.py: the token stream of the EGRU language-model case
(scenario.yaml): tokens.csv, one token a step, drawn from a Zipf law over
the case's 256-token stand-in vocabulary (word frequencies in text fall off
as 1/rank; WikiText-2's own 33,278-token vocabulary and text are not used:
the case is about cost, not perplexity). Written as (neuron, step) pairs for
the `spike_array` source `tok`: token k at step t is neuron k spiking at t.

Byte-reproducible: a fixed seed and Python's own generator (no NumPy needed).
Run: python3 scenarios/cases/egru_spinnaker2/make_case.py
"""
import os
import random

VOCAB = 256
STEPS = 1000
HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    rng = random.Random(2023)
    weights = [1.0 / (k + 1) for k in range(VOCAB)]
    tokens = rng.choices(range(VOCAB), weights=weights, k=STEPS)
    with open(os.path.join(HERE, "tokens.csv"), "w") as f:
        f.write("# neuron (token id), step: one token a step, Zipf over %d tokens, seed 2023\n"
                % VOCAB)
        for t, k in enumerate(tokens):
            f.write("%d,%d\n" % (k, t))
    print("tokens.csv: %d tokens, %d distinct" % (STEPS, len(set(tokens))))


if __name__ == "__main__":
    main()
