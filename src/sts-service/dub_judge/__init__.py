"""dub_judge: an independent listener for the dubbed output. Cuts a recording into windows and asks
a multilingual Whisper model, per window, which language it hears and what is said. Deliberately
shares no code with sts_service (it judges that service's output); it only reads the same installed
weights. CLI: python -m dub_judge --help."""

__version__ = "1.0.0"
