/**
 * Inline (fill-in-the-middle) suggestions from the server's `auro/inlineCompletion`, and the
 * status bar toggle. vscode-languageclient 9 has LSP 3.18 inline completion only as a
 * proposed feature, and its answer would not say why nothing came; the custom request's
 * does, and the toggle's tooltip shows it. Do not also register the proposed feature
 * (`registerProposedFeatures`): the editor would ask both providers. Thin: the logic lives
 * in src/core/inlineCompletion.ts.
 */

import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';

import { DOCUMENT_SELECTOR } from './client';
import {
  Cursor,
  LastOutcome,
  TypedThroughCache,
  enabledState,
  inlineOptions,
  skipReason,
  suggest,
} from './core/inlineCompletion';
import { formatInlineStatus } from './core/inlineStatusText';
import { InlineItem, Methods } from './core/protocol';

export const TOGGLE_COMMAND = 'auro.inlineCompletion.toggle';
const ENABLED = 'inlineCompletion.enabled';

function scopeOf(document: vscode.TextDocument | undefined): vscode.ConfigurationScope | undefined {
  return document ? { uri: document.uri, languageId: document.languageId } : undefined;
}

/** The toggle's levels, whether it is on, and the options, for a document (language overrides apply). */
function settingsFor(document: vscode.TextDocument | undefined) {
  const cfg = vscode.workspace.getConfiguration('auro', scopeOf(document));
  const levels = cfg.inspect<boolean>(ENABLED);
  const options = inlineOptions({
    debounceMs: cfg.get('inlineCompletion.debounceMs'),
    disabledLanguages: cfg.get('inlineCompletionDisabledLanguages'),
  });
  return { cfg, levels, state: enabledState(levels), options };
}

function cursorOf(uri: string, document: vscode.TextDocument, position: vscode.Position): Cursor {
  const text = document.lineAt(position.line).text;
  return {
    uri,
    line: position.line,
    character: position.character,
    before: text.slice(0, position.character),
    after: text.slice(position.character),
  };
}

function toEditorItem(item: InlineItem): vscode.InlineCompletionItem {
  const { start, end } = item.range;
  return new vscode.InlineCompletionItem(item.insertText, new vscode.Range(start.line, start.character, end.line, end.character));
}

export class InlineCompletion implements vscode.InlineCompletionItemProvider, vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly cache = new TypedThroughCache();
  private readonly disposables: vscode.Disposable[] = [];
  private last: LastOutcome | undefined;

  constructor(
    private readonly getClient: () => LanguageClient | undefined,
    private readonly output: vscode.OutputChannel,
  ) {
    this.item = vscode.window.createStatusBarItem('auro.inlineCompletion', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'Auro-PAI Inline Completion';
    this.item.command = TOGGLE_COMMAND;
    this.disposables.push(
      this.item,
      vscode.languages.registerInlineCompletionItemProvider(DOCUMENT_SELECTOR, this),
      vscode.commands.registerCommand(TOGGLE_COMMAND, () => this.toggle()),
      vscode.window.onDidChangeActiveTextEditor(() => this.render()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('auro')) return;
        this.cache.clear();
        this.render();
      }),
    );
    this.render();
    this.item.show();
  }

  async provideInlineCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
    context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlineCompletionItem[] | undefined> {
    const client = this.getClient();
    if (!client || !client.isRunning()) return undefined;
    // the suggest widget is open: its selected item is what the user is choosing
    if (context.selectedCompletionInfo) return undefined;
    const { state, options } = settingsFor(document);
    if (skipReason(state, document.languageId, options)) return undefined;

    const uri = client.code2ProtocolConverter.asUri(document.uri);
    const invoked = context.triggerKind === vscode.InlineCompletionTriggerKind.Invoke;
    const suggestion = await suggest(
      { cursor: cursorOf(uri, document, position), trigger: invoked ? 'invoked' : 'automatic', debounceMs: options.debounceMs, token },
      // the token sends $/cancelRequest when the user types on: the server closes the upstream request
      { send: (params) => client.sendRequest(Methods.inlineCompletion, params, token), cache: this.cache },
    );
    if (!suggestion) return undefined;
    this.record(suggestion.outcome);
    return suggestion.items.map(toEditorItem);
  }

  /** Flips the user-level setting; a workspace that turned completion off is shown, not overridden. */
  private async toggle(): Promise<void> {
    const { cfg, levels, state } = settingsFor(vscode.window.activeTextEditor?.document);
    if (state.offByWorkspace) {
      await vscode.commands.executeCommand('workbench.action.openWorkspaceSettings', `auro.${ENABLED}`);
      return;
    }
    // a user setting for this language wins over the global one: flip that one then
    const inLanguage = levels?.globalLanguageValue !== undefined;
    await cfg.update(ENABLED, !state.user, vscode.ConfigurationTarget.Global, inLanguage);
  }

  private record(outcome: LastOutcome): void {
    // a failure is logged once, not per keystroke
    if (outcome.error && outcome.error !== this.last?.error) this.output.appendLine(`[inline completion] ${outcome.error}`);
    this.last = outcome;
    this.render();
  }

  render(): void {
    const document = vscode.window.activeTextEditor?.document;
    const { state, options } = settingsFor(document);
    const skip = document && state.enabled ? skipReason(state, document.languageId, options) : undefined;
    const view = formatInlineStatus({ state, skip, last: this.last, clientRunning: this.getClient()?.isRunning() === true });
    this.item.text = view.text;
    this.item.tooltip = view.tooltip;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
