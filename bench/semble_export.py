"""Export the development repositories of the semble benchmark at their pinned revisions.

For each repository in bench/semble/repos.json, `git archive <revision> <benchmark_root>` from
its fetched git directory into `<out>/<name>/` (outside this repository), so the tree holds
exactly the part the benchmark indexes, at the paths its annotations use. A repository
already exported at its revision is left alone (`<out>/<name>.revision` records it).

    python -m bench.semble_export [--mirrors /work/.mirror] [--out /work/bench-data/semble]
                                  [--git-dir NAME=PATH ...] [--repos a,b] [--specs FILE]

`--mirrors` is where the fetch tool puts snapshots: `<mirrors>/<owner>+<name>/repo`.
`--specs` reads another list in the same shape (the held-out set kept outside this
repository); a `benchmark_root` of null or absent means the whole repository.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

SPECS = Path(__file__).resolve().parent / "semble" / "repos.json"
DEFAULT_MIRRORS = Path("/work/.mirror")
DEFAULT_OUT = Path("/work/bench-data/semble")


@dataclass(frozen=True)
class RepoSpec:
    name: str
    language: str
    mirror: str  # owner/name on GitHub
    revision: str
    benchmark_root: str = ""  # "" (semble: null or absent) is the whole repository

    def tree(self, out: Path) -> Path:
        """The export folder: paths below it are the annotations' repository paths."""
        return out / self.name

    def index_root(self, out: Path) -> Path:
        return self.tree(out) / self.benchmark_root

    def indexed_path(self, path: str) -> str:
        """A path relative to the index root, as the annotations spell it (from the tree)."""
        return f"{self.benchmark_root}/{path}" if self.benchmark_root else path


def load_specs(names: list[str] | None = None, path: Path = SPECS) -> list[RepoSpec]:
    try:
        items = json.loads(path.read_text(encoding="utf-8"))
        specs = [
            RepoSpec(**{**item, "benchmark_root": item.get("benchmark_root") or ""})
            for item in items
        ]
    except (OSError, ValueError, TypeError) as exc:
        raise ValueError(f"cannot read repository specs from {path}: {exc}") from exc
    if names:
        unknown = set(names) - {s.name for s in specs}
        if unknown:
            raise ValueError(f"not a repository of {path}: {', '.join(sorted(unknown))}")
        specs = [s for s in specs if s.name in names]
    return specs


def exported_revision(spec: RepoSpec, out: Path) -> str | None:
    marker = out / f"{spec.name}.revision"
    return marker.read_text().strip() if marker.is_file() else None


def export(spec: RepoSpec, git_dir: Path, out: Path) -> bool:
    """Export one repository; False when it was already there at its revision."""
    if exported_revision(spec, out) == spec.revision and spec.index_root(out).is_dir():
        return False
    tree = spec.tree(out)
    shutil.rmtree(tree, ignore_errors=True)
    tree.mkdir(parents=True)
    paths = [spec.benchmark_root] if spec.benchmark_root else []
    archive = subprocess.run(
        ["git", f"--git-dir={git_dir}", "archive", spec.revision, *paths],
        check=True,
        capture_output=True,
    )
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    (out / f"{spec.name}.revision").write_text(spec.revision + "\n")
    return True


def git_dirs(specs: list[RepoSpec], mirrors: Path, overrides: list[str]) -> dict[str, Path]:
    dirs = {s.name: mirrors / s.mirror.replace("/", "+") / "repo" for s in specs}
    for item in overrides:
        name, _, path = item.partition("=")
        dirs[name] = Path(path)
    return dirs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirrors", type=Path, default=DEFAULT_MIRRORS)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--git-dir", action="append", default=[], metavar="NAME=PATH")
    parser.add_argument("--repos", default="", help="comma-separated subset")
    parser.add_argument("--specs", type=Path, default=SPECS, help="repos.json to read")
    args = parser.parse_args()
    try:
        specs = load_specs([n for n in args.repos.split(",") if n], args.specs)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    dirs = git_dirs(specs, args.mirrors, args.git_dir)
    missing = [s.name for s in specs if not dirs[s.name].is_dir()]
    if missing:
        print(f"error: no git directory for {', '.join(missing)} (fetch it first)", file=sys.stderr)
        return 1
    for spec in specs:
        try:
            done = export(spec, dirs[spec.name], args.out)
        except subprocess.CalledProcessError as exc:
            print(f"error: {spec.name}: {exc.stderr.decode(errors='replace')}", file=sys.stderr)
            return 1
        state = "exported" if done else "already exported"
        print(f"{spec.name}: {state} {spec.revision[:12]} -> {spec.index_root(args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
