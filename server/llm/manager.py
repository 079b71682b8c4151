"""One entry point for chat: provider order, retries, failover, timeouts, context fitting.

Failover happens only before any text reached the caller; after that a broken stream raises
`StreamInterrupted` instead of retrying, so the caller never sees text twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass

from server.config import Settings
from server.health import ComponentHealth
from server.llm.budget import FittedPrompt, Prompt, fit_for_provider
from server.llm.endpoints import Endpoint, ProviderPool
from server.llm.errors import (
    BLIND,
    Attempt,
    ContextOverflow,
    ImagesUnsupported,
    LLMError,
    LLMRequestError,
    LLMUnavailable,
    ReplyTimeout,
    StillLoading,
    StreamInterrupted,
    UpstreamError,
)
from server.llm.events import ChatEvent, ChatResult, ReplyDone, ReplyStarted
from server.llm.factory import build_pools
from server.llm.loading import wait_until_ready
from server.llm.messages import (
    LLMRequest,
    StreamEnd,
    StreamOpened,
    TextDelta,
)
from server.llm.policy import BreakerPolicy, LoadPolicy, RetryPolicy, Timeouts
from server.llm.pool_health import configure_hint, health_report, overall_health
from server.llm.provider import LLMProvider
from server.llm.timing import next_event
from server.llm.usage import UsageTracker, completed_usage, unfinished_usage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReplyOptions:
    session_id: str | None = None
    max_tokens: int | None = None
    temperature: float | None = None


class LLMManager:
    """Streams answers from the first provider that works, in configured order."""

    def __init__(
        self,
        pools: list[ProviderPool],
        *,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        reply_reserve: int = 1024,
        usage: UsageTracker | None = None,
        load: LoadPolicy | None = None,
    ) -> None:
        self.pools = pools
        self.timeouts = timeouts or Timeouts()
        self.retry = retry or RetryPolicy()
        self.load = load or LoadPolicy()
        self.reply_reserve = reply_reserve
        self.usage = usage or UsageTracker()

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        usage: UsageTracker | None = None,
        retry: RetryPolicy | None = None,
        breaker: BreakerPolicy | None = None,
        load: LoadPolicy | None = None,
    ) -> LLMManager:
        timeouts = Timeouts.from_settings(settings)
        return cls(
            build_pools(settings, timeouts, breaker or BreakerPolicy()),
            timeouts=timeouts,
            retry=retry or RetryPolicy(max_retries=settings.llm_max_retries),
            reply_reserve=settings.llm_reply_reserve,
            usage=usage,
            load=load or LoadPolicy.from_settings(settings),
        )

    async def configure(self, settings: Settings) -> None:
        """Take new settings in place, so holders keep this object; usage is kept. The old
        providers close: a reply still streaming through one ends with an error."""
        fresh, previous = LLMManager.from_settings(settings, usage=self.usage), self.pools
        self.pools, self.timeouts, self.retry = fresh.pools, fresh.timeouts, fresh.retry
        self.load, self.reply_reserve = fresh.load, fresh.reply_reserve
        await close_pools(previous)

    @property
    def provider_names(self) -> list[str]:
        return [pool.name for pool in self.pools]

    # -- answering ------------------------------------------------------------------
    async def stream(
        self,
        prompt: Prompt,
        *,
        session_id: str | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> AsyncGenerator[ChatEvent, None]:
        """Yield `ReplyStarted` (once, before any text), `TextDelta`s, then `ReplyDone`;
        `ModelLoading` while the chosen server is still loading its model.

        Raises `LLMUnavailable` (nothing answered: says what was tried and what to
        configure), `ImagesUnsupported` (the question has images and no model sees them),
        `StreamInterrupted` (broke after text was sent) or `LLMRequestError`.
        Close the iterator (`contextlib.aclosing`) or cancel the task to stop: the upstream
        HTTP stream is closed at once.
        """
        options = ReplyOptions(session_id, max_tokens, temperature)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeouts.total
        attempts: list[Attempt] = []
        needs_sight = bool(prompt.images())
        for pool in self.pools:
            tried: set[Endpoint] = set()
            attempt = 0
            while attempt <= self.retry.max_retries:
                endpoint = pool.pick(avoid=tried)
                if endpoint is None:
                    reasons = "; ".join(e.unavailable_reason() for e in pool.endpoints)
                    urls = ", ".join(e.url for e in pool.endpoints)
                    attempts.append(Attempt(pool.name, urls, f"skipped: {reasons}"))
                    break
                tried.add(endpoint)
                if needs_sight and await endpoint.provider.sees_images() is False:
                    attempts.append(Attempt(pool.name, endpoint.url, BLIND))
                    if tried.issuperset(pool.endpoints):
                        break
                    continue  # checked before sending: a blind model never gets the question
                # wait for a loading server only when no other endpoint of this kind is free
                wait = not any(e.available() and e not in tried for e in pool.endpoints)
                try:
                    attempt_events = self._attempt(endpoint, prompt, options, deadline, wait)
                    async with aclosing(attempt_events):
                        async for event in attempt_events:
                            yield event
                    return
                except UpstreamError as exc:
                    attempts.append(Attempt(pool.name, endpoint.url, str(exc)))
                    log.warning("LLM attempt failed: %s", exc)
                    if isinstance(exc, StillLoading) and not wait:
                        continue  # on to the free sibling; a loading server costs no retry
                    delay = self._retry_delay(pool, endpoint, tried, exc, attempt)
                    if delay is None or loop.time() + delay >= deadline:
                        break
                    await asyncio.sleep(delay)
                    attempt += 1
            if loop.time() >= deadline:
                attempts.append(Attempt("all", "-", f"total timeout {self.timeouts.total}s"))
                break
        if attempts and all(a.error == BLIND for a in attempts):
            raise ImagesUnsupported(attempts)
        raise LLMUnavailable(attempts, configure_hint(self.pools))

    def _retry_delay(
        self,
        pool: ProviderPool,
        endpoint: Endpoint,
        tried: set[Endpoint],
        error: UpstreamError,
        attempt: int,
    ) -> float | None:
        """Seconds to wait before the next try of this provider, None to fail over now."""
        if not error.retryable or attempt >= self.retry.max_retries:
            return None
        if error.retry_after is not None and error.retry_after > self.retry.max_retry_after:
            endpoint.block(error.retry_after)
        if any(e.available() and e not in tried for e in pool.endpoints):
            return 0.0
        if not endpoint.available():
            return None
        return max(self.retry.backoff(attempt), error.retry_after or 0.0)

    async def complete(
        self,
        prompt: Prompt,
        *,
        session_id: str | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> ChatResult:
        """The whole answer at once, with the same failover and timeouts as `stream`."""
        parts: list[str] = []
        stream = self.stream(
            prompt, session_id=session_id, max_tokens=max_tokens, temperature=temperature
        )
        async with aclosing(stream):
            async for event in stream:
                if isinstance(event, TextDelta):
                    parts.append(event.text)
                elif isinstance(event, ReplyDone):
                    return ChatResult("".join(parts), event)
        raise LLMError("the answer ended without completing")

    # -- one endpoint -------------------------------------------------------------------
    async def _attempt(
        self,
        endpoint: Endpoint,
        prompt: Prompt,
        options: ReplyOptions,
        deadline: float,
        wait_for_load: bool = True,
    ) -> AsyncGenerator[ChatEvent, None]:
        provider = endpoint.provider
        loop = asyncio.get_running_loop()
        started = loop.time()
        first_token_at = started
        endpoint.in_flight += 1
        endpoint.started += 1
        if endpoint.breaker.failures:  # recovering: the server may run another model now
            provider.forget_model_info()
        endpoint.breaker.started()
        sent: list[str] = []
        verdict: bool | None = None
        fitted: FittedPrompt | None = None
        reached = False  # the server took the request, so it spent tokens on it
        cancelled = False
        try:
            fitted = await fit_for_provider(
                provider, prompt, options.max_tokens or self.reply_reserve, deadline
            )
            overflowed = False
            loading_since: float | None = None
            while True:
                # the reply limit is the reserve the prompt was fitted around
                request = LLMRequest(fitted.messages, fitted.report.reserve, options.temperature)
                end: StreamEnd | None = None
                reached = True
                try:
                    async with aclosing(provider.stream(request)) as events:
                        opened = False
                        try:
                            while (
                                event := await next_event(
                                    provider, events, self.timeouts, sent, deadline
                                )
                            ) is not None:
                                if isinstance(event, StreamOpened):
                                    opened = True
                                elif isinstance(event, StreamEnd):
                                    end = event
                                elif event.text:
                                    if not sent:
                                        first_token_at = loop.time()
                                        yield ReplyStarted(
                                            provider.name,
                                            provider.model,
                                            provider.endpoint,
                                            fitted.report,
                                        )
                                    sent.append(event.text)
                                    yield event
                        except (UpstreamError, ContextOverflow) as exc:
                            # refused before it began (HTTP error, no connection): no tokens
                            reached = opened or isinstance(exc, ReplyTimeout)
                            raise
                    break
                except StillLoading:
                    if not wait_for_load:
                        raise
                    loading_since = loading_since or loop.time()
                    waiting = wait_until_ready(provider, loading_since, deadline, self.load)
                    async with aclosing(waiting):
                        async for loading in waiting:
                            yield loading
                    provider.forget_model_info()  # a fresh load may bring a new window
                    fitted = await fit_for_provider(
                        provider, prompt, options.max_tokens or self.reply_reserve, deadline
                    )
                except ContextOverflow as exc:
                    if overflowed or sent or not exc.n_ctx:
                        raise UpstreamError(
                            f"{provider.name}: the prompt does not fit its window ({exc})",
                            provider=provider.name,
                            endpoint=provider.endpoint,
                            retryable=False,
                        ) from exc
                    overflowed = True
                    log.info("%s reports n_ctx=%s; trimming and retrying", provider.name, exc.n_ctx)
                    provider.learn_context_size(exc.n_ctx)
                    fitted = await fit_for_provider(
                        provider, prompt, options.max_tokens or self.reply_reserve, deadline
                    )
            if end is None:
                raise UpstreamError(
                    f"{provider.name}: the stream ended without a final event",
                    provider=provider.name,
                    endpoint=provider.endpoint,
                )
            done = ReplyDone(
                provider=provider.name,
                model=provider.model,
                endpoint=provider.endpoint,
                usage=completed_usage(end.usage, fitted.report.prompt_tokens, "".join(sent)),
                finish_reason=end.finish_reason,
                latency_s=loop.time() - started,
                first_token_s=first_token_at - started,
                budget=fitted.report,
            )
            if not sent:
                yield ReplyStarted(provider.name, provider.model, provider.endpoint, fitted.report)
            verdict = True
            self.usage.record_success(
                provider=provider.name,
                model=provider.model,
                session_id=options.session_id,
                usage=done.usage,
                latency_s=done.latency_s,
                first_token_s=done.first_token_s,
            )
            yield done
        except UpstreamError as exc:
            # a model still loading is not the server failing; skipped for a free sibling
            # (retryable), it is not even an error of this request
            still_loading = isinstance(exc, StillLoading)
            verdict = None if still_loading else False
            if not (still_loading and exc.retryable):
                self._record_error(provider, options, exc)
            if sent:
                raise StreamInterrupted(provider.name, sum(map(len, sent)), str(exc)) from exc
            raise
        except LLMRequestError as exc:
            self._record_error(provider, options, exc)
            raise
        except (asyncio.CancelledError, GeneratorExit):
            cancelled = verdict is None
            raise
        finally:
            endpoint.in_flight -= 1
            if verdict is True:
                endpoint.breaker.succeeded()
            elif verdict is False:
                endpoint.breaker.failed()
            else:
                endpoint.breaker.released()
            if verdict is not True and reached and fitted is not None:
                # the server worked on it: charge its tokens (our counts, the server's come
                # only with the last chunk)
                self.usage.record_unfinished(
                    provider=provider.name,
                    model=provider.model,
                    session_id=options.session_id,
                    usage=unfinished_usage(fitted.report.prompt_tokens, "".join(sent)),
                    cancelled=cancelled,
                )

    def _record_error(self, provider: LLMProvider, options: ReplyOptions, exc: LLMError) -> None:
        self.usage.record_error(
            provider=provider.name,
            model=provider.model,
            session_id=options.session_id,
            error=str(exc),
        )

    # -- health -----------------------------------------------------------------------
    async def health_report(self) -> dict[str, ComponentHealth]:
        """Per provider kind; providers that are not configured say what to set."""
        return await health_report(self.pools)

    async def health(self) -> ComponentHealth:
        """ok: the first provider works; degraded: a fallback works; down: none works."""
        return await overall_health(self.pools, configure_hint(self.pools))

    async def aclose(self) -> None:
        await close_pools(self.pools)


async def close_pools(pools: list[ProviderPool]) -> None:
    for pool in pools:
        for endpoint in pool.endpoints:
            await endpoint.provider.aclose()
