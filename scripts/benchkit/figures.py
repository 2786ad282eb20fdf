"""The bench's figures: key, label, unit and target of each, and how each is measured."""

from __future__ import annotations

FIGURES: list[tuple[str, str, str, str | None]] = [
    # key, label, unit, target
    ("provision_cold_s", "image provisioning, cold (images removed)", "s", None),
    ("provision_warm_s", "image provisioning, warm (images present)", "s", None),
    ("up_media_s", "dubctl up media -> healthy", "s", None),
    ("up_sts_s", "dubctl up sts -> healthy (model load + warm-up)", "s", None),
    ("up_all_s", "dubctl up all -> healthy (both together)", "s", "<= 8"),
    ("main_job_s", "main job: scripts/run-main from stacks down", "s", "<= 40 (not met: floor below)"),
    ("main_job_floor_s", "  its scenario without stack start/stop (the floor)", "s", "> 40: publish, drain, judge"),
    ("pipeline_wall_s", "full pipeline wall time (30 s fixture)", "s", "< 60 (spec < 180)"),
    ("pipeline_output_duration_s", "output duration (input 30 s)", "s", "30 +- 0.5 (spec)"),
    ("pipeline_max_av_drift_ms", "max A/V drift (recorded output)", "ms", "< 120"),
    ("pipeline_fingerprint_similarity", "fingerprint similarity to the original", "", "<= 0.8"),
    ("pipeline_asr_wer", "ASR word error rate", "", "<= 0.35"),
    ("judge_wall_s", "judge: 30 s output heard (container included)", "s", "<= 6"),
    ("judge_s", "judge: inside its container (import, load, 5 windows)", "s", None),
    ("media_verify_s", "verify media: 30 s output probed, drift, fingerprint, loudness, golden", "s", "< 1"),
    ("heard_min_confidence", "judge: min confidence p(es)/(p(es)+p(en))", "", None),
    ("heard_coverage", "judge: expected Spanish words heard", "", None),
    ("sts_processing_ms", "STS per-fragment processing (pipeline)", "ms", None),
    ("sts_processing_p95_ms", "STS per-fragment processing p95 (pipeline)", "ms", "< 15000 (budget)"),
    ("sts_roundtrip_ms", "fragment round trip media->STS->media", "ms", None),
    ("sts_roundtrip_p95_ms", "fragment round trip p95", "ms", None),
    ("rtf_asr", "real-time factor ASR (pipeline)", "x", None),
    ("rtf_translation", "real-time factor MT (pipeline)", "x", None),
    ("rtf_tts", "real-time factor TTS (pipeline)", "x", None),
    ("rtf_total", "real-time factor total (pipeline)", "x", None),
    ("output_lag_max_s", "output lag, max over frames", "s", "<= segment + 2"),
    ("output_lag_mean_s", "output lag, mean over frames", "s", None),
    ("output_start_delay_s", "output start delay (MediaMTX out readyTime - in)", "s", None),
    ("peak_rss_mediamtx_mb", "peak RSS mediamtx", "MB", None),
    ("peak_rss_media_service_mb", "peak RSS media-service", "MB", None),
    ("peak_rss_sts_service_mb", "peak RSS sts-service", "MB", None),
    ("echo_worker_cpu_s", "media-service CPU for one 30 s stream (echo STS)", "s", None),
    ("echo_peak_rss_mb", "media-service peak RSS with one worker (echo STS)", "MB", None),
    ("echo_idle_rss_mb", "media-service RSS idle", "MB", None),
    ("echo_added_latency_s", "added latency beyond the segment (echo STS)", "s", "< 1"),
    ("echo_output_lag_mean_s", "output lag, mean over frames (echo STS)", "s", None),
    ("soak_wall_s", "soak: 10 min stream, wall time (up included)", "s", None),
    ("soak_output_duration_s", "soak: output duration (input 600 s)", "s", "600 +- 0.5"),
    ("soak_max_av_drift_ms", "soak: max A/V drift", "ms", "< 120"),
    ("soak_drift_trend_ms_per_min", "soak: A/V drift trend", "ms/min", "|x| <= 10 (not growing)"),
    ("soak_rss_growth_media_service_mb", "soak: media-service RSS growth, start -> end", "MB", "<= 40"),
    ("soak_rss_growth_sts_service_mb", "soak: sts-service RSS growth, start -> end", "MB", "<= 40"),
    ("streams_tiny_en_k", "streams at once in real time, tiny.en (largest K)", "", None),
    ("streams_tiny_en_round_trip_ms", "  at that K: longest fragment round trip", "ms", "<= 15000 (budget)"),
    ("streams_tiny_en_output_lag_s", "  at that K: largest output lag", "s", "<= 12"),
    ("streams_base_k", "streams at once in real time, base (largest K)", "", None),
    ("streams_base_round_trip_ms", "  at that K: longest fragment round trip", "ms", "<= 15000 (budget)"),
    ("streams_base_output_lag_s", "  at that K: largest output lag", "s", "<= 12"),
    ("streams_base_2sts_k", "streams at once in real time, base, 2 STS (largest K)", "", None),
    ("streams_base_2sts_round_trip_ms", "  at that K: longest fragment round trip", "ms", "<= 15000 (budget)"),
    ("streams_base_2sts_output_lag_s", "  at that K: largest output lag", "s", "<= 12"),
    ("suite_wall_s", "scenario suite: dubctl run scenarios/ --strict", "s", "<= 858 (50% of 1715 before)"),
    ("suite_realtime_s", "  its real-time steps: publish, wait, record, sts", "s", "the floor, one scenario at a time"),
    ("suite_up_s", "  its stack starts (up steps)", "s", None),
    ("ci_total_s", "CI: bash .ci/run on a fresh clone (warm images)", "s", "<= 600 (floor below)"),
    ("ci_setup_s", "  bootstrap, build, provision images", "s", None),
    ("ci_lint_s", "  lint (clang-format, clang-tidy, ruff, sizes)", "s", None),
    ("ci_unit_s", "  ctest, pytest, short fuzzing", "s", None),
    ("ci_stacks_s", "  stack tests: leftovers, signals, isolated, remote", "s", None),
    ("ci_suites_s", "  the suite once per compose tool, reports checked", "s", None),
    ("ci_realtime_floor_s", "  those suites' real-time steps (the floor)", "s", "> 600: 10 min out of reach"),
    ("bench_asr_ms", "STS bench ASR median (isolated)", "ms", None),
    ("bench_asr_p95_ms", "STS bench ASR p95 (isolated)", "ms", None),
    ("bench_translation_ms", "STS bench MT median (isolated)", "ms", None),
    ("bench_tts_ms", "STS bench TTS median (isolated)", "ms", None),
    ("bench_total_ms", "STS bench total median (isolated)", "ms", None),
    ("bench_total_p95_ms", "STS bench total p95 (isolated)", "ms", "<= 3000 (base, 6 s fragments)"),
    ("bench_rtf", "STS bench real-time factor median (isolated)", "x", None),
]

