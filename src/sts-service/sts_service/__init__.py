"""dubctl speech-to-speech service: Socket.IO server running Whisper ASR -> Apertium MT -> espeak-ng TTS."""

__version__ = "1.0.0"
