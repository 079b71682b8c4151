"""What a reply must say besides its text: context that was cut or left out to fit the
window, and an answer the reply limit or the window cut short (with how to get the rest).

Every interface shows these notices (LSP result, REST JSON and SSE, CLI stderr, web UI), so
the user never mistakes a partial answer or a partial context for a whole one.
"""

from __future__ import annotations

from server.llm import BudgetReport, ReplyDone

CONTINUE_WORD = "continue"
SHOWN_LOCATIONS = 5


def locations(items: list[str]) -> str:
    shown = ", ".join(items[:SHOWN_LOCATIONS])
    more = len(items) - SHOWN_LOCATIONS
    return f"{shown} and {more} more" if more > 0 else shown


def context_notices(budget: BudgetReport) -> list[str]:
    """One line per kind of context that did not reach the model whole."""
    notes = [
        f"Cut {cut.origin} to lines {cut.start_line}-{cut.end_line} (around the best match "
        "for the question) to fit the model's window."
        for cut in budget.cut_chunks
    ]
    if budget.dropped_chunks:
        notes.append(
            f"Left out {len(budget.dropped_chunks)} retrieved code piece(s) that did not fit "
            f"the model's window: {locations(budget.dropped_chunks)}."
        )
    if budget.dropped_tool_results:
        notes.append(
            f"Left out {len(budget.dropped_tool_results)} web page(s) that did not fit the "
            f"model's window: {locations(budget.dropped_tool_results)}."
        )
    if budget.dropped_history:
        notes.append(
            f"Left out the {budget.dropped_history} oldest message(s) of this session to fit "
            "the model's window."
        )
    return notes


def truncation_notice(done: ReplyDone) -> str:
    """Why the answer stops early and how to get the rest: the partial answer stays in the
    session, so the next turn can pick up where it ended."""
    tokens = done.usage.completion_tokens
    if tokens >= done.reply_limit:
        cause = f"the reply limit of {done.reply_limit} tokens"
    else:
        cause = "the model's context window"
    return (
        f"The reply was cut off after {tokens} tokens by {cause}. "
        f'Send "{CONTINUE_WORD}" in this session to get the rest.'
    )
