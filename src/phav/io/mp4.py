"""MP4 export: H.264, yuv420p, constant frame rate, exact frame count, through PyAV (``phav[mp4]``).

PyAV's wheels bundle FFmpeg with libx264, so no system FFmpeg is needed. The stream's time base is
``1/fps`` and frame ``i`` gets presentation time ``i``: a constant frame rate whose frame count is
exactly the number of frames written (decoders such as decord rely on both). The stream says how its
colours are coded (:data:`X264_COLOUR_TAGS`).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Iterable

import numpy as np

#: x264 constant rate factor (lower is better and bigger; 18 is visually near-lossless).
CRF = 18
#: The colour tags written into the stream: what the pixels are, so players do not guess (an untagged
#: stream is often taken as BT.709 at HD sizes, shifting its colours): sRGB frames (BT.709 primaries,
#: the sRGB transfer curve) converted to YUV by FFmpeg's default, the BT.601 matrix, in limited range.
X264_COLOUR_TAGS = "colorprim=bt709:transfer=iec61966-2-1:colormatrix=smpte170m:range=tv"


def _av():
    try:
        import av
    except ImportError:
        raise ImportError('MP4 export needs PyAV: pip install "phav[mp4]"') from None
    return av


def write_mp4(path: str | Path, frames: Iterable[np.ndarray], fps: float, *, crf: int = CRF) -> int:
    """Encode ``(H, W, 3) uint8`` RGB frames to an H.264 MP4; returns the number of frames written.

    ``H`` and ``W`` must be even (yuv420p halves the chroma planes).

    Raises:
        ValueError: odd size, a frame of another size or dtype, or no frames.
        ImportError: PyAV is not installed (says how to install it).
    """
    av = _av()
    rate = Fraction(fps).limit_denominator(1001)
    # Frames carry this time base, not the stream's: the muxer replaces the stream's (mp4: 1/15360)
    # when it writes the header, at the first packet (after x264's lookahead of about 40 frames),
    # and frame pts read in that base would all round to 0.
    time_base = 1 / rate
    count = 0
    path = Path(path)
    with av.open(str(path), mode="w", format="mp4") as container:
        stream = None
        for frame in frames:
            frame = np.ascontiguousarray(frame)
            if stream is None:
                if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
                    raise ValueError(f"write_mp4: expected (H, W, 3) uint8 frames, got {frame.shape} {frame.dtype}")
                height, width = frame.shape[:2]
                if width % 2 or height % 2:
                    raise ValueError(f"write_mp4: H.264 yuv420p needs an even size, got {width}x{height}")
                stream = container.add_stream("libx264", rate=rate)
                stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
                stream.time_base = time_base
                stream.options = {"crf": str(crf), "bf": "0", "x264-params": X264_COLOUR_TAGS}
            if frame.shape != (stream.height, stream.width, 3) or frame.dtype != np.uint8:
                raise ValueError(f"write_mp4: frame {count} is {frame.shape} {frame.dtype}, "
                                 f"expected ({stream.height}, {stream.width}, 3) uint8")
            video_frame = av.VideoFrame.from_ndarray(frame, format="rgb24")
            video_frame.pts = count
            video_frame.time_base = time_base
            for packet in stream.encode(video_frame):
                container.mux(packet)
            count += 1
        if stream is None:
            raise ValueError("write_mp4: no frames")
        for packet in stream.encode():
            container.mux(packet)
    return count


def read_mp4(path: str | Path) -> tuple[np.ndarray, float, str, str]:
    """Decode an MP4: ``(frames (T, H, W, 3) uint8, fps, codec name, pixel format)``."""
    av = _av()
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(stream)]
        fps = float(stream.average_rate) if stream.average_rate else 0.0
        return np.stack(frames), fps, stream.codec_context.name, stream.codec_context.pix_fmt
