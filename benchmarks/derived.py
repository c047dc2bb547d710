"""Figures that relate a run's records to each other, recomputed whenever the report is written."""

from __future__ import annotations


def derive(results: list[dict]) -> None:
    """Add to ``results`` (in place) what relates them, from whatever has been measured so far:

    * ``ratio_to_pybullet_tiny``: frames/s over PyBullet's TinyRenderer's (``pybullet_tiny``) on
      the same scene and size (records with ``same_scene_as_pybullet`` false get none);
    * ``ratio_to_pybullet_humanoid``: the ``physics_N`` cases' humanoid steps/s over PyBullet's own
      humanoid's (``physics_pybullet_humanoid``);
    * ``frames_per_s_vs_1_worker``: the ``dataset_Nw`` and ``dataset_cpu_Nw`` cases over one worker;
    * the no-op dataset cases' CPU with real encoding
      (:func:`benchmarks.dataset_ceiling.with_real_encoding`, given the ``write`` case).
    """
    from benchmarks.dataset_ceiling import with_real_encoding

    by_case = {r["case"]: r for r in results}
    tiny = by_case.get("pybullet_tiny")
    humanoid = by_case.get("physics_pybullet_humanoid")
    write = by_case.get("write")
    for r in results:
        if tiny and r["unit"] == "frames/s" and r.get("same_scene_as_pybullet", True):
            r["ratio_to_pybullet_tiny"] = r["median_per_s"] / tiny["median_per_s"]
        if humanoid and r is not humanoid and r["case"].startswith("physics_") and "humanoids" in r["settings"]:
            r["ratio_to_pybullet_humanoid"] = r["median_per_s"] * r["settings"]["humanoids"] / humanoid["median_per_s"]
        for prefix in ("dataset_", "dataset_cpu_"):
            one = by_case.get(f"{prefix}1w")
            rest = r["case"].removeprefix(prefix)
            if one and rest.endswith("w") and rest[:-1].isdigit() and rest != "1w" and one["frames_per_s"] > 0:
                r["frames_per_s_vs_1_worker"] = r["frames_per_s"] / one["frames_per_s"]
        if write and r["case"].startswith("dataset_cpu_") and r.get("stages_cpu_ms_per_frame"):
            with_real_encoding(r, write["process_cpu_ms_per_item"])
