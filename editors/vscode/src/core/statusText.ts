/**
 * Text for the status bar item and the "Auro: Show Status" report. Pure: no `vscode` import.
 */

import { phaseLabel, progressLine } from './phase';
import { HealthLevel, HealthReport, IndexStatus, ServerStatus, busiestRoot } from './protocol';

export type ClientState = 'starting' | 'running' | 'stopped' | 'failed';

export interface Progress {
  title?: string;
  message?: string;
  percentage?: number;
}

export interface StatusInputs {
  client: ClientState;
  /** Active work-done progress from `$/progress`, if any. */
  progress?: Progress;
  index?: IndexStatus;
  /** LLM component health from the sidecar, if known. */
  llm?: { status: HealthLevel; reason?: string };
  paused?: boolean;
}

export interface StatusBarView {
  text: string;
  tooltip: string;
  severity: 'normal' | 'warning' | 'error';
}

function pct(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '';
  return `${Math.max(0, Math.min(100, Math.round(value)))}%`;
}

/** Percentage from the index counters, when no `$/progress` percentage is available. */
export function indexPercentage(index: IndexStatus): number | undefined {
  if (index.filesTotal <= 0) return undefined;
  const done = index.filesEmbedded > 0 ? index.filesEmbedded : index.filesKeywordIndexed;
  return (100 * Math.min(done, index.filesTotal)) / index.filesTotal;
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

/** `Skipped: 3 files (2 binary, 1 too large)` over every root ('' when none). */
export function skippedLine(index: IndexStatus): string {
  const byReason: Record<string, number> = {};
  let count = 0;
  for (const r of index.roots) {
    count += r.skipped?.count ?? 0;
    for (const [reason, n] of Object.entries(r.skipped?.byReason ?? {})) byReason[reason] = (byReason[reason] ?? 0) + n;
  }
  if (!count) return '';
  const parts = Object.keys(byReason).sort().map((reason) => `${byReason[reason]} ${reason}`);
  return `Skipped: ${count} files (${parts.join(', ')})`;
}

export function formatStatusBar(input: StatusInputs): StatusBarView {
  const lines: string[] = [];
  if (input.client === 'starting') {
    return { text: '$(loading~spin) Auro', tooltip: 'Auro-PAI: starting the language server', severity: 'normal' };
  }
  if (input.client === 'stopped' || input.client === 'failed') {
    return {
      text: '$(error) Auro',
      tooltip: `Auro-PAI: language server ${input.client === 'failed' ? 'failed to start' : 'stopped'} — see the Auro-PAI output`,
      severity: 'error',
    };
  }

  let text = 'Auro';
  let icon = '$(check)';
  let severity: StatusBarView['severity'] = 'normal';

  const indexing = input.progress !== undefined || (input.index !== undefined && !input.index.complete && !input.paused);
  if (input.paused) {
    icon = '$(debug-pause)';
    text = 'Auro: paused';
    lines.push('Indexing paused');
  } else if (indexing) {
    icon = '$(sync~spin)';
    const percentage =
      input.progress?.percentage ?? (input.index ? indexPercentage(input.index) : undefined);
    const p = pct(percentage);
    text = p ? `Auro ${p}` : 'Auro: indexing';
    const what = [input.progress?.title, input.progress?.message].filter(Boolean).join(': ');
    lines.push(`Indexing${what ? ` — ${what}` : ''}${p ? ` (${p})` : ''}`);
  }
  if (input.index) {
    const i = input.index;
    const root = busiestRoot(i);
    lines.push(
      `Index: ${i.filesEmbedded}/${i.filesTotal} files embedded, ${i.filesKeywordIndexed} keyword-indexed, ${i.chunks} chunks (${i.state}${root?.phase ? `, ${phaseLabel(root.phase)}` : ''})`,
    );
    if (!i.complete && root?.progress) lines.push(`Now: ${progressLine(root.progress, formatDuration)}`);
    else if (!i.complete && formatDuration(root?.etaS)) lines.push(`ETA ${formatDuration(root?.etaS)}`);
    const skipped = skippedLine(i);
    if (skipped) lines.push(skipped);
  }

  if (input.llm) {
    const reason = input.llm.reason ? ` — ${input.llm.reason}` : '';
    lines.push(`LLM: ${input.llm.status}${reason}`);
    if (input.llm.status === 'down') {
      severity = 'error';
      if (!indexing && !input.paused) icon = '$(error)';
      text += ' · LLM down';
    } else if (input.llm.status === 'degraded' || input.llm.status === 'unconfigured') {
      severity = 'warning';
      if (!indexing && !input.paused) icon = '$(warning)';
      text += input.llm.status === 'degraded' ? ' · LLM degraded' : ' · no LLM';
    }
  } else {
    lines.push('LLM: health unknown');
  }

  return { text: `${icon} ${text}`, tooltip: ['Auro-PAI', ...lines].join('\n'), severity };
}

export interface StatusReportInputs {
  client: ClientState;
  status?: ServerStatus;
  index?: IndexStatus;
  indexError?: string;
  health?: HealthReport;
  healthError?: string;
}

/** The multi-line plain-text report shown by "Auro: Show Status". */
export function formatStatusReport(input: StatusReportInputs): string {
  const out: string[] = ['Auro-PAI status', ''];
  out.push(`Language server: ${input.client}${input.status ? ` (version ${input.status.version})` : ''}`);
  if (input.status) {
    out.push(`HTTP sidecar: ${input.status.http ? input.status.http.url : 'disabled'}`);
    for (const w of input.status.workspaces) out.push(`Workspace: ${w.root} (data: ${w.dataDir})`);
  }
  out.push('');
  if (input.index) {
    const i = input.index;
    const root = busiestRoot(i);
    out.push(`Index state: ${i.state}${root?.phase ? ` / ${phaseLabel(root.phase)}` : ''}${i.complete ? ' (complete)' : ''}`);
    if (!i.complete && root?.progress) out.push(`  now: ${progressLine(root.progress, formatDuration)}`);
    out.push(`  files: ${i.filesTotal} total, ${i.filesKeywordIndexed} keyword-indexed, ${i.filesEmbedded} embedded`);
    out.push(`  chunks: ${i.chunks}`);
    if (root?.filesPerS) out.push(`  rate: ${root.filesPerS.toFixed(1)} files/s`);
    const eta = formatDuration(root?.etaS);
    if (!i.complete && eta) out.push(`  ETA: ${eta}`);
    const skipped = skippedLine(i);
    if (skipped) out.push(`  ${skipped}`);
  } else {
    out.push(`Index: ${input.indexError ?? 'unknown'}`);
  }
  out.push('');
  if (input.health) {
    out.push(`Health: ${input.health.status}`);
    for (const [name, c] of Object.entries(input.health.components)) {
      out.push(`  ${name}: ${c.status}${c.reason ? ` — ${c.reason}` : ''}`);
    }
  } else {
    out.push(`Health: ${input.healthError ?? 'unknown'}`);
  }
  return out.join('\n');
}
