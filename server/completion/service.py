"""The inline completion service: cache, context, then the first FIM endpoint that answers.

Constructible from settings and a search callable, so any front end (LSP today) can hold
one. Failover is across endpoints, never a wait: a loading, FIM-less or failing endpoint is
skipped and named in the outcome's notes. Cancelling the caller's task cancels the
upstream HTTP request at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import aiohttp

from server.completion.cache import Cached, PrefixCache
from server.completion.context import PREFIX_LINES, SUFFIX_LINES, SearchFn, gather_context, window
from server.completion.endpoints import FimEndpoint, build_endpoints
from server.completion.providers import NoFim, ProviderFailed, ProviderLoading, ProviderSkipped
from server.completion.recent_edits import RecentEdits
from server.completion.request import CompletionInput, CompletionOutcome, FimAnswer, FimRequest
from server.completion.shape import trim_completion, wants_multiline
from server.completion.tokens import Counted, TokenCounter
from server.config import Settings
from server.indexing.search import Retriever

log = logging.getLogger(__name__)

SINGLE_LINE_TOKENS = 48
TIME_LIMIT_MS = {False: 500, True: 2000}  # automatic vs. invoked: llama.cpp's t_max_predict_ms
REQUEST_TIMEOUT = {False: 5.0, True: 15.0}


class CompletionService:
    def __init__(
        self,
        settings: Settings,
        search: SearchFn,
        label_of: Callable[[str], str] = lambda path: Path(path).name,
    ) -> None:
        """`label_of`: the name a file is shown to the model by (relative to its root)."""
        self.search = search
        self.cache = PrefixCache()
        self.recent = RecentEdits(settings.inline_completion_recent_regions, label_of)
        self.tokens = TokenCounter()
        self._session: aiohttp.ClientSession | None = None
        self.apply_settings(settings)

    def apply_settings(self, settings: Settings) -> None:
        """New endpoints (and fresh breakers) from the settings; the cache is kept."""
        self.settings = settings
        self.endpoints, self.skipped_providers = build_endpoints(settings)
        self.recent.max_regions = settings.inline_completion_recent_regions

    # -- the record of recent edits, fed by the front end's document events ------------
    def document_opened(self, path: str, text: str) -> None:
        if self.settings.inline_completion_enabled:
            self.recent.opened(path, text)

    def document_changed(self, path: str, text: str) -> None:
        """`text` is the whole buffer after the change."""
        if self.settings.inline_completion_enabled:
            self.recent.changed(path, text)

    def _tokenizer(self) -> str | None:
        """The first llama.cpp endpoint that may answer: its `/tokenize` costs the chunks."""
        for endpoint in self.endpoints:
            if endpoint.provider.name == "llamacpp" and endpoint.available():
                return endpoint.provider.endpoint
        return None

    async def _count(self, texts: Sequence[str]) -> Counted:
        return await self.tokens.count(self._http(), self._tokenizer(), texts)

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connect = self.settings.llm_connect_timeout
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(sock_connect=connect)
            )
        return self._session

    def disabled_reason(self, language: str) -> str | None:
        if not self.settings.inline_completion_enabled:
            return "inline completion is off (AURO_INLINE_COMPLETION)"
        if language and language in self.settings.inline_completion_disabled_languages:
            return f"inline completion is off for {language}"
        return None

    async def complete(self, request: CompletionInput) -> CompletionOutcome:
        if (reason := self.disabled_reason(request.language)) is not None:
            return CompletionOutcome(notes=[reason])
        document = str(request.path)
        if (hit := self.cache.lookup(document, request.prefix, request.suffix)) is not None:
            return CompletionOutcome(hit.text, hit.multiline, cached=True)
        multiline = wants_multiline(request.prefix, request.suffix)
        prefix, suffix = window(request.prefix, request.suffix)
        # invoked: worth a query embedding; automatic: keyword search only, for speed
        retrievers: tuple[Retriever, ...] = ("dense", "keyword")
        if not request.invoked:
            retrievers = ("keyword",)
        cursor = request.prefix.count("\n")
        seen = (document, cursor - PREFIX_LINES + 1, cursor + SUFFIX_LINES - 1)
        context = await gather_context(
            self.search,
            prefix,
            suffix,
            document,
            self.settings.inline_completion_context_tokens,
            retrievers,
            self.recent.snippets(skip=seen),
            self._count,
        )
        fim = FimRequest(
            prefix=prefix,
            suffix=suffix,
            extra=context.chunks,
            max_tokens=self.settings.inline_completion_max_tokens
            if multiline
            else SINGLE_LINE_TOKENS,
            time_limit_ms=TIME_LIMIT_MS[request.invoked],
            stop=[] if multiline else ["\n"],
        )
        outcome = CompletionOutcome(
            multiline=multiline,
            context_files=sorted({c.filename for c in context.chunks}),
            context_tokens=context.tokens,
            context_tokens_estimated=not context.exact,
            notes=[*self.skipped_providers, *context.notes],
        )
        if withheld := self.recent.withheld():
            outcome.notes.append(
                f"recent edits of {withheld} document(s) withheld: they hold a credential"
            )
        answer = await self._first_answer(fim, request.invoked, outcome.notes)
        if answer is None:
            return outcome
        outcome.provider = answer.provider
        outcome.text = trim_completion(
            answer.text, request.suffix, multiline, self.settings.inline_completion_max_lines
        )
        self.cache.store(document, Cached(request.prefix, request.suffix, outcome.text, multiline))
        return outcome

    async def _first_answer(
        self, fim: FimRequest, invoked: bool, notes: list[str]
    ) -> FimAnswer | None:
        if not self.endpoints:
            notes.append("no FIM provider configured (LLAMACPP_SERVER_URL or OPENAI_BASE_URL)")
            return None
        for endpoint in self.endpoints:
            if not endpoint.available():
                notes.append(endpoint.unavailable_reason())
                continue
            try:
                return await self._ask(endpoint, fim, invoked)
            except ProviderSkipped as exc:
                notes.append(str(exc))
        return None

    async def _ask(self, endpoint: FimEndpoint, fim: FimRequest, invoked: bool) -> FimAnswer:
        endpoint.breaker.started()
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT[invoked]):
                answer = await endpoint.provider.infill(self._http(), fim)
        except ProviderLoading:
            endpoint.breaker.released()  # loading is not a failure; it is just skipped
            raise
        except NoFim:
            endpoint.breaker.released()
            endpoint.set_aside()
            raise
        except ProviderFailed:
            endpoint.breaker.failed()
            raise
        except TimeoutError as exc:
            endpoint.breaker.failed()
            raise ProviderFailed(f"{endpoint.provider.name}: no answer in time") from exc
        except BaseException:
            endpoint.breaker.released()  # cancelled: no verdict on the endpoint
            raise
        endpoint.breaker.succeeded()
        return answer

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
