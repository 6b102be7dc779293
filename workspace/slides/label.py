"""The slide label: it may show the patient's name, so it is shown only when the profile allows.

The label is sealed like every other part of a slide; :func:`show_label` returns its pixels
only when the profile's ``slides.show_label`` setting is on (off by default), and records
each showing in the audit log, as other views of patient data are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workspace.settings import get_setting, read_setting, set_setting
from workspace.slides.codecs import RGB
from workspace.slides.model import SlideError

if TYPE_CHECKING:
    from storage.profile import Profile
    from workspace.items import ItemSummary
    from workspace.slides.reader import SlideReader

SHOW_LABEL_SETTING = "slides.show_label"


class LabelHiddenError(SlideError):
    """The profile's settings do not allow slide labels to be shown."""


def labels_shown(profile: Profile) -> bool:
    """Whether this profile shows slide labels (off unless turned on)."""
    return bool(read_setting(profile.database, SHOW_LABEL_SETTING, False))


def set_labels_shown(profile: Profile, shown: bool) -> None:
    """Turn the showing of slide labels on or off (recorded in the audit log)."""
    with profile.database.write() as session:
        set_setting(session, SHOW_LABEL_SETTING, bool(shown))
        profile.audit.append(session, "settings.slides.show_label", "", {"shown": bool(shown)})


def show_label(profile: Profile, item: ItemSummary, reader: SlideReader) -> RGB:
    """The label of ``item`` (open in ``reader``); :class:`LabelHiddenError` when the
    profile does not allow labels to be shown. Each showing is audited.

    Slow for a large label (it is read and inflated): call it off the GUI thread. The label
    is decoded outside the profile's write transaction (other edits are not held up), and
    the setting is read again with the audit entry: turned off meanwhile, nothing is shown.
    """
    if not labels_shown(profile):
        raise _hidden()
    pixels = reader.read_associated("label")
    with profile.database.write() as session:
        if not get_setting(session, SHOW_LABEL_SETTING, False):
            raise _hidden()
        profile.audit.append(session, "slide.label.view", item.id)
    return pixels


def _hidden() -> LabelHiddenError:
    return LabelHiddenError(
        "Slide labels may show the patient's name and are hidden in this profile "
        f"(turn on the '{SHOW_LABEL_SETTING}' setting to show them)."
    )
