/** Starts and restarts the `auro-pai lsp` language client. Thin: logic lives in src/core. */

import * as os from 'os';
import * as vscode from 'vscode';
import {
  ClientCapabilities,
  FeatureState,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  State,
  StaticFeature,
  WorkDoneProgress,
  WorkDoneProgressCreateRequest,
} from 'vscode-languageclient/node';

import { ChatRouter } from './core/chatRouter';
import { Methods } from './core/protocol';
import { serverLaunch, splitServerSettings } from './core/settings';

export interface ClientHooks {
  router: ChatRouter;
  onStatus(raw: unknown): void;
  onProgress(token: string | number, value: unknown): void;
  onState(state: 'starting' | 'running' | 'stopped' | 'failed'): void;
}

/** Replaces the default progress UI: `$/progress` feeds the status bar instead of pop-ups. */
class StatusBarProgressFeature implements StaticFeature {
  private disposables: vscode.Disposable[] = [];

  constructor(
    private readonly client: LanguageClient,
    private readonly onProgress: ClientHooks['onProgress'],
  ) {}

  getState(): FeatureState {
    return { kind: 'static' };
  }

  fillClientCapabilities(capabilities: ClientCapabilities): void {
    capabilities.window = capabilities.window ?? {};
    capabilities.window.workDoneProgress = true;
  }

  initialize(): void {
    // Registered after the built-in progress feature, so this handler wins.
    this.client.onRequest(WorkDoneProgressCreateRequest.type, ({ token }) => {
      const sub = this.client.onProgress(WorkDoneProgress.type, token, (value) => {
        this.onProgress(token, value);
        if (value.kind === 'end') sub.dispose();
      });
      this.disposables.push(sub);
    });
  }

  clear(): void {
    for (const d of this.disposables) d.dispose();
    this.disposables = [];
  }
}

/** The documents the server gets and answers for (chat context, code actions, inline completion). */
export const DOCUMENT_SELECTOR: { scheme: string }[] = [{ scheme: 'file' }, { scheme: 'untitled' }];

function workspaceRoot(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

/** The user-level server settings, sent once as initializationOptions. */
export function userSettings(output?: vscode.OutputChannel): Record<string, unknown> {
  const split = splitServerSettings(vscode.workspace.getConfiguration().get('auro'));
  for (const w of split.warnings) output?.appendLine(`[settings] ${w}`);
  return split.initializationOptions;
}

export function createClient(output: vscode.OutputChannel, hooks: ClientHooks): LanguageClient {
  const cfg = vscode.workspace.getConfiguration('auro.server');
  const launch = serverLaunch(
    {
      command: cfg.get<string>('command'),
      pythonPath: cfg.get<string>('pythonPath'),
      args: cfg.get<string[]>('args'),
      cwd: cfg.get<string>('cwd'),
    },
    { workspaceFolder: workspaceRoot(), userHome: os.homedir(), env: process.env },
  );
  output.appendLine(`[client] starting ${launch.command} ${launch.args.join(' ')}${launch.cwd ? ` (cwd ${launch.cwd})` : ''}`);

  const serverOptions: ServerOptions = {
    command: launch.command,
    args: launch.args,
    options: launch.cwd ? { cwd: launch.cwd, env: process.env } : { env: process.env },
  };

  const clientOptions: LanguageClientOptions = {
    documentSelector: DOCUMENT_SELECTOR,
    outputChannel: output,
    initializationOptions: userSettings(output),
    synchronize: { configurationSection: 'auro' },
    middleware: {
      workspace: {
        configuration: async (params, token, next) => {
          const result = await next(params, token);
          if (!Array.isArray(result)) return result;
          return result.map((value, i) =>
            params.items[i]?.section === 'auro' ? splitServerSettings(value).workspace : value,
          );
        },
      },
    },
  };

  const client = new LanguageClient('auro', 'Auro-PAI', serverOptions, clientOptions);
  client.registerFeature(new StatusBarProgressFeature(client, hooks.onProgress));
  client.onNotification(Methods.chatChunk, (raw: unknown) => hooks.router.handleChunk(raw));
  client.onNotification(Methods.status, (raw: unknown) => hooks.onStatus(raw));
  client.onDidChangeState(({ newState }) => {
    hooks.onState(newState === State.Running ? 'running' : newState === State.Starting ? 'starting' : 'stopped');
  });
  return client;
}
