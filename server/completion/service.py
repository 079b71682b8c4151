"""The inline completion service: cache, context, then the first FIM endpoint that answers.

Constructible from settings and a search callable, so any front end (LSP today) can hold
one. Failover is across endpoints, never a wait: a loading, FIM-less or failing endpoint is
skipped and named in the outcome's notes. Cancelling the caller's task cancels the
upstream HTTP request at once.
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp

from server.completion.cache import Cached, PrefixCache
from server.completion.context import SearchFn, gather_context, window
from server.completion.endpoints import FimEndpoint, build_endpoints
from server.completion.providers import NoFim, ProviderFailed, ProviderLoading, ProviderSkipped
from server.completion.request import CompletionInput, CompletionOutcome, FimAnswer, FimRequest
from server.completion.shape import trim_completion, wants_multiline
from server.config import Settings
from server.indexing.search import Retriever

log = logging.getLogger(__name__)

SINGLE_LINE_TOKENS = 48
TIME_LIMIT_MS = {False: 500, True: 2000}  # automatic vs. invoked: llama.cpp's t_max_predict_ms
REQUEST_TIMEOUT = {False: 5.0, True: 15.0}


class CompletionService:
    def __init__(self, settings: Settings, search: SearchFn) -> None:
        self.search = search
        self.cache = PrefixCache()
        self._session: aiohttp.ClientSession | None = None
        self.apply_settings(settings)

    def apply_settings(self, settings: Settings) -> None:
        """New endpoints (and fresh breakers) from the settings; the cache is kept."""
        self.settings = settings
        self.endpoints, self.skipped_providers = build_endpoints(settings)

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
        context = await gather_context(
            self.search,
            prefix,
            suffix,
            document,
            self.settings.inline_completion_context_tokens,
            retrievers,
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
            notes=[*self.skipped_providers, *context.notes],
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