# How each figure is measured (written into the JSON next to it).
SOURCES = {
    "provision_cold_s": "wall time of scripts/provision-images after docker rmi of dubctl/* "
    "and debian:bookworm-slim (host download caches kept)",
    "provision_warm_s": "wall time of scripts/provision-images with every image present",
    "up_media_s": "wall time of `dubctl up media` from stacks down",
    "up_sts_s": "wall time of `dubctl up sts` from stacks down",
    "up_all_s": "wall time of `dubctl up all` from stacks down: both projects started, then awaited together",
    "main_job_s": "wall time of scripts/run-main (bootstrap, build, provision-images: all no-ops when ready; "
    "then dubctl run scenarios/full_pipeline.yaml, teardown and reports included) from stacks down",
    "main_job_floor_s": "the main job's report.json (<artifacts>/report.json): the sum of its steps other than "
    "up and down, i.e. publishing 30 s in real time, the output's drain (one segment), the checks and the judge",
    "suite_wall_s": "report.json run.wall_time_s of `dubctl run scenarios/ --strict` from stacks down "
    "(DUB_BENCH_SUITE_ARGS adds arguments, e.g. --jobs 2); every run that ran, passed or not",
    "suite_realtime_s": "report.json: the sum of the publish, wait, record and sts steps of every scenario "
    "(benchkit/suite.py REALTIME_KINDS): media at its own pace and the pipeline's answer awaited",
    "suite_up_s": "report.json: the sum of the up steps of every scenario",
    "ci_total_s": "out/test-all-steps.jsonl of `bash .ci/run` run in a fresh `git clone` of HEAD (total), "
    "images and caches of this machine kept; passing runs only",
    "ci_realtime_floor_s": "the real-time steps (as suite_realtime_s) of the CI's suite reports "
    "(out/report-compose-<tool>.json), summed over the compose tools",
    "media_verify_s": "JUnit media_verify_time_s of full_pipeline's verify media step (probe with packets, "
    "drift, two fingerprints, loudness, golden)",
    "pipeline_wall_s": "JUnit wall_time_s of `dubctl run scenarios/full_pipeline.yaml` from stacks down (includes up)",
    "pipeline_output_duration_s": "JUnit duration_s: MediaMTX's recording of the output",
    "pipeline_max_av_drift_ms": "JUnit max_av_drift_ms (libav analysis of the recorded output)",
    "pipeline_fingerprint_similarity": "JUnit fingerprint_similarity (chromaprint, output vs input)",
    "pipeline_asr_wer": "JUnit asr_wer (transcripts vs the fixture sidecar)",
    "judge_wall_s": "JUnit judge_wall_time_s of verify heard: decode, WAV, docker run python -m dub_judge, verdict",
    "judge_s": "JUnit judge_time_s: dub_judge's own total_s",
    "sts_processing_ms": "STS log processing_time_ms per full-length fragment, pooled over the passing runs",
    "sts_roundtrip_ms": "media-service worker JSON latency_ms per full-length fragment (send -> fragment:processed), "
    "pooled over the passing runs",
    "rtf_asr": "stage time / fragment duration per full-length fragment (STS log timings_ms), pooled; p95 in p95",
    "output_lag_max_s": "media-service worker JSON output_lag_max_s: wall time from a video frame's arrival at "
    "the input to its render time at the output (media_output_lag_seconds)",
    "output_lag_mean_s": "media_output_lag_seconds histogram sum / count for the stream",
    "output_start_delay_s": "MediaMTX API readyTime of live/<stream>/out minus that of live/<stream>/in",
    "peak_rss_mediamtx_mb": "VmHWM of the container's main process (/proc/<pid>/status) at the end of the "
    "pipeline run; cgroup memory high-water mark (page cache included) in runs_detail",
    "echo_worker_cpu_s": "media-service container cgroup CPU during `dubctl run scenarios/media_echo_sts.yaml`, "
    "minus the idle rate measured for 5 s before it",
    "echo_peak_rss_mb": "VmHWM of the media-service process after the echo run",
    "echo_added_latency_s": "output_lag_max_s minus SEGMENT_DURATION, echo STS",
    "echo_output_lag_mean_s": "media_output_lag_seconds histogram sum / count, echo STS",
    "soak_wall_s": "JUnit wall_time_s of `dubctl run scenarios/long/soak_10min.yaml` (stacks down first), "
    "on out/generated/600s-english-speech.mp4 (scripts/make-long-stream 600); every run that ran, passed or not",
    "soak_drift_trend_ms_per_min": "JUnit av_drift_trend_ms_per_min: least-squares slope of A/V drift over the "
    "recorded output (libav analysis, every video frame)",
    "soak_rss_growth_media_service_mb": "JUnit rss_growth_<service>_mb: VmRSS of the service's main process at the "
    "end sample (after fragment 99) minus at the first (after fragment 2)",
    "streams_base_k": "scripts/bench --only streams: the largest K such that scenarios made by "
    "benchkit/streams.py for K' = 1..K streams of the 60 s counting stream (one media service, one STS with "
    "that model, stacks kept up between K) all passed: every worker completed, every fragment dubbed, round trip "
    "<= 15 s, pushed out within 1 s, output lag <= 12 s (K stops at the first failure, or DUB_STREAMS_MAX)",
    "streams_base_round_trip_ms": "JUnit worker_max_round_trip_ms, the largest over the streams of the largest K",
    "streams_base_output_lag_s": "JUnit worker_output_lag_max_s, the largest over the streams of the largest K",
    "bench_asr_ms": "python -m sts_service.bench --models tiny.en in the STS image (stacks down)",
}
for _k in ("rtf_translation", "rtf_tts", "rtf_total"):
    SOURCES[_k] = SOURCES["rtf_asr"]
