"""teesim's benchmark suite: every figure measured next to its baseline, in the same run.

Run it with ``make bench`` (or ``python -m bench``); ``python -m bench --help``
lists the options (``--quick`` for a smoke run, ``--only NAME`` to pick figures,
``--profile NAME`` to run the teesim side of a figure under cProfile).

Method (see docs/performance.md):
- each figure has a fixed number of iterations per round (``bench.figures``);
  one warm-up round is run and dropped, then ``rounds`` timed rounds follow, the
  teesim and baseline sides alternating inside every round so that machine
  noise hits both alike;
- a round's sample is its elapsed time over its iterations (``perf_counter_ns``),
  with the cyclic garbage collector paused during the round and run between
  rounds, as ``timeit`` does;
- a figure reports the median of its round samples, the p10-p90 spread, and the
  ratio of the two medians (direction stated per row).

A full run writes ``bench/results.json`` (git-ignored, every sample) and
``bench/RESULTS.md`` (committed); a ``--quick`` or ``--only`` run writes the
JSON and prints the table, and leaves RESULTS.md alone.

Unicorn: this package is a measuring tool, not product code. ``bench.bare``
imports Unicorn directly, and only to measure the bare-Unicorn baselines (the
same TA ELF run without the teesim kernel); everything teesim-side goes through
the public device and client APIs like any user's code.
"""
