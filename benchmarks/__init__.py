"""Benchmarks of reengage at the sizes issue 16 names: ``python -m benchmarks NAME --json``.

Each benchmark is a module with ``run(options) -> dict`` (the JSON document);
:mod:`benchmarks.measure` holds the stage timer, peak RSS and the output.
"""
