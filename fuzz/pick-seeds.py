#!/usr/bin/env python3
"""Picks the seed corpus kept in git for one fuzz target (docs/bench/fuzzing.md, "Seeds").

Runs the target's libFuzzer binary in merge mode over every candidate input, reads back which
code edges and coverage features each input reaches (the merge control file), and keeps a greedy
cover: again and again the input that adds the most edges not yet covered (then the most new
features, then the smaller one), until --max-files inputs are kept or none adds anything. Inputs
given with --given (the webhook fixtures, which `make fuzz` always adds to the envelope's corpus)
count as covered and are not copied. The kept inputs replace the contents of fuzz/corpus/<target>.

    cargo +nightly fuzz build -O <target>
    python3 fuzz/pick-seeds.py <target> --max-files 80 fuzz/corpus-local/<target> fuzz/corpus/<target>

Then `git add fuzz/corpus/<target>` (and `git rm` what it removed). Standard library only.
"""

import argparse
import glob
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

FUZZ_DIR = os.path.dirname(os.path.abspath(__file__))
TRIPLE = "x86_64-unknown-linux-gnu"


def coverage_per_input(binary, folders, workdir):
    """{path: (edges, features)} for every input the merge ran (crashing inputs are absent)."""
    control = os.path.join(workdir, "control")
    empty = os.path.join(workdir, "empty")
    os.mkdir(empty)
    subprocess.run(
        [binary, "-merge=1", f"-merge_control_file={control}", "-timeout=60", empty, *folders],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    with open(control, encoding="utf-8", errors="surrogateescape") as f:
        lines = f.read().splitlines()
    count = int(lines[0])
    paths = lines[2 : 2 + count]
    features, edges = {}, {}
    for line in lines[2 + count :]:
        parts = line.split()
        if parts and parts[0] == "FT":
            features[paths[int(parts[1])]] = set(parts[2:])
        elif parts and parts[0] == "COV":
            edges[paths[int(parts[1])]] = set(parts[2:])
    return {p: (edges.get(p, set()), features[p]) for p in features}


def greedy_cover(coverage, max_files, given):
    """The kept paths, and the edges and features covered with the given inputs."""
    edges, features = set(), set()
    for path in given:
        edges |= coverage[path][0]
        features |= coverage[path][1]
    left = {p: c for p, c in coverage.items() if p not in given}
    kept = []

    def gain(path):
        e, f = left[path]
        return (len(e - edges), len(f - features), -os.path.getsize(path))

    while left and len(kept) < max_files:
        best = max(left, key=gain)
        new_edges, new_features, _ = gain(best)
        if not new_edges and not new_features:
            break
        e, f = left.pop(best)
        edges |= e
        features |= f
        kept.append(best)
    return kept, edges, features


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("target")
    parser.add_argument("folders", nargs="+", help="corpus folders to choose from")
    parser.add_argument("--max-files", type=int, default=80)
    parser.add_argument(
        "--given",
        action="append",
        default=[],
        metavar="GLOB",
        help="files always in the corpus, not copied (repeatable), e.g. 'tests/fixtures/whatsapp/*.json'",
    )
    args = parser.parse_args()

    binary = os.path.join(FUZZ_DIR, "target", TRIPLE, "release", args.target)
    if not os.access(binary, os.X_OK):
        sys.exit(f"{binary} missing: run `cargo +nightly fuzz build -O {args.target}` first")
    with tempfile.TemporaryDirectory() as workdir:
        given_dir = os.path.join(workdir, "given")
        os.mkdir(given_dir)
        for pattern in args.given:
            for path in glob.glob(pattern):
                shutil.copy(path, given_dir)
        coverage = coverage_per_input(binary, [given_dir, *args.folders], workdir)
        given = {p for p in coverage if os.path.dirname(p) == given_dir}
        every_edge = set().union(*(e for e, _ in coverage.values()))
        every_feature = set().union(*(f for _, f in coverage.values()))
        kept, edges, features = greedy_cover(coverage, args.max_files, given)
        contents = {}
        for path in kept:
            with open(path, "rb") as f:
                data = f.read()
            contents[hashlib.sha1(data).hexdigest()] = data
    out = os.path.join(FUZZ_DIR, "corpus", args.target)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    for name, data in contents.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    size = sum(len(d) for d in contents.values())
    print(
        f"{args.target}: kept {len(contents)} of {len(coverage) - len(given)} inputs "
        f"({size:,} bytes) beside {len(given)} given; with them they reach "
        f"{len(edges):,} of {len(every_edge):,} edges ({len(edges) / max(len(every_edge), 1):.1%}) "
        f"and {len(features):,} of {len(every_feature):,} features "
        f"({len(features) / max(len(every_feature), 1):.1%})"
    )


if __name__ == "__main__":
    main()
