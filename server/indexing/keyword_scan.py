"""`KeywordScanner`: the keyword worker's passes, which bring the catalog and its FTS5 index in
line with the disk.

A full scan walks the root, forgets catalog files gone from disk and re-chunks every file
whose stat changed (every file when forced); a change batch re-checks only the paths named,
folders expanded to their files. Files are read, hashed and chunked in a worker thread; one
whose hash did not change only gets its new stat. The scanner owns `scanning_all` and
`discovered` (status shows the walk's count, and embedding waits while a full scan runs);
when to scan, and which kind of pass, is `WorkspaceIndex`'s decision.

Every file left out is kept in `skipped` with its reason (too large, binary, secret,
ignored, ...), for status to count and list. One file never stops a pass: a name that is not
valid UTF-8 or a chunker failure skips that file, which `notices()` names in the warnings.
Files change while a pass runs (and without a watcher nobody says so), so `stale_paths()`
re-walks the root and names what differs from what the last walk saw; the index re-checks
those before it settles.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from server.config import Settings
from server.indexing.catalog import Catalog, FileRecord
from server.indexing.chunk import Chunk
from server.indexing.chunking import (
    TokenCounter,
    chunk_file,
    chunker_fingerprint,
    detect_language,
)
from server.indexing.discovery import IGNORE_FILES, Discovery, FoundFile, is_binary
from server.indexing.embedder import Embedder
from server.indexing.embedding_model import resolve_model_path
from server.indexing.path_text import is_text, shown
from server.indexing.progress import Skipped, SkippedFile, SkipReason
from server.indexing.vector_sync import VectorSync

log = logging.getLogger(__name__)

RULE_FILES = {*IGNORE_FILES, "exclude"}
CHUNKER_META = "chunker"  # catalog meta key: the chunker_fingerprint the chunks were made by
NAMED_IN_WARNING = 5


def load_token_counter(settings: Settings, embedder: Embedder) -> Callable[[str], int]:
    """The embedding model's tokenizer, so that chunk budgets match what the model sees."""
    try:
        return TokenCounter(model_path=resolve_model_path(settings.embedding_model))
    except Exception as exc:
        log.warning("tokenizer of %s unavailable (%s); using the default", embedder, exc)
        return TokenCounter()


@dataclass
class _Touch:
    size: int
    mtime_ns: int


def skip_of(rel: str, reason: str) -> SkippedFile | None:
    """`Discovery.skip_reason`'s answer as a listed skip; None for a file that is gone."""
    kinds: tuple[tuple[str, SkipReason], ...] = (
        ("secret", "secret"),
        ("binary", "binary"),
        ("too large", "too large"),
        ("unreadable", "unreadable"),
        ("outside", "outside the root"),
        ("symlink", "outside the root"),
    )
    if reason.startswith(("missing", "not a regular")):
        return None
    for prefix, kind in kinds:
        if reason.startswith(prefix):
            return SkippedFile(rel, kind, reason)
    return SkippedFile(rel, "ignored", reason)


def _watched(rel: str) -> bool:
    """Files whose changes the verify walk looks for: indexable types and ignore rules (a
    log file appended to all the time must not keep the index from settling)."""
    return detect_language(rel) is not None or Path(rel).name in RULE_FILES


