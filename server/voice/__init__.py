"""Voice announcements: wording (templates), clip synthesis at build time (synth, build) and
assembly of pre-built clips into one WAV on the call path (assemble). No aiohttp here."""

from .assemble import ClipLibrary, is_safe_clip_id, voice_problems
from .templates import VoiceSettings, announcement_for

__all__ = ["ClipLibrary", "VoiceSettings", "announcement_for", "is_safe_clip_id", "voice_problems"]
