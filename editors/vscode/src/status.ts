/** Status bar item, index/health polling and the "Auro: Show Status" report. */

import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';

import { ProgressTracker } from './core/progress';
import {
  HealthReport,
  IndexStatus,
  Methods,
  ServerStatus,
  healthRequest,
  parseHealth,
  parseIndexStatus,
  parseServerStatus,
} from './core/protocol';
import { ClientState, formatStatusBar, formatStatusReport } from './core/statusText';

const BUSY_POLL_MS = 3_000;
const IDLE_POLL_MS = 30_000;
const HEALTH_TIMEOUT_MS = 4_000;

export class StatusController implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly progress = new ProgressTracker();
  private client: LanguageClient | undefined;
  private clientState: ClientState = 'starting';
  private serverStatus: ServerStatus | undefined;
  private index: IndexStatus | undefined;
  private health: HealthReport | undefined;
  private paused = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;

  constructor() {
    this.item = vscode.window.createStatusBarItem('auro.status', vscode.StatusBarAlignment.Left, 10);
    this.item.name = 'Auro-PAI';
    this.item.command = 'auro.showStatus';
    this.render();
    this.item.show();
  }

  attach(client: LanguageClient | undefined): void {
    this.client = client;
    this.progress.clear();
    this.serverStatus = undefined;
    this.index = undefined;
    this.health = undefined;
    this.render();
  }

  setClientState(state: ClientState): void {
    this.clientState = state;
    if (state !== 'running') this.progress.clear();
    this.render();
    if (state === 'running') this.schedule(0);
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
    this.render();
    this.schedule(0);
  }

  onStatus(raw: unknown): void {
    const status = parseServerStatus(raw);
    if (!status) return;
    this.serverStatus = status;
    void this.refreshHealth().then(() => this.render());
  }

  onProgress(token: string | number, value: unknown): void {
    const wasActive = this.progress.size > 0;
    if (this.progress.update(token, value)) this.render();
    // When indexing finishes, pick up the final counters at once.
    if (wasActive && this.progress.size === 0) this.schedule(0);
  }

  private busy(): boolean {
    return this.progress.size > 0 || (this.index !== undefined && !this.index.complete && !this.paused);
  }

  private schedule(ms: number): void {
    if (this.disposed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.poll(), ms);
  }

  private async poll(): Promise<void> {
    this.timer = undefined;
    if (this.clientState === 'running') {
      await Promise.all([this.refreshIndex(), this.refreshHealth()]);
      this.render();
    }
    this.schedule(this.busy() ? BUSY_POLL_MS : IDLE_POLL_MS);
  }

  async refreshIndex(): Promise<string | undefined> {
    const client = this.client;
    if (!client || !client.isRunning()) return 'language server not running';
    try {
      const index = parseIndexStatus(await client.sendRequest(Methods.indexStatus, {}));
      if (index) {
        this.index = index;
        if (index.state === 'paused') this.paused = true;
      }
      return index ? undefined : 'malformed auro/indexStatus response';
    } catch (err) {
      return `auro/indexStatus failed: ${errorMessage(err)}`;
    }
  }

  async refreshHealth(): Promise<string | undefined> {
    const http = this.serverStatus?.http;
    if (!http) {
      this.health = undefined;
      return this.serverStatus ? 'HTTP sidecar disabled' : 'no auro/status from the server yet';
    }
    const { url, headers } = healthRequest(http);
    try {
      const res = await fetch(url, { headers, signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) });
      const report = parseHealth(await res.json());
      if (!report) return `unexpected health response (HTTP ${res.status})`;
      this.health = report;
      return undefined;
    } catch (err) {
      this.health = undefined;
      return `GET ${url} failed: ${errorMessage(err)}`;
    }
  }

  render(): void {
    const llm = this.health?.components.llm;
    const view = formatStatusBar({
      client: this.clientState,
      progress: this.progress.current(),
      index: this.index,
      llm,
      paused: this.paused,
    });
    this.item.text = view.text;
    this.item.tooltip = view.tooltip + '\n\nClick for details';
    this.item.backgroundColor =
      view.severity === 'error'
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : view.severity === 'warning'
          ? new vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;
  }

  /** Builds the full report (fresh index status and health). */
  async report(): Promise<string> {
    const [indexError, healthError] = await Promise.all([this.refreshIndex(), this.refreshHealth()]);
    this.render();
    return formatStatusReport({
      client: this.clientState,
      status: this.serverStatus,
      index: indexError ? undefined : this.index,
      indexError,
      health: this.health,
      healthError,
    });
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.item.dispose();
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'object' && err !== null && 'message' in err) return String((err as { message: unknown }).message);
  return String(err);
}
