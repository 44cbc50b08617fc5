"""A sound card for tests: ALSA's `file` plugin records what would reach the speakers.

The real path is kept whole: simpleaudio -> libasound -> the `default` PCM, which an ALSA
configuration (loaded through ALSA_CONFIG_PATH, read once per process when libasound first
opens a device, hence one subprocess per test) turns into a recorder:

- `plain`: `pcm.!default { type file; slave.pcm "null"; file OUT.wav; format "wav" }`. Each
  opening of the device rewrites OUT.wav, so it holds the last clip played. The `null` slave
  takes frames as fast as they come: a clip "plays" in milliseconds.
- `paced`: the file plugin pipes the stream into this script (`python alsa_sink.py DIR`),
  which reads it at the clip's own frame rate, as a sound card does, and keeps every opening
  as DIR/000.wav, DIR/001.wav, ... (DIR/NNN.part while it is still being played). Only with
  a device that takes real time can a test see playback stopped part-way through a clip.
"""

from __future__ import annotations

import fcntl
import os
import struct
import sys
import time
import wave
from pathlib import Path

ALSA_CONF = "/usr/share/alsa/alsa.conf"
WAV_HEADER = 44  # RIFF + fmt (16 bytes) + data chunk header, as the file plugin writes it


def _sink_env(conf_text: str, where: Path) -> dict[str, str]:
    conf = where / "asound.conf"
    conf.write_text(conf_text)
    return {**os.environ, "ALSA_CONFIG_PATH": f"{ALSA_CONF}:{conf}"}


def plain_env(out_wav: Path) -> dict[str, str]:
    """Environment whose `default` device records the last clip played into `out_wav`."""
    text = f'pcm.!default {{ type file; slave.pcm "null"; file "{out_wav}"; format "wav" }}\n'
    return _sink_env(text, out_wav.parent)


def paced_env(out_dir: Path) -> dict[str, str]:
    """Environment whose `default` device plays in real time into out_dir/NNN.wav."""
    out_dir.mkdir(parents=True, exist_ok=True)
    pipe = f"|exec {sys.executable} {Path(__file__).resolve()} {out_dir}"
    text = f'pcm.!default {{ type file; slave.pcm "null"; file "{pipe}"; format "wav" }}\n'
    return _sink_env(text, out_dir.parent)


def no_device_env(where: Path) -> dict[str, str]:
    """Environment whose `default` device is a sound card that is not there."""
    return _sink_env('pcm.!default { type hw; card "NoSuchCard" }\n', where)


def captures(out_dir: Path, timeout: float = 30.0, min_frames: int = 1000) -> list[Path]:
    """Clips recorded by the paced sink, in the order the device was opened, once none is
    still playing. Openings shorter than `min_frames` (the player's device probe) are left
    out."""
    end = time.monotonic() + timeout
    while list(out_dir.glob("*.part")):
        if time.monotonic() > end:
            raise TimeoutError(f"still playing after {timeout} s: {sorted(out_dir.iterdir())}")
        time.sleep(0.05)
    return [p for p in sorted(out_dir.glob("*.wav")) if frames(p)[1] >= min_frames]


def frames(path: Path | str) -> tuple[bytes, int, int]:
    """(raw frames, frame count, frame rate) of a WAV file."""
    with wave.open(str(path), "rb") as wav:
        n = wav.getnframes()
        return wav.readframes(n), n, wav.getframerate()


def _read_exactly(stream: object, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = stream.read(size - len(data))  # type: ignore[attr-defined]
        if not chunk:
            break
        data += chunk
    return data


def _reserve(out_dir: Path) -> tuple[int, Path]:
    n = len(list(out_dir.iterdir()))
    while True:
        part = out_dir / f"{n:03d}.part"
        try:
            os.close(os.open(part, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            return n, part
        except FileExistsError:
            n += 1


def pace(out_dir: Path) -> None:
    """Read a WAV stream from stdin at its frame rate, recording it to out_dir/NNN.wav."""
    stdin = sys.stdin.buffer.raw  # type: ignore[attr-defined]
    try:  # a one-page pipe: the writer can get only a few ms ahead of "the speaker"
        fcntl.fcntl(0, fcntl.F_SETPIPE_SZ, 4096)
    except OSError:
        pass
    header = _read_exactly(stdin, WAV_HEADER)
    if len(header) < WAV_HEADER:
        return  # the device was opened and closed without a frame: nothing was played
    channels, rate, byte_rate, align, bits = struct.unpack("<HIIHH", header[22:36])
    n, part = _reserve(out_dir)
    start, total = time.monotonic(), 0
    with wave.open(str(part), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(bits // 8)
        out.setframerate(rate)
        while chunk := stdin.read(max(align, byte_rate // 50)):
            out.writeframes(chunk)
            total += len(chunk)
            ahead = start + total / byte_rate - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
    os.rename(part, out_dir / f"{n:03d}.wav")


if __name__ == "__main__":
    pace(Path(sys.argv[1]))
