"""Importing WAV, FLAC and Ogg (Vorbis, Opus): items with their header facts; damaged files
refused with one clear message and nothing stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audio.signals import tone, write
from workspace.importers.audio import AudioImporter
from workspace.importers.base import ImportProblem
from workspace.workspace import Workspace


@pytest.mark.parametrize(
    ("name", "rate", "subtype"),
    [("talk.ogg", 16000, "VORBIS"), ("talk.opus", 48000, "OPUS"), ("talk.flac", 16000, "PCM_16")],
)
def test_ogg_and_flac_import_with_their_format(tmp_path, profile, name, rate, subtype):
    path = write(tmp_path / name, tone(3.0, rate, channels=2), rate, subtype)
    (item,) = Workspace(profile).import_paths([path])
    assert item.modality == "audio"
    assert item.meta["samplerate"] == rate
    assert item.meta["channels"] == 2
    assert item.meta["subtype"] == subtype
    assert item.meta["duration_s"] == pytest.approx(3.0, abs=0.01)
    assert "(0:03, 2 ch)" in item.title


def test_ogg_is_claimed_by_its_magic_bytes_without_a_suffix(tmp_path):
    path = write(tmp_path / "talk.ogg", tone(0.5, 16000), 16000)
    bare = path.rename(tmp_path / "recording")
    assert AudioImporter().claims(bare)


def _cut(path: Path, keep: int) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[:keep])
    return path


@pytest.mark.parametrize("name", ["talk.ogg", "talk.opus"])
@pytest.mark.parametrize("fraction", [0.5, 0.999])
def test_a_cut_ogg_file_is_refused_not_played_short(tmp_path, profile, name, fraction):
    rate = 48000 if name.endswith("opus") else 16000
    path = write(tmp_path / name, tone(5.0, rate), rate)
    _cut(path, int(path.stat().st_size * fraction))
    with pytest.raises(ImportProblem, match="is cut short"):
        AudioImporter().read([path])
    problems: list[str] = []
    assert (
        Workspace(profile).import_paths([path], on_problem=lambda _p, m: problems.append(m)) == []
    )
    assert len(problems) == 1
    assert "talk" in problems[0]
    assert "cut short" in problems[0]
    assert Workspace(profile).items() == []


def test_a_cut_flac_file_is_refused_with_a_plain_reason(tmp_path):
    path = _cut(write(tmp_path / "talk.flac", tone(5.0, 16000), 16000), 20000)
    with pytest.raises(ImportProblem, match="cut short or damaged"):
        AudioImporter().read([path])


@pytest.mark.parametrize(
    "content",
    [
        b"OggS",  # a capture pattern and nothing else
        b"OggS" + bytes(200),  # a page header of zeros
        b"OggS\x00\x02" + bytes(20) + b"\xff" + b"\xff" * 255,  # 255 segments of 255 announced
    ],
)
def test_hostile_ogg_headers_give_one_message(tmp_path, content):
    path = tmp_path / "hostile.ogg"
    path.write_bytes(content)
    with pytest.raises(ImportProblem) as caught:
        AudioImporter().read([path])
    message = str(caught.value)
    assert "hostile.ogg" in message
    assert "\n" not in message
