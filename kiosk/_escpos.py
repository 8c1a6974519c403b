"""The one place that imports python-escpos.

`import escpos` writes a capabilities pickle into a fresh temp folder on every import unless
ESCPOS_CAPABILITIES_PICKLE_DIR is set, and it crashes when that folder does not exist. So point it
at a private cache folder, create it, and only then import.
"""

import copy
import os
from pathlib import Path


def _pickle_dir() -> Path:
    preset = os.environ.get("ESCPOS_CAPABILITIES_PICKLE_DIR")
    if preset:
        return Path(preset)
    cache_home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache_home) / "hallq" / "escpos"


def _prepare_pickle_dir() -> None:
    folder = _pickle_dir()
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(folder)


_prepare_pickle_dir()

from escpos import constants  # noqa: E402  (must follow the pickle-dir set-up)
from escpos.capabilities import Profile, get_profile  # noqa: E402  (the same)
from escpos.printer import Dummy  # noqa: E402  (the same)

__all__ = ["constants", "new_dummy", "usb_class", "serial_class"]


def _profile_for(paper_width_px: int) -> Profile:
    """The default profile with the real paper width, so image() neither warns nor overflows.

    The profile data of python-escpos is shared by every instance: copy it, never mutate it.
    """
    default = get_profile("default")
    profile = Profile(features=copy.deepcopy(default.features))
    data = copy.deepcopy(default.profile_data)
    data["media"] = {"dpi": 203, "width": {"mm": "Unknown", "pixels": paper_width_px}}
    profile.profile_data = data
    return profile


def new_dummy(paper_width_px: int) -> Dummy:
    """A fresh in-memory printer that collects the bytes of one ticket."""
    return Dummy(profile=_profile_for(paper_width_px))


def usb_class():
    """escpos.printer.Usb, imported only when a USB printer is really used."""
    from escpos.printer import Usb

    return Usb


def serial_class():
    """escpos.printer.Serial, imported only when a serial printer is really used."""
    from escpos.printer import Serial

    return Serial
