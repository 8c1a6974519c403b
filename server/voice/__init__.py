"""Voice announcements: wording (templates), clip synthesis at build time (synth, build) and
assembly of pre-built clips into one WAV on the call path (assemble). No aiohttp here."""

from .templates import VoiceSettings, announcement_for

__all__ = ["VoiceSettings", "announcement_for"]