class KeywordScanner:
    """Writes one root's files into the catalog; their stale vectors leave via `VectorSync`."""

    def __init__(
        self,
        root: Path,
        settings: Settings,
        discovery: Discovery,
        catalog: Catalog,
        sync: VectorSync,
        count_tokens: Callable[[str], int],
        *,
        priority: Callable[[], Sequence[str]],
        on_file: Callable[[], None],
        on_chunks: Callable[[], None],
    ) -> None:
        """`on_file`: one file went through a pass; `on_chunks`: new chunks await vectors."""
        self.root = root
        # both replaced by WorkspaceIndex.apply_settings
        self.settings = settings
        self.discovery = discovery
        self.scanning_all = False
        self.walking = False  # the full scan is still walking the folder
        self.discovered = 0  # files the walk found (counted while it walks)
        self.passing = False  # a pass goes through its files (after the walk, if any)
        self.pass_done = 0  # files of the running (or last) pass checked so far
        self.pass_total = 0
        self._skipped: dict[str, SkippedFile] = {}  # path -> why it is not indexed
        self._skipped_report: Skipped | None = None  # built on demand, dropped on change
        self.rechunking = ""  # why every file is being re-chunked, while it is (see notices)
        self._seen: dict[str, tuple[int, int]] = {}  # path -> (size, mtime_ns) at the last walk
        self._catalog = catalog
        self._sync = sync
        self._count_tokens = count_tokens
        self._priority = priority
        self._on_file = on_file
        self._on_chunks = on_chunks

    async def scan_all(self, force: bool) -> None:
        """Walk the root, open files first, then the most recently modified."""
        self.scanning_all = True
        self.walking, self.discovered = True, 0
        try:
            found, skipped = await asyncio.to_thread(self._walk)
            self._skipped, self._skipped_report = skipped, None
            self._seen = {f.path: (f.size, f.mtime_ns) for f in found if _watched(f.path)}
            known = await asyncio.to_thread(self._catalog.files)
            on_disk = {f.path for f in found}
            await self._remove([path for path in known if path not in on_disk])
            rank = {path: i for i, path in enumerate(self._priority())}
            found.sort(key=lambda f: (rank.get(f.path, len(rank)), -f.mtime_ns))
            rechunk = await self._chunker_changed(bool(known))
            for item in found:
                record = known.get(item.path)
                same_stat = record and (record.size, record.mtime_ns) == (item.size, item.mtime_ns)
                if not same_stat or force or rechunk:
                    await self._index_file(item.path, record, rechunk)
                self._file_done()
            await asyncio.to_thread(self._catalog.vectors.drop_unused_vectors)
            fingerprint = chunker_fingerprint(self.settings.chunk_size)
            await asyncio.to_thread(self._catalog.db.set_meta, CHUNKER_META, fingerprint)
            self.rechunking = ""
        finally:
            self.scanning_all = self.walking = self.passing = False

    def _walk(self) -> tuple[list[FoundFile], dict[str, SkippedFile]]:
        """The walk (worker thread), counting files as it finds them for the progress."""
        skipped: dict[str, SkippedFile] = {}

        def on_skip(rel: str, reason: SkipReason, detail: str) -> None:
            skipped[rel] = SkippedFile(rel, reason, detail)

        found: list[FoundFile] = []
        for item in self.discovery.walk(on_skip=on_skip):
            found.append(item)
            self.discovered = len(found)
        self._start_pass(len(found))  # before the phase turns to the keyword pass
        self.walking = False
        return found, skipped

    def _start_pass(self, total: int) -> None:
        self.passing, self.pass_done, self.pass_total = True, 0, total

    def _file_done(self) -> None:
        self.pass_done += 1
        self._on_file()

    async def _chunker_changed(self, indexed: bool) -> bool:
        """Whether the stored chunks were made by another chunker version or budget: then
        every file is re-chunked (vectors of unchanged chunks are reused by content hash)."""
        wanted = chunker_fingerprint(self.settings.chunk_size)
        stored = await asyncio.to_thread(self._catalog.db.get_meta, CHUNKER_META)
        if not indexed or stored == wanted:
            return False
        self.rechunking = (
            f"re-chunking every file: the index was chunked by {stored or 'chunker v1'}, "
            f"this version chunks {wanted}; results are partial until indexing completes"
        )
        log.info("%s", self.rechunking)
        return True

    async def scan_changes(self, batch: set[str]) -> bool:
        """Re-check changed paths (files or folders); excluded or vanished ones leave.

        Returns False, having scanned nothing, when an ignore-rule file changed: new rules
        can touch any file, so only a full scan applies them."""
        if any(Path(path).name in RULE_FILES for path in batch):
            self.discovery.forget_rules()
            return False
        known = await asyncio.to_thread(self._catalog.files)
        candidates = await asyncio.to_thread(self._expand, batch, known)
        rank = {path: i for i, path in enumerate(self._priority())}
        self._start_pass(len(candidates))
        try:
            await self._check_each(
                sorted(candidates, key=lambda p: (rank.get(p, len(rank)), p)), known
            )
        finally:
            self.passing = False
        return True

    async def _check_each(self, paths: list[str], known: dict[str, FileRecord]) -> None:
        """A change batch's files, one by one: skipped (and removed) or (re)indexed."""
        for rel in paths:
            self._skip(rel, None)
            reason = await asyncio.to_thread(self.discovery.skip_reason, rel)
            if reason is not None:
                log.debug("skip %s: %s", rel, reason)
                self._skip(rel, skip_of(rel, reason))
                if rel in known:
                    await self._remove([rel])
            else:
                await self._index_file(rel, known.get(rel))
            self._file_done()

    async def stale_paths(self) -> set[str]:
        """Walk again: paths that appeared, vanished or changed since the last walk saw them,
        and catalog files no longer on disk. What they become is up to `scan_changes`."""
        found = await asyncio.to_thread(lambda: list(self.discovery.walk()))
        known = await asyncio.to_thread(self._catalog.files)
        now = {f.path: (f.size, f.mtime_ns) for f in found if _watched(f.path)}
        stale = {path for path, stat in now.items() if self._seen.get(path) != stat}
        stale |= self._seen.keys() - now.keys()
        stale |= known.keys() - {f.path for f in found}
        self._seen = now
        return stale

    @property
    def skipped(self) -> Skipped:
        """The files left out, counted by reason (rebuilt only after a change)."""
        if self._skipped_report is None:
            self._skipped_report = Skipped.of(self._skipped)
        return self._skipped_report

    def _skip(self, rel: str, skip: SkippedFile | None) -> None:
        """Record why `rel` is left out (None: it no longer is)."""
        if skip is None:
            if self._skipped.pop(rel, None) is not None:
                self._skipped_report = None
        else:
            self._skipped[rel] = skip
            self._skipped_report = None

    def notices(self) -> list[str]:
        """A re-chunking in progress, and the files that failed to index (a few named);
        files skipped by the rules are counted in status, not warned about."""
        failed = sorted((s.path, s.detail) for s in self._skipped.values() if s.reason == "failed")
        if not failed:
            return [self.rechunking] if self.rechunking else []
        items = failed
        named = ", ".join(f"{shown(path)} ({why})" for path, why in items[:NAMED_IN_WARNING])
        more = len(items) - NAMED_IN_WARNING
        tail = f" and {more} more" if more > 0 else ""
        skipped = f"{len(items)} file(s) not indexed: {named}{tail}"
        return [self.rechunking, skipped] if self.rechunking else [skipped]

    def _expand(self, batch: set[str], known: dict[str, FileRecord]) -> set[str]:
        """Changed paths to files: folders expand to their catalog entries and disk files."""
        folders = {str(parent) for path in known for parent in Path(path).parents}
        candidates: set[str] = set()
        for rel in batch:
            if rel in known:
                candidates.add(rel)
            if rel in folders:
                prefix = rel + "/"
                candidates.update(path for path in known if path.startswith(prefix))
            if (self.root / rel).is_dir():
                candidates.update(found.path for found in self.discovery.walk(rel))
            else:
                candidates.add(rel)
        return candidates

    async def _index_file(self, rel: str, record: FileRecord | None, rechunk: bool = False) -> None:
        prepared = await asyncio.to_thread(self._prepare, rel, record, rechunk)
        if isinstance(prepared, SkippedFile):
            if prepared.reason == "failed":
                log.warning("not indexed: %s: %s", shown(rel), prepared.detail)
            self._skip(rel, prepared)
        if prepared is None or isinstance(prepared, SkippedFile):
            if record is not None:
                await self._remove([rel])
            return
        if isinstance(prepared, _Touch):
            await asyncio.to_thread(self._catalog.touch_file, rel, prepared.size, prepared.mtime_ns)
            return
        fresh, chunks = prepared
        async with self._sync.lock:
            stale = await asyncio.to_thread(self._catalog.replace_file, fresh, chunks)
            await self._sync.delete(stale)
        if chunks:
            self._on_chunks()

    def _prepare(
        self, rel: str, record: FileRecord | None, rechunk: bool = False
    ) -> tuple[FileRecord, list[Chunk]] | _Touch | SkippedFile | None:
        """Read, hash and chunk one file (worker thread). None = not a file type the index
        reads (or gone); a SkippedFile says why this one is left out; an unchanged file is
        only touched unless `rechunk` (the chunker changed)."""
        language = detect_language(rel)
        if language is None:
            log.debug("skip %s: unsupported file type", rel)
            return None
        full = self.root / rel
        try:
            info = full.stat()
            data = full.read_bytes()
        except OSError as exc:
            log.debug("skip %s: unreadable (%s)", rel, exc)
            return None
        if len(data) > self.settings.max_file_bytes:
            return SkippedFile(rel, "too large", self.discovery.size_detail(len(data)))
        if is_binary(data):
            log.debug("skip %s: binary", rel)
            return SkippedFile(rel, "binary", "a NUL byte in the first 8 KB")
        kind = self.discovery.holds_secret(rel, data)
        if kind is not None:
            return SkippedFile(rel, "secret", f"content holds a credential: {kind}")
        digest = hashlib.sha256(data).hexdigest()
        if record is not None and record.sha256 == digest and not rechunk:
            return _Touch(info.st_size, info.st_mtime_ns)
        if not is_text(rel):
            return SkippedFile(rel, "failed", "file name is not valid UTF-8")
        text = data.decode("utf-8", errors="replace")
        try:
            chunks = chunk_file(
                rel, text, budget=self.settings.chunk_size, count_tokens=self._count_tokens
            )
        except Exception as exc:  # this file's content; the pass goes on
            log.debug("chunking %s failed", rel, exc_info=True)
            reason = f"chunking failed: {type(exc).__name__}: {str(exc)[:200]}"
            return SkippedFile(rel, "failed", reason)
        return FileRecord(rel, info.st_size, info.st_mtime_ns, digest, language), chunks

    async def _remove(self, paths: Sequence[str]) -> None:
        if not paths:
            return
        async with self._sync.lock:
            stale = await asyncio.to_thread(self._catalog.remove_files, paths)
            await self._sync.delete(stale)
