"""Real encrypted profiles for the GUI tests, made once and copied per test."""

from __future__ import annotations

import shutil
from pathlib import Path

from storage.keys import Argon2Params
from storage.profile import Profile
from workspace.workspace import Workspace

PASSPHRASE = "correct horse battery staple"
USER = "tester"
#: Cheap Argon2id for tests (the key file records it, so unlocking uses it too).
FAST_KDF = Argon2Params(time_cost=1, memory_kib=8 * 1024, parallelism=1)
NOTE_NAME = "note_chest_pain.txt"
NOTE_TEXT = (
    "Synthetic test note, not a real patient.\n"
    "The patient reports chest pain and fever since Monday.\n"
    "Started aspirin 100 mg daily.\n"
)


def make_template(root: Path) -> Path:
    """A profile at ``root/profile`` holding one text note; returned locked."""
    notes = root / "notes"
    notes.mkdir(parents=True)
    (notes / NOTE_NAME).write_text(NOTE_TEXT, encoding="utf-8")
    path = root / "profile"
    workspace = Workspace(Profile.create(path, PASSPHRASE, user=USER, kdf=FAST_KDF))
    stored = workspace.import_paths([notes / NOTE_NAME])
    assert [item.modality for item in stored] == ["text"], stored
    workspace.lock()
    return path


def copy_profile(template: Path, target: Path) -> Path:
    """A private copy of ``template`` at ``target``."""
    shutil.copytree(template, target)
    return target


def text_item_id(workspace: Workspace) -> str:
    """The id of the note in a copied template."""
    return next(item.id for item in workspace.items() if item.modality == "text")
