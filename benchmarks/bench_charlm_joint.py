"""v3.1: one FRNN over both alphabets against one FRNN per language, on the default en_ru_pairs.

Run: .venv/bin/python benchmarks/bench_charlm_joint.py [--seeds 0-2] [--epochs 30]
Prints each language's test bpc for the joint model (what v3.1 trains) and
for a model of the same size trained on that language alone, with the same
optimiser, epochs and best-epoch selection, and the CPU seconds of each.
The joint model is "as good" when its bpc is no worse in either language.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from bench_variants import seed_list  # this folder is on the path when the script runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", default="0", help="e.g. 0-4")
    parser.add_argument("--epochs", type=int, default=None)
    args = parser.parse_args()

    from rnnsuite.plugins.variant3 import frnn_parallel as v31

    from rnnsuite.charlm import score
    from rnnsuite.context import RunContext
    from rnnsuite.manager import Manager

    registry = Manager().load().registry
    rows = []
    for seed in seed_list(args.seeds):
        ctx = RunContext(v31.ASSIGNMENT, Path(tempfile.mkdtemp()), seed=seed, registry=registry,
                         epochs_override=args.epochs)
        split = v31.prepare(ctx)
        bpc = {}
        for name, parts in (("joint", v31.LANGUAGES), *((f"{lang} only", (lang,)) for lang in v31.LANGUAGES)):
            model = v31.build(split.spec)
            started = time.process_time()
            v31.train(ctx, model, {lang: split.train[lang] for lang in parts}
                      if len(parts) > 1 else _alone(split.train, parts[0]))
            seconds = time.process_time() - started
            for lang in parts:
                bpc[(name, lang)] = float(-np.log2(score(model, split.test_inputs[lang])).mean())
            print(f"seed {seed} {name:8s} " + "  ".join(f"{lang} {bpc[(name, lang)]:.3f}" for lang in parts)
                  + f"  ({seconds:.0f} CPU s)", flush=True)
        rows.append(bpc)
    for lang in v31.LANGUAGES:
        joint = [r[("joint", lang)] for r in rows]
        alone = [r[(f"{lang} only", lang)] for r in rows]
        print(f"{lang}: joint {np.median(joint):.3f} (min {min(joint):.3f}, max {max(joint):.3f}); "
              f"alone {np.median(alone):.3f} (min {min(alone):.3f}, max {max(alone):.3f}); "
              f"bigram {split.info['baselines'][f'{lang}_bigram_bpc']:.3f}")


def _alone(training, lang):
    """One language's training block in the shape ``train`` reads (the same block under both keys)."""
    from rnnsuite.plugins.variant3 import frnn_parallel as v31

    return {key: training[lang] if key == lang else _empty(training[lang]) for key in v31.LANGUAGES}


def _empty(block):
    from rnnsuite.charlm import CharTraining, Stream

    return CharTraining(block.ids[:0], Stream(block.validation.ids[:0], block.validation.context))


if __name__ == "__main__":
    main()
