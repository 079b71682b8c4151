/**
 * The index's phase names (server/indexing/progress.py) as the user reads them, and the
 * running phase as one line. The one place the extension maps phases. Pure: no `vscode` import.
 */

import { IndexProgress } from './protocol';

const PHASE_LABELS: Record<string, string> = {
  scanning: 'scanning files',
  keyword: 'keyword index',
  loading_model: 'loading the embedding model',
  embedding: 'embedding',
  done: 'done',
};

/** `keyword` -> `keyword index`; a phase this version does not know is shown as sent. */
export function phaseLabel(phase: string): string {
  return PHASE_LABELS[phase] ?? phase;
}

/** `keyword index 120/485 files, ETA 5s`: the phase with its count and ETA when known. */
export function progressLine(p: IndexProgress, formatEta: (seconds: number) => string): string {
  let text = phaseLabel(p.phase);
  if (p.unit) text += ` ${p.done}${p.total === null ? '' : `/${p.total}`} ${p.unit}`;
  const eta = p.etaS ? formatEta(p.etaS) : '';
  if (eta) text += `, ETA ${eta}`;
  return text;
}
