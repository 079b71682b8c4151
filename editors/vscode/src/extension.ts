/** Entry point: wires the language client, status bar, chat panel and commands. */

import * as vscode from 'vscode';
import { ExecuteCommandRequest, LanguageClient } from 'vscode-languageclient/node';

import { ChatPanel } from './chatPanel';
import { createClient } from './client';
import { ChatRouter } from './core/chatRouter';
import { ServerCommands } from './core/protocol';
import { InlineCompletion } from './inlineCompletion';
import { needsRestart } from './core/settings';
import { searchCodebase } from './search';
import { StatusController, errorMessage } from './status';

let client: LanguageClient | undefined;
let status: StatusController | undefined;
let inline: InlineCompletion | undefined;
const router = new ChatRouter();

/** The editor the user last worked in, and its selection (the chat's context). */
let lastEditor: vscode.TextEditor | undefined;

function editorContext() {
  const editor = lastEditor;
  if (!editor || editor.document.isClosed) return undefined;
  const uri = editor.document.uri.toString();
  const sel = editor.selection;
  if (sel.isEmpty) return { uri };
  return {
    uri,
    range: {
      start: { line: sel.start.line, character: sel.start.character },
      end: { line: sel.end.line, character: sel.end.character },
    },
  };
}

async function startClient(output: vscode.OutputChannel): Promise<void> {
  const c = createClient(output, {
    router,
    onStatus: (raw) => status?.onStatus(raw),
    onProgress: (token, value) => status?.onProgress(token, value),
    onState: (s) => {
      status?.setClientState(s);
      inline?.render();
    },
  });
  client = c;
  status?.attach(c);
  status?.setClientState('starting');
  try {
    await c.start();
  } catch (err) {
    status?.setClientState('failed');
    output.appendLine(`[client] failed to start: ${errorMessage(err)}`);
    void vscode.window
      .showErrorMessage(
        `Auro-PAI: could not start the language server (${errorMessage(err)}). Check auro.server.command / auro.server.pythonPath.`,
        'Open Settings',
        'Show Output',
      )
      .then((choice) => {
        if (choice === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'auro.server');
        if (choice === 'Show Output') output.show();
      });
  }
}

async function stopClient(): Promise<void> {
  const c = client;
  client = undefined;
  router.cancelAll();
  if (c) {
    try {
      await c.stop(5000);
    } catch {
      // already stopped
    }
    status?.attach(undefined);
  }
}

async function runServerCommand(command: string, done: string): Promise<void> {
  const c = client;
  if (!c || !c.isRunning()) {
    void vscode.window.showWarningMessage('Auro-PAI: the language server is not running.');
    return;
  }
  try {
    await c.sendRequest(ExecuteCommandRequest.type, { command, arguments: [] });
    void vscode.window.setStatusBarMessage(`Auro-PAI: ${done}`, 3000);
  } catch (err) {
    void vscode.window.showErrorMessage(`Auro-PAI: ${command} failed: ${errorMessage(err)}`);
  }
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('Auro-PAI');
  const statusChannel = vscode.window.createOutputChannel('Auro-PAI Status');
  status = new StatusController();
  inline = new InlineCompletion(() => client, output);
  lastEditor = vscode.window.activeTextEditor;

  context.subscriptions.push(
    output,
    statusChannel,
    status,
    inline,
    vscode.window.onDidChangeActiveTextEditor((e) => {
      if (e) lastEditor = e;
    }),
    vscode.commands.registerCommand('auro.ask', (question?: unknown) => {
      ChatPanel.show(
        context.extensionUri,
        () => client,
        router,
        editorContext,
        typeof question === 'string' ? question : undefined,
      );
    }),
    vscode.commands.registerCommand('auro.searchCodebase', (query?: unknown) =>
      searchCodebase(client, typeof query === 'string' ? query : undefined),
    ),
    vscode.commands.registerCommand('auro.indexing.reindex', async () => {
      status?.setPaused(false);
      await runServerCommand(ServerCommands.reindex, 'reindexing started');
    }),
    vscode.commands.registerCommand('auro.indexing.pause', async () => {
      await runServerCommand(ServerCommands.pauseIndexing, 'indexing paused');
      status?.setPaused(true);
    }),
    vscode.commands.registerCommand('auro.indexing.resume', async () => {
      await runServerCommand(ServerCommands.resumeIndexing, 'indexing resumed');
      status?.setPaused(false);
    }),
    vscode.commands.registerCommand('auro.showStatus', async () => {
      const report = await (status?.report() ?? Promise.resolve('not started'));
      statusChannel.clear();
      statusChannel.appendLine(report);
      statusChannel.show(true);
    }),
    vscode.commands.registerCommand('auro.restartServer', async () => {
      await stopClient();
      await startClient(output);
    }),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (needsRestart((section) => e.affectsConfiguration(section))) {
        output.appendLine('[client] server or user-level settings changed: restarting the language server');
        await stopClient();
        await startClient(output);
      }
    }),
    { dispose: () => void stopClient() },
  );

  await startClient(output);
}

export async function deactivate(): Promise<void> {
  await stopClient();
}
