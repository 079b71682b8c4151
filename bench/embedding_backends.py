"""Embedding backends side by side: torch fp32, onnx fp32 and onnx int8 on the same texts.

Texts are real code chunks: ~300 stdlib files chunked the way the index chunks them
(budget 256 tokens), `--texts` of their embed_texts sampled with a fixed seed. Every
backend embeds the same texts in the same process, interleaved round by round, so the
ratios hold even on a busy machine (absolute texts/s do not). Quality is measured
against torch fp32: mean/min cosine of the vectors, and retrieval agreement (the first
`--queries` texts as queries against the rest: overlap of the top-10 with torch's).

    python -m bench.embedding_backends [--texts 512] [--rounds 3] [--cache DIR]
        [--batch-sizes 16,32,64,128] [--eval-src DIR --eval-queries 50]
        [--query-latency 5] [--rss]

`--batch-sizes` also times each backend at those batch sizes and reports padding waste
(pad tokens / all tokens) for unsorted, char-length-sorted and token-sorted batches.
`--eval-src` builds a small task with ../shared/eval/make_corpus.py from one source folder
and scores dense retrieval (functions chunked like the index) for every backend.
`--query-latency R` embeds the development benchmark's 127 developer questions one at a
time, as a search does, R rounds interleaved across backends: p50/p95 ms per query.
`--rss` loads each backend in a fresh process and reports its peak RSS after embedding.

Measured on the 2-core dev machine while another benchmark ran (load ~6, so absolute
rates are ~2.5x below an idle machine; ratios are what count), 512 texts, 2 rounds,
embed() calls of 64:

    backend    texts/s  x torch  cos mean   cos min    top10  top1
    torch        7.1     1.00    1          1          1      1
    onnx        14.0     1.97    >0.9999999 0.9999998  1      1
    onnx-int8   30.4     4.28    0.99342    0.98502    0.894  0.88

A second run (256 texts): onnx 2.36x, int8 4.45x; cached ONNX load 0.4 s vs 5.8 s torch.
eval (stdlib email/, 50 queries, 1013 chunks, dense only), MRR@10 / R@1 / R@10:
torch 0.452 / 0.30 / 0.76, onnx identical, onnx-int8 0.465 / 0.32 / 0.74.
Padding waste (pad / all tokens) for batches of 16: unsorted 35%, cut from a
length-sorted batch of 64 (what EmbeddingThread now does) 21%; that sort measured
+8% texts/s on torch, +25% on int8, +60% on onnx fp32 (noisy). Call sizes 16-128 were
within noise of each other (64/128 slightly ahead), so the batch size stays 64.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from bench.retrieval import EVAL, load_scoring
from server.indexing.chunking import chunk_file
from server.indexing.chunking.tokens import TokenCounter
from server.indexing.embedder import Embedder
from server.indexing.embedding_model import DEFAULT_MODEL
from server.indexing.onnx_embedder import OnnxEmbedder
from server.indexing.torch_embedder import SentenceTransformerEmbedder

BACKENDS = ("torch", "onnx", "onnx-int8")


def stdlib_files(limit: int, seed: int) -> list[Path]:
    root = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(
        p
        for p in root.rglob("*.py")
        if "site-packages" not in p.parts and "test" not in p.parts and "tests" not in p.parts
    )
    random.Random(seed).shuffle(files)
    return files[:limit]


def code_chunks(files: Sequence[Path], budget: int = 256) -> list[str]:
    counter = TokenCounter()
    texts: list[str] = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        texts.extend(
            c.embed_text for c in chunk_file(str(path), text, budget=budget, count_tokens=counter)
        )
    return texts


def make_backend(kind: str, cache: Path, batch_size: int) -> Embedder:
    if kind == "torch":
        return SentenceTransformerEmbedder(DEFAULT_MODEL, batch_size=batch_size)
    return OnnxEmbedder(
        DEFAULT_MODEL, cache_dir=cache, quantized=kind == "onnx-int8", batch_size=batch_size
    )


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def embed_in_calls(embedder: Embedder, texts: Sequence[str], call_size: int) -> np.ndarray:
    """Embed in calls of `call_size` texts, as the index's EmbeddingThread does."""
    out: list[list[float]] = []
    for i in range(0, len(texts), call_size):
        out.extend(embedder.embed(texts[i : i + call_size]))
    return np.asarray(out, dtype=np.float32)


def top_k(queries: np.ndarray, corpus: np.ndarray, k: int) -> np.ndarray:
    scores = queries @ corpus.T
    return np.argsort(-scores, axis=1, kind="stable")[:, :k]


def agreement(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean([len(set(x) & set(y)) / len(x) for x, y in zip(a, b, strict=True)]))


def padding_waste(lengths: Sequence[int], batch: int, order: Sequence[int]) -> float:
    padded = 0
    for i in range(0, len(order), batch):
        part = [lengths[j] for j in order[i : i + batch]]
        padded += max(part) * len(part)
    return 1 - sum(lengths) / padded


