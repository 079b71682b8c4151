/**
 * The inline completion status bar toggle: its text and a tooltip saying what the last
 * request did (provider, cache, context files, and the server's notes on why nothing came).
 * Pure: no `vscode` import.
 */

import { EnabledState, LastOutcome } from './inlineCompletion';

export interface InlineStatusInput {
  state: EnabledState;
  /** Why no request is made for the active editor (language disabled), if so. */
  skip?: string;
  last?: LastOutcome;
  clientRunning: boolean;
}

export interface InlineStatusView {
  text: string;
  tooltip: string;
}

const LABEL = 'Inline';

function describe(last: LastOutcome): string[] {
  if (last.error) return [`Last request failed: ${last.error}`];
  const lines: string[] = [];
  if (last.items > 0) {
    const source = last.local ? 'typed-through cache' : last.cached ? `${last.provider ?? 'server'} (cached)` : last.provider ?? 'server';
    const context = last.contextFiles.length ? `, context from ${last.contextFiles.length} other file(s)` : '';
    lines.push(`Last suggestion: ${source}${context}`);
  } else {
    lines.push('Last request: no suggestion');
  }
  if (last.dropped > 0) lines.push(`${last.dropped} suggestion(s) not shown: not on the cursor's line`);
  for (const note of last.notes) lines.push(`• ${note}`);
  return lines;
}

/** A request came back empty for a reason the user should see (no provider, loading, off). */
function needsAttention(last: LastOutcome | undefined): boolean {
  if (!last) return false;
  return last.error !== undefined || (last.items === 0 && last.provider === null && last.notes.length > 0);
}

export function formatInlineStatus(input: InlineStatusInput): InlineStatusView {
  const { state } = input;
  const lines: string[] = [];
  if (!state.enabled) {
    const tooltip = state.offByWorkspace
      ? 'Auro-PAI inline completion: off in this workspace\'s settings (auro.inlineCompletion.enabled).\nClick to open them.'
      : 'Auro-PAI inline completion: off.\nClick to turn it on (user settings).';
    return { text: `$(circle-slash) ${LABEL}`, tooltip };
  }
  if (input.skip) {
    lines.push(`Auro-PAI inline completion: ${input.skip}`);
  } else {
    lines.push('Auro-PAI inline completion: on');
    if (!input.clientRunning) lines.push('The language server is not running.');
    if (input.last) lines.push(...describe(input.last));
  }
  lines.push('Click to turn it off (user settings).');
  const attention = !input.skip && (!input.clientRunning || needsAttention(input.last));
  const icon = input.skip ? '$(circle-slash)' : attention ? '$(warning)' : '$(sparkle)';
  return { text: `${icon} ${LABEL}`, tooltip: lines.join('\n') };
}