for _k in ("peak_rss_media_service_mb", "peak_rss_sts_service_mb"):
    SOURCES[_k] = SOURCES["peak_rss_mediamtx_mb"]
SOURCES["soak_rss_growth_sts_service_mb"] = SOURCES["soak_rss_growth_media_service_mb"]
for _k in ("soak_output_duration_s", "soak_max_av_drift_ms"):
    SOURCES[_k] = "JUnit duration_s / max_av_drift_ms of the soak's recorded output"
for _k in ("k", "round_trip_ms", "output_lag_s"):
    SOURCES[f"streams_tiny_en_{_k}"] = SOURCES[f"streams_base_{_k}"]
    SOURCES[f"streams_base_2sts_{_k}"] = SOURCES[f"streams_base_{_k}"]
SOURCES["streams_base_2sts_k"] += (
    "; with a second STS (its own compose project on host port 3001), STS_SERVICE_URL naming both, "
    "each STS with ASR_CPU_THREADS = cores / 2"
)
for _k in ("ci_setup_s", "ci_lint_s", "ci_unit_s", "ci_stacks_s", "ci_suites_s"):
    SOURCES[_k] = SOURCES["ci_total_s"].replace("(total)", "(the steps of this group)")
SOURCES["sts_processing_p95_ms"] = SOURCES["sts_processing_ms"]
SOURCES["sts_roundtrip_p95_ms"] = SOURCES["sts_roundtrip_ms"]
for _k in (
    "bench_asr_p95_ms",
    "bench_translation_ms",
    "bench_tts_ms",
    "bench_total_ms",
    "bench_total_p95_ms",
    "bench_rtf",
):
    SOURCES[_k] = SOURCES["bench_asr_ms"] + " (median over the runs of each run's figure)"
