"""The Python parts of scripts/make-fixtures: the audio timelines and sidecars (audio.py), and the
check of what was written (verify.py). Parameters come from the FX_* environment make-fixtures sets."""
