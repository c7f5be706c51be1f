"""The ``kinechain`` command line: a thin front end over the public Python API.

Errors the user can cause (:class:`kinechain.errors.KinechainError`) are printed as one line
and give exit code 2; anything else is reported as an internal error (exit 3) without a
traceback unless ``KINECHAIN_DEBUG=1``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kinechain.errors import KinechainError

app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    help="kinechain: calf → ankle → knee → pelvis → lumbar, measured from motion capture.",
)
err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)


def _fail_line(exc: BaseException) -> str:
    if isinstance(exc, KinechainError):
        return str(exc)
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"internal error ({type(exc).__name__}): {text} — please report it"


def _parse_distance(text: str | None) -> tuple[float, ...] | None:
    """``"x1,y1,x2,y2,metres"`` → five floats (InputError naming --distance otherwise)."""
    from kinechain.errors import InputError

    if text is None:
        return None
    parts = [p.strip() for p in text.split(",")]
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        values = ()
    import math

    if len(values) != 5 or not all(map(math.isfinite, values)) or values[4] <= 0:
        raise InputError(
            None,
            f"{text!r} is not x1,y1,x2,y2,metres (five numbers, pixels of the first frame and "
            "a positive distance in metres)",
            field="--distance",
        )
    return values


@app.command()
def analyze(
    walks: Annotated[
        list[Path],
        typer.Argument(help="Walking trial(s): .c3d, .trc, .mot, .sto, or a side-view video"),
    ],
    static: Annotated[
        Path | None, typer.Option("--static", "-s", help="Static calibration trial (.c3d)")
    ] = None,
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Output folder")] = Path("results"),
    norms: Annotated[
        str | None,
        typer.Option(help="Normative set: a bundled name (see `kinechain norms`) or a CSV"),
    ] = None,
    mapping: Annotated[
        Path | None, typer.Option(help="JSON marker-name mapping for the anatomical model")
    ] = None,
    flat_foot: Annotated[
        bool,
        typer.Option(
            "--flat-foot",
            help="Plug-in Gait 'foot flat' static option: the sole was flat on the floor",
        ),
    ] = False,
    height: Annotated[
        float | None,
        typer.Option("--height", help="Video: the subject's height in metres (gives the scale)"),
    ] = None,
    distance: Annotated[
        str | None,
        typer.Option(
            "--distance",
            help="Video: a known distance in the first frame, 'x1,y1,x2,y2,metres' (pixels)",
        ),
    ] = None,
    backend: Annotated[
        str, typer.Option("--backend", help="Video: pose backend, mediapipe or onnx")
    ] = "mediapipe",
    pose_model: Annotated[
        Path | None,
        typer.Option("--pose-model", help="Video: ONNX pose model file (for --backend onnx)"),
    ] = None,
    neutral_ankle: Annotated[
        float | None,
        typer.Option(
            "--neutral-ankle",
            help="Video: ankle angle (deg) of the subject standing in neutral, subtracted",
        ),
    ] = None,
    report: Annotated[bool, typer.Option(help="Write report.html")] = True,
    annotated: Annotated[
        bool, typer.Option(help="Videos: write annotated.webm (skeleton and angles per frame)")
    ] = True,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing output folder")] = False,
) -> None:
    """Analyse walking trials: angles, events, kinetic-chain metrics and a report.

    Videos (.mp4, .mov, .webm, .avi, .mkv, filmed from the side) are analysed markerless:
    sagittal angles, events, strides, a per-frame quality track and an annotated video.
    One trial writes its files into OUT; several trials write OUT/<trial name>/ each, and a
    bad file is reported and skipped without stopping the others.
    """
    from kinechain._pipeline import analyze_file
    from kinechain.io._results import write_results

    try:
        known = _parse_distance(distance)
    except KinechainError as exc:
        err.print(f"error: {exc}")
        raise typer.Exit(code=2) from None
    many = len(walks) > 1
    failures: list[tuple[Path, str]] = []
    done: list[tuple[Path, Path]] = []
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task("analysing", total=len(walks), visible=many)
        for walk in walks:
            target = out_dir / walk.stem if many else out_dir
            progress.update(task, description=f"analysing {walk.name}")
            try:
                from kinechain.video._walk import is_video

                if is_video(walk):
                    if static is not None or mapping is not None or flat_foot:
                        raise KinechainError(
                            f"{walk}: --static, --mapping and --flat-foot apply to motion "
                            "capture, not to videos"
                        )
                    _analyze_video_file(
                        progress,
                        walk,
                        target,
                        height=height,
                        distance=known,
                        backend=backend,
                        pose_model=pose_model,
                        neutral_ankle=neutral_ankle,
                        norms=norms,
                        report=report,
                        annotated=annotated,
                        overwrite=overwrite,
                    )
                else:
                    result = analyze_file(
                        walk, static=static, norms=norms, mapping=mapping, flat_foot=flat_foot
                    )
                    write_results(result, target, report=report, overwrite=overwrite)
                done.append((walk, target))
            except Exception as exc:  # one bad file never stops a batch
                if os.environ.get("KINECHAIN_DEBUG") == "1":
                    raise
                failures.append((walk, _fail_line(exc)))
            progress.advance(task)
    for walk, target in done:
        out.print(f"{walk.name}: results in {target}")
    for walk, line in failures:
        err.print(f"error: {line}" if walk.name in line else f"error: {walk}: {line}")
    if failures:
        raise typer.Exit(code=2 if not done else 1)


def _analyze_video_file(
    progress: Progress,
    walk: Path,
    target: Path,
    *,
    height: float | None,
    distance: tuple[float, ...] | None,
    backend: str,
    pose_model: Path | None,
    neutral_ankle: float | None,
    norms: str | None,
    report: bool,
    annotated: bool,
    overwrite: bool,
) -> None:
    """One video: pose with a frame progress bar, analysis, result files."""
    from kinechain.io._results import check_output_folder
    from kinechain.video._walk import analyze_video, write_video_results

    check_output_folder(target, overwrite=overwrite)  # fail before minutes of pose work
    frames = progress.add_task(f"pose {walk.name}", total=None)

    def tick(done_frames: int, total: int) -> None:
        progress.update(frames, completed=done_frames, total=total or None)

    try:
        result = analyze_video(
            walk,
            height_m=height,
            distance=distance,
            backend=backend,
            model=pose_model,
            neutral_deg=neutral_ankle,
            norms=norms,
            progress=tick,
        )
        progress.update(frames, description=f"writing {walk.name}")
        write_video_results(result, target, overwrite=overwrite, report=report, video=annotated)
    finally:
        progress.remove_task(frames)


@app.command("intake-template")
def intake_template_cmd(
    full: Annotated[bool, typer.Option(help="Fill every field, not just the example")] = False,
    schema: Annotated[bool, typer.Option(help="Print the JSON Schema instead")] = False,
) -> None:
    """Print an example intake JSON (kinechain.intake/1), or its JSON Schema."""
    import json

    from kinechain.clinic import intake_json_schema, intake_template

    data = intake_json_schema() if schema else intake_template(full=full)
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


@app.command()
def assess(
    intake: Annotated[Path, typer.Argument(help="Intake JSON (see `kinechain intake-template`)")],
    gait: Annotated[
        Path | None, typer.Option(help="Folder written by `kinechain analyze` for this person")
    ] = None,
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Output folder")] = Path(
        "assessment"
    ),
    report: Annotated[bool, typer.Option(help="Write report.html and handout.pdf")] = True,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing output folder")] = False,
) -> None:
    """Assess one person: red flags, calf, chain findings, lumbar load, home program."""
    from kinechain._assess import assess_files
    from kinechain.io._assessment import write_assessment

    try:
        result = assess_files(intake, gait)
        target = write_assessment(
            result, out_dir, report=report, overwrite=overwrite, gait_folder=gait
        )
    except Exception as exc:
        if os.environ.get("KINECHAIN_DEBUG") == "1":
            raise
        lines = str(exc).splitlines() if isinstance(exc, KinechainError) else [_fail_line(exc)]
        for line in lines or [_fail_line(exc)]:
            err.print(f"error: {line}")
        raise typer.Exit(code=2) from None
    flags = result.clinical["red_flags"]
    if flags.get("refer"):
        err.print(
            f"RED FLAGS ({flags.get('urgency')}): refer before any exercise — see "
            f"{target / 'assessment.json'}"
        )
    out.print(f"{intake.name}: assessment in {target}")


@app.command()
def progress(
    assessments: Annotated[
        list[Path], typer.Argument(help="assessment.json files (or folders) of one person")
    ],
    sessions: Annotated[
        Path | None, typer.Option(help="Logged sessions: JSON list or CSV (date,exercise_id,...)")
    ] = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the progress summary JSON here")
    ] = None,
) -> None:
    """Change since the first assessment, against MDC and MCID, with adherence."""
    import json

    from kinechain.io._assessment import read_assessments, read_sessions
    from kinechain.program import progress as compute_progress

    try:
        data = read_assessments(assessments)
        logged = read_sessions(sessions) if sessions is not None else []
        report = compute_progress(data, logged)
    except Exception as exc:
        if os.environ.get("KINECHAIN_DEBUG") == "1":
            raise
        err.print(f"error: {_fail_line(exc)}")
        raise typer.Exit(code=2) from None
    result = report.to_dict()
    out.print(result.get("summary", ""))
    if out_file is not None:
        out_file.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        out.print(f"progress summary in {out_file}")


@app.command("norms")
def list_norms() -> None:
    """List the bundled normative data sets."""
    from kinechain.gait import available_norms, load_norms

    table = Table("name", "variables", "citation")
    for name in available_norms():
        ns = load_norms(name)
        table.add_row(name, str(len(ns.variables)), ns.citation)
    out.print(table)


@app.command()
def version() -> None:
    """Print the kinechain version."""
    from kinechain import __version__

    out.print(__version__)


@app.command()
def lunge(
    images: Annotated[
        list[Path],
        typer.Argument(help="Side-view photo(s) (JPEG/PNG) or short clip(s) of the lunge"),
    ],
    knee: Annotated[
        list[str] | None,
        typer.Option(
            "--knee",
            help="Variant of each input in order: straight (gastrocnemius) or bent (soleus); "
            "repeat it, e.g. --knee straight --knee bent",
        ),
    ] = None,
    side: Annotated[
        str, typer.Option(help="Tested leg: left, right or auto (the leg whose knee is forward)")
    ] = "auto",
    wall_x: Annotated[
        float | None, typer.Option("--wall-x", help="Wall as a vertical image line at x (px)")
    ] = None,
    wall: Annotated[
        str | None, typer.Option(help="Wall line through two image points 'x1,y1,x2,y2' (px)")
    ] = None,
    scale: Annotated[
        float | None, typer.Option(help="Scale in px per cm, in the plane of the foot")
    ] = None,
    distance: Annotated[
        str | None,
        typer.Option(help="Scale from two image points a known distance apart 'x1,y1,x2,y2,cm'"),
    ] = None,
    vertical: Annotated[
        str | None,
        typer.Option(help="True vertical (plumb line, door frame) 'x1,y1,x2,y2'; default image"),
    ] = None,
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Output folder")] = Path("lunge"),
    backend: Annotated[str, typer.Option(help="Pose backend: mediapipe or onnx")] = "mediapipe",
    pose_model: Annotated[
        Path | None, typer.Option("--pose-model", help="ONNX pose model (onnx backend)")
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing output folder")] = False,
) -> None:
    """Weight-bearing lunge test from a side view: tibial inclination, heel lift, toe-to-wall.

    Writes OUT/lunge.json and the annotated image(s). With a knee-straight and a knee-bent
    input of the same leg, the calf is classified (gastrocnemius vs soleus/joint).
    """
    from kinechain.errors import InputError
    from kinechain.io._results import check_output_folder
    from kinechain.video import _lunge as L

    try:
        variants = list(knee or [])
        for v in variants:
            if v not in ("straight", "bent"):
                raise InputError(None, f"expected straight or bent, got {v!r}", field="--knee")
        if variants and len(variants) != len(images):
            raise InputError(
                None,
                f"{len(variants)} --knee value(s) for {len(images)} input(s): give one per input",
                field="--knee",
            )
        if side not in ("left", "right", "auto"):
            raise InputError(None, f"expected left, right or auto, got {side!r}", field="--side")
        if wall_x is not None and wall is not None:
            raise InputError(None, "give --wall-x or --wall, not both", field="--wall")
        if scale is not None and distance is not None:
            raise InputError(None, "give --scale or --distance, not both", field="--scale")
        wall_line: tuple[float, float, float, float] | None = None
        if wall_x is not None:
            wall_line = (wall_x, 0.0, wall_x, 1.0)
        elif wall is not None:
            x1, y1, x2, y2 = L.parse_line(wall, option="--wall")
            wall_line = (x1, y1, x2, y2)
        px_per_cm = scale
        if distance is not None:
            line, cm = L.parse_distance(distance)
            px_per_cm = L.scale_from_distance(line, cm)
        vert: tuple[float, float, float, float] | None = None
        if vertical is not None:
            vx1, vy1, vx2, vy2 = L.parse_line(vertical, option="--vertical")
            vert = (vx1, vy1, vx2, vy2)
            L.up_vector(vert)  # validate before the pose model starts
        check_output_folder(out_dir, overwrite=overwrite)
        results = []
        pictures = []
        for n, path in enumerate(images):
            still = path.suffix.lower() not in L.VIDEO_SUFFIXES
            detector = L.make_detector(backend, pose_model, still=still)
            try:
                res, img = L.measure_file(
                    path,
                    detector,
                    side=None if side == "auto" else side,  # type: ignore[arg-type]
                    vertical=vert,
                    wall=wall_line,
                    px_per_cm=px_per_cm,
                    variant=variants[n] if variants else None,  # type: ignore[arg-type]
                )
            finally:
                detector.close()
            results.append(res)
            pictures.append(img)
        target = L.write_lunge(results, pictures, out_dir, overwrite=overwrite)
    except Exception as exc:
        if os.environ.get("KINECHAIN_DEBUG") == "1":
            raise
        err.print(f"error: {_fail_line(exc)}")
        raise typer.Exit(code=2) from None
    for res in results:
        wall_txt = (
            f"toe-to-wall {res.wall.cm:.1f} cm" if res.wall.cm is not None else res.wall.reason
        )
        tag = f" (knee {res.variant})" if res.variant else ""
        out.print(
            f"{Path(res.source).name}{tag}: {res.side} tibial inclination "
            f"{res.tibial_inclination_deg:.1f}°, heel lifted: {res.heel.state}; {wall_txt}"
        )
        for w in res.warnings:
            err.print(f"warning: {Path(res.source).name}: {w}")
    import json

    cls = json.loads((target / "lunge.json").read_text(encoding="utf-8"))["classification"]
    if cls:
        out.print(f"calf: {cls.get('classification')} — {cls.get('reason')}")
    out.print(f"lunge results in {target}")


# --- clinic web app -------------------------------------------------------------------------

DataOpt = Annotated[
    Path | None,
    typer.Option(
        "--data", help="Data folder: SQLite database and uploaded files [env KINECHAIN_DATA]"
    ),
]
DbOpt = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="SQLAlchemy URL, e.g. postgresql://user@host/db (default: SQLite in --data) "
        "[env KINECHAIN_DATABASE_URL]",
    ),
]


def _settings(data: Path | None, database_url: str | None) -> object:
    from kinechain.web._settings import Settings

    return Settings.from_env(data_dir=data, database_url=database_url)


@app.command()
def serve(
    data: DataOpt = None,
    database_url: DbOpt = None,
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
    demo: Annotated[
        bool, typer.Option(help="Create the labelled demo clinic and print its logins")
    ] = False,
    worker: Annotated[
        bool, typer.Option(help="Start an analysis worker process beside the server")
    ] = True,
    processes: Annotated[int, typer.Option(help="Web server processes")] = 1,
) -> None:
    """Run the clinic web app (pages and the /api/v1 JSON API)."""
    from kinechain.web._serve import serve as run_server

    try:
        run_server(
            _settings(data, database_url),  # type: ignore[arg-type]
            host=host,
            port=port,
            demo=demo,
            worker=worker,
            processes=processes,
            say=out.print,
        )
    except KinechainError as exc:
        err.print(f"error: {exc}")
        raise typer.Exit(2) from None


@app.command("worker")
def worker_cmd(
    data: DataOpt = None,
    database_url: DbOpt = None,
    once: Annotated[bool, typer.Option(help="Run the queued analyses, then stop")] = False,
) -> None:
    """Run queued analyses (uploads) for the web app; a crash in one never stops the rest.

    A running analysis whose worker stopped heartbeating for KINECHAIN_WORKER_STALE_S seconds
    (default 30) is queued again.
    """
    from kinechain.store._worker import run_worker, worker_options_from_env

    try:
        run_worker(
            _settings(data, database_url),  # type: ignore[arg-type]
            once=once,
            **worker_options_from_env(),
        )
    except KinechainError as exc:
        err.print(f"error: {exc}")
        raise typer.Exit(2) from None


db_app = typer.Typer(
    no_args_is_help=True, help="The web app's database: migrate, back up, restore."
)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(data: DataOpt = None, database_url: DbOpt = None) -> None:
    """Create or migrate the database schema to this version."""
    from kinechain.store import make_engine, upgrade
    from kinechain.store._db import current_revision

    settings = _settings(data, database_url)
    settings.data_dir.mkdir(parents=True, exist_ok=True)  # type: ignore[attr-defined]
    try:
        engine = make_engine(settings.db_url)  # type: ignore[attr-defined]
        upgrade(engine)
        out.print(f"database at revision {current_revision(engine)}")
    except KinechainError as exc:
        err.print(f"error: {exc}")
        raise typer.Exit(2) from None


@db_app.command("backup")
def db_backup(
    dest: Annotated[Path, typer.Argument(help="Backup file to write (.tar.gz)")],
    data: DataOpt = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing backup file")] = False,
) -> None:
    """Back up the SQLite database and uploaded files into one archive (safe while running)."""
    from kinechain.store._backup import backup

    try:
        summary = backup(_settings(data, None), dest, overwrite=overwrite)  # type: ignore[arg-type]
    except KinechainError as exc:
        err.print(f"error: {exc}")
        raise typer.Exit(2) from None
    out.print(summary)


@db_app.command("restore")
def db_restore(
    src: Annotated[Path, typer.Argument(help="Backup archive written by `kinechain db backup`")],
    data: DataOpt = None,
    force: Annotated[bool, typer.Option(help="Replace an existing database")] = False,
) -> None:
    """Restore a backup into the data folder (stop the server first)."""
    from kinechain.store._backup import restore

    try:
        summary = restore(_settings(data, None), src, force=force)  # type: ignore[arg-type]
    except KinechainError as exc:
        err.print(f"error: {exc}")
        raise typer.Exit(2) from None
    out.print(summary)


def main() -> None:
    """Entry point of the ``kinechain`` script."""
    try:
        app()
    except KinechainError as exc:  # raised outside a command body
        err.print(f"error: {exc}")
        sys.exit(2)
    except Exception as exc:
        if os.environ.get("KINECHAIN_DEBUG") == "1":
            raise
        err.print(f"error: {_fail_line(exc)}")
        sys.exit(3)


if __name__ == "__main__":
    main()