def compare(args: argparse.Namespace, texts: list[str]) -> dict[str, dict]:
    backends = {k: make_backend(k, args.cache, args.batch_size) for k in args.backends}
    load_s = {}
    for kind, embedder in backends.items():
        load_s[kind] = timed(embedder.load)  # type: ignore[attr-defined]
        embedder.embed(texts[:8])  # warm-up
        if getattr(embedder, "fallback_reason", None):
            print(f"# {kind}: FELL BACK TO TORCH: {embedder.fallback_reason}", file=sys.stderr)
    seconds = {k: 0.0 for k in backends}
    vectors: dict[str, np.ndarray] = {}
    for _ in range(args.rounds):  # interleaved, so machine load hits every backend alike
        for kind, embedder in backends.items():
            started = time.perf_counter()
            vectors[kind] = embed_in_calls(embedder, texts, args.call_size)
            seconds[kind] += time.perf_counter() - started
    reference = vectors.get("torch")
    nq = args.queries
    results: dict[str, dict] = {}
    for kind in backends:
        rate = args.rounds * len(texts) / seconds[kind]
        row: dict = {"texts_per_s": round(rate, 1), "load_s": round(load_s[kind], 1)}
        row["name"] = backends[kind].name
        if reference is not None:
            cos = np.sum(vectors[kind] * reference, axis=1)
            ref_top = top_k(reference[:nq], reference[nq:], 10)
            own_top = top_k(vectors[kind][:nq], vectors[kind][nq:], 10)
            row.update(
                cos_mean=round(float(cos.mean()), 7),
                cos_min=round(float(cos.min()), 7),
                top10_agreement=round(agreement(own_top, ref_top), 4),
                top1_agreement=round(float(np.mean(own_top[:, 0] == ref_top[:, 0])), 4),
            )
        results[kind] = row
    if "torch" in results:
        base = results["torch"]["texts_per_s"]
        for row in results.values():
            row["speedup_vs_torch"] = round(row["texts_per_s"] / base, 2)
    return results


def batch_sizes(args: argparse.Namespace, texts: list[str]) -> dict:
    texts = texts[: args.batch_texts]
    counter = TokenCounter()
    lengths = [min(n + 2, 256) for n in counter.count_many(texts)]
    natural = list(range(len(texts)))
    by_chars = sorted(natural, key=lambda i: -len(texts[i]))
    by_tokens = sorted(natural, key=lambda i: lengths[i])
    waste = {
        b: {
            "unsorted": round(padding_waste(lengths, b, natural), 3),
            "chars_sorted": round(padding_waste(lengths, b, by_chars), 3),
            "tokens_sorted": round(padding_waste(lengths, b, by_tokens), 3),
        }
        for b in args.batch_sizes
    }
    # EmbeddingThread: index batches of 64 are sorted by length, then sent in slices of 16.
    sorted64_idx = [
        i
        for start in range(0, len(texts), 64)
        for i in sorted(range(start, min(start + 64, len(texts))), key=lambda i: len(texts[i]))
    ]
    sorted64 = [texts[i] for i in sorted64_idx]
    waste["16_sorted_in_64"] = round(padding_waste(lengths, 16, sorted64_idx), 3)
    runs = {f"calls_of_{b}": (texts, b) for b in args.batch_sizes}
    runs["calls_of_16_sorted_in_64"] = (sorted64, 16)
    rates: dict[str, dict[str, float]] = {}
    for kind in args.backends:
        embedder = make_backend(kind, args.cache, 64)
        embedder.load()  # type: ignore[attr-defined]
        embedder.embed(texts[:8])
        seconds = dict.fromkeys(runs, 0.0)
        for _ in range(args.rounds):
            for label, (batch, size) in runs.items():
                embedder.batch_size = size  # type: ignore[attr-defined]
                started = time.perf_counter()
                embed_in_calls(embedder, batch, size)
                seconds[label] += time.perf_counter() - started
        rates[kind] = {k: round(args.rounds * len(texts) / s, 1) for k, s in seconds.items()}
    return {"padding_waste": waste, "texts_per_s_by_call_size": rates}


def eval_task(args: argparse.Namespace) -> dict:
    """Dense retrieval on a make_corpus task built from one folder, for every backend."""
    scoring = load_scoring()
    task = Path(tempfile.mkdtemp(prefix="auro-embed-eval-"))
    subprocess.run(
        [sys.executable, str(EVAL / "make_corpus.py"), str(args.eval_src), str(task),
         "--queries", str(args.eval_queries)],
        check=True, capture_output=True,
    )  # fmt: skip
    queries = [json.loads(line) for line in (task / "queries.jsonl").read_text().splitlines()]
    corpus = task / "corpus"
    counter = TokenCounter()
    units: list[dict] = []
    for path in sorted(corpus.rglob("*.py")):
        text = path.read_text(encoding="utf-8", errors="replace")
        for c in chunk_file(str(path), text, budget=256, count_tokens=counter):
            units.append(
                {"path": str(path.relative_to(corpus)), "start": c.start_line,
                 "end": c.end_line, "text": c.embed_text}
            )  # fmt: skip
    out: dict = {"queries": len(queries), "chunks": len(units)}
    for kind in args.backends:
        embedder = make_backend(kind, args.cache, args.batch_size)
        docs = np.asarray(embedder.embed([u["text"] for u in units]), dtype=np.float32)
        qv = np.asarray(embedder.embed([q["query"] for q in queries]), dtype=np.float32)
        ranked = [[units[j] for j in row] for row in top_k(qv, docs, 10)]
        out[kind] = scoring.score_run(queries, ranked)
    return out


