"""Stored recordings read back through the encrypted blob store."""

from __future__ import annotations

import numpy as np
import pytest

from storage.errors import IntegrityError
from tests.audio.signals import noise, tone, write
from workspace.audio.errors import AudioReadError
from workspace.audio.source import open_stored_audio
from workspace.workspace import Workspace


def _stored(profile, path):
    workspace = Workspace(profile)
    (item,) = workspace.import_paths([path])
    (file,) = workspace.item_files(item.id)
    return file


@pytest.mark.parametrize("name", ["talk.wav", "talk.flac", "talk.ogg"])
def test_stored_audio_reads_back_what_libsndfile_reads_from_the_file(tmp_path, profile, name):
    import soundfile

    rate = 16000
    path = write(tmp_path / name, noise(3 * rate, channels=2), rate)
    expected, _ = soundfile.read(str(path), dtype="float32", always_2d=True)
    with open_stored_audio(profile.blobs, _stored(profile, path).digest, name) as source:
        assert (source.rate, source.channels, source.frames) == (rate, 2, len(expected))
        assert source.duration == pytest.approx(3.0, abs=0.01)
        np.testing.assert_array_equal(source.read(12345, 1000), expected[12345:13345])
        np.testing.assert_array_equal(source.read(100, 50), expected[100:150])  # seek back
        assert len(source.read(len(expected) - 10, 1000)) == 10
        progress: list[tuple[int, int]] = []
        clip = source.decode(progress=lambda d, t: progress.append((d, t)), block=20000)
    assert clip is not None
    np.testing.assert_array_equal(clip.samples, expected)
    assert clip.duration == pytest.approx(len(expected) / rate)
    assert progress[-1] == (len(expected), len(expected))
    assert [d for d, _ in progress] == sorted(d for d, _ in progress)


def test_decode_stops_when_cancelled(tmp_path, profile):
    path = write(tmp_path / "talk.flac", tone(4.0, 16000), 16000)
    calls: list[int] = []
    with open_stored_audio(profile.blobs, _stored(profile, path).digest) as source:
        clip = source.decode(
            progress=lambda d, _t: calls.append(d), cancelled=lambda: len(calls) >= 2, block=8000
        )
    assert clip is None
    assert calls == [8000, 16000]


def test_a_damaged_stored_recording_raises_the_stores_error_not_silence(tmp_path, profile):
    rate = 16000
    path = write(tmp_path / "talk.wav", noise(60 * rate), rate)  # ~3.8 MB: several chunks
    file = _stored(profile, path)
    stored = profile.blobs.path_of(file.digest)
    data = bytearray(stored.read_bytes())
    data[len(data) // 2] ^= 0xFF
    stored.write_bytes(bytes(data))
    with open_stored_audio(profile.blobs, file.digest) as source:
        source.read(0, 1000)  # the first chunk is whole
        with pytest.raises(IntegrityError, match="integrity check"):
            source.read(source.frames // 2 - 1000, 50000)


def test_stored_bytes_that_are_not_audio_give_one_message(profile):
    digest = profile.blobs.put(b"this is a note, not a recording" * 10)
    with pytest.raises(AudioReadError, match="not readable audio") as caught:
        open_stored_audio(profile.blobs, digest, "note.wav")
    assert str(caught.value).startswith("note.wav: ")
