"""Run every benchmark and print the figures side by side: ``python -m tests.bench.run_all``."""

from __future__ import annotations

import argparse

from tests.bench import (
    bench_audio,
    bench_blobs,
    bench_brush,
    bench_cold_start,
    bench_command_persist,
    bench_memory,
    bench_polygon,
    bench_seg_export,
    bench_seg_tools,
    bench_slice_display,
    bench_slide_import,
    bench_slide_shapes,
    bench_slide_tiles,
    bench_slide_view,
    bench_surface,
    bench_sync,
    bench_terminology,
    bench_text,
    bench_volume_import,
    bench_waveform,
)


def main() -> None:
    """Run them all (``--quick`` for a CI smoke run with fewer repeats)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    flags = ["--quick"] if args.quick else []
    bench_command_persist.main(flags)
    bench_blobs.main(flags)
    bench_cold_start.main(flags)
    bench_volume_import.main(flags)
    bench_memory.main(flags)
    bench_slice_display.main(flags)
    bench_surface.main(flags)
    bench_brush.main(flags)
    bench_seg_tools.main(flags)
    bench_seg_export.main(flags)
    bench_sync.main(flags)
    bench_audio.main(flags)
    bench_waveform.main(flags)
    bench_terminology.main(flags)
    bench_text.main(flags)
    bench_slide_tiles.main(flags)
    bench_slide_import.main(flags)
    bench_slide_view.main(flags)
    bench_slide_shapes.main(flags)
    bench_polygon.main(flags)


if __name__ == "__main__":
    main()
