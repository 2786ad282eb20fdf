"""The parts of scripts/benchlib.py (standard library only): statistics, parsers of the raw files,
sampling of the stacks, one run's measurements, the figures and the report."""