def query_latency(args: argparse.Namespace) -> dict:
    """One query per embed() call, as search embeds it; backends interleaved per query."""
    from bench.semble_scoring import load_tasks

    folder = Path(__file__).resolve().parent / "semble" / "annotations"
    queries = [t.query for f in sorted(folder.glob("*.json")) for t in load_tasks(f)]
    backends = {k: make_backend(k, args.cache, args.batch_size) for k in args.backends}
    for embedder in backends.values():
        embedder.load()  # type: ignore[attr-defined]
        embedder.embed(queries[:4])
    times: dict[str, list[float]] = {k: [] for k in backends}
    for _ in range(args.query_latency):
        for query in queries:
            for kind, embedder in backends.items():
                times[kind].append(1000 * timed(lambda e=embedder, q=query: e.embed([q])))
    return {
        "queries": len(queries),
        **{
            kind: {
                "p50_ms": round(float(np.percentile(t, 50)), 2),
                "p95_ms": round(float(np.percentile(t, 95)), 2),
            }
            for kind, t in times.items()
        },
    }


RSS_PROBE = """
import resource, sys
from pathlib import Path
from bench.embedding_backends import make_backend
embedder = make_backend(sys.argv[1], Path(sys.argv[2]), 64)
embedder.load()
embedder.embed(["def add(a, b):\\n    return a + b " * 20] * 64)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def peak_rss(args: argparse.Namespace) -> dict[str, int]:
    """Peak RSS (MB) of a fresh process that loads one backend and embeds 64 long texts."""
    out = {}
    for kind in args.backends:
        run = subprocess.run(
            [sys.executable, "-c", RSS_PROBE, kind, str(args.cache)],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        out[kind] = int(run.stdout.strip().splitlines()[-1])
    return out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=512)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=64, help="embedder batch size")
    parser.add_argument("--call-size", type=int, default=64, help="texts per embed() call")
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--cache", type=Path, default=None, help="ONNX export cache dir")
    parser.add_argument("--batch-sizes", default="", help="e.g. 16,32,64,128")
    parser.add_argument("--batch-texts", type=int, default=256, help="texts for --batch-sizes")
    parser.add_argument("--eval-src", type=Path, default=None)
    parser.add_argument("--eval-queries", type=int, default=50)
    parser.add_argument("--query-latency", type=int, default=0, help="rounds of single queries")
    parser.add_argument("--rss", action="store_true", help="peak RSS per backend")
    parser.add_argument("--no-throughput", action="store_true", help="skip the texts/s run")
    args = parser.parse_args(argv)
    args.backends = [b for b in args.backends.split(",") if b]
    args.batch_sizes = [int(b) for b in args.batch_sizes.split(",") if b]
    logging.basicConfig(level=logging.WARNING)
    if args.cache is None:
        args.cache = Path(tempfile.mkdtemp(prefix="auro-onnx-cache-"))

    if args.query_latency:
        print(json.dumps({"query_latency": query_latency(args)}), flush=True)
    if args.rss:
        print(json.dumps({"peak_rss_mb": peak_rss(args)}), flush=True)
    if args.no_throughput:
        return
    texts = code_chunks(stdlib_files(args.files, args.seed))
    random.Random(args.seed).shuffle(texts)
    texts = texts[: args.texts]
    print(f"# {len(texts)} chunk texts from {args.files} stdlib files; cache {args.cache}")
    results = compare(args, texts)
    print(f"{'backend':<10} {'texts/s':>8} {'x torch':>8} {'cos mean':>10} {'cos min':>10} "
          f"{'top10':>6} {'top1':>6} {'load s':>7}  name")  # fmt: skip
    for kind, r in results.items():
        print(
            f"{kind:<10} {r['texts_per_s']:>8} {r.get('speedup_vs_torch', ''):>8} "
            f"{r.get('cos_mean', ''):>10} {r.get('cos_min', ''):>10} "
            f"{r.get('top10_agreement', ''):>6} {r.get('top1_agreement', ''):>6} "
            f"{r['load_s']:>7}  {r['name']}"
        )
    print(json.dumps({"backends": results}))
    if args.batch_sizes:
        print(json.dumps(batch_sizes(args, texts)))
    if args.eval_src:
        print(json.dumps({"eval": eval_task(args)}))


if __name__ == "__main__":
    main()
