/**
 * Routes streamed `auro/chatChunk` notifications to the chat request they belong to and
 * assembles each stream's text in `index` order. Pure: no `vscode` import.
 *
 * Routing: the client sends its own `requestId` with `auro/chat`. A chunk whose
 * `requestId` is a known client id goes to that stream. A chunk with an unknown id (a
 * server that uses its JSON-RPC request id) is bound, if it is the first chunk (index 0), to
 * the one pending stream that has not been bound yet and whose session matches; when that
 * is ambiguous the chunk is dropped and the final `auro/chat` response (whose text is
 * authoritative) fills the stream in.
 */

import { ChatChunk, ChatResult, parseChatChunk } from './protocol';

/** Collects chunks by index; emits only text that is contiguous from index 0. */
export class ChunkAssembler {
  private readonly pending = new Map<number, string>();
  private nextIndex = 0;
  private assembled = '';

  /** The text assembled so far (contiguous chunks only). */
  get text(): string {
    return this.assembled;
  }

  /** Chunks received ahead of a gap. */
  get buffered(): number {
    return this.pending.size;
  }

  /**
   * Accepts one chunk. Returns the text newly appended (possibly several buffered chunks
   * released at once), or '' when the chunk is a duplicate or arrived ahead of a gap.
   */
  accept(index: number, text: string): string {
    if (!Number.isInteger(index) || index < this.nextIndex || this.pending.has(index)) return '';
    this.pending.set(index, text);
    let delta = '';
    while (this.pending.has(this.nextIndex)) {
      delta += this.pending.get(this.nextIndex);
      this.pending.delete(this.nextIndex);
      this.nextIndex += 1;
    }
    this.assembled += delta;
    return delta;
  }
}

export type StreamEvent =
  | { kind: 'delta'; delta: string; text: string }
  | { kind: 'done'; text: string; result: ChatResult }
  | { kind: 'cancelled'; text: string }
  | { kind: 'error'; text: string; message: string };

export type StreamListener = (event: StreamEvent) => void;

export type StreamState = 'pending' | 'done' | 'cancelled' | 'error';

interface Stream {
  id: string;
  sessionId?: string;
  serverIds: Set<string>;
  assembler: ChunkAssembler;
  listener: StreamListener;
  state: StreamState;
}

const TOMBSTONES = 256;

export class ChatRouter {
  private readonly streams = new Map<string, Stream>();
  /** server id → client id */
  private readonly aliases = new Map<string, string>();
  /** ids (client and server) of finished streams: their late chunks are dropped. */
  private readonly finished = new Map<string, StreamState>();
  private counter = 0;
  /** Chunks that could not be routed (unknown or ambiguous, malformed, or late). */
  dropped = 0;

  constructor(private readonly prefix: string = `c${Date.now().toString(36)}`) {}

  /** A fresh client request id. */
  newRequestId(): string {
    this.counter += 1;
    return `${this.prefix}-${this.counter}`;
  }

  begin(requestId: string, listener: StreamListener, sessionId?: string): void {
    if (this.streams.has(requestId) || this.isFinished(requestId)) {
      throw new Error(`duplicate chat request id ${requestId}`);
    }
    const stream: Stream = {
      id: requestId,
      serverIds: new Set(),
      assembler: new ChunkAssembler(),
      listener,
      state: 'pending',
    };
    if (sessionId) stream.sessionId = sessionId;
    this.streams.set(requestId, stream);
  }

  state(requestId: string): StreamState | undefined {
    return this.streams.get(requestId)?.state ?? this.finished.get(requestId);
  }

  text(requestId: string): string {
    return this.streams.get(requestId)?.assembler.text ?? '';
  }

  get pendingCount(): number {
    return this.streams.size;
  }

  /** Routes one raw `auro/chatChunk` payload. Returns whether it reached a stream. */
  handleChunk(raw: unknown): boolean {
    const chunk = parseChatChunk(raw);
    if (!chunk) {
      this.dropped += 1;
      return false;
    }
    const stream = this.resolve(chunk);
    if (!stream) {
      this.dropped += 1;
      return false;
    }
    if (chunk.sessionId && !stream.sessionId) stream.sessionId = chunk.sessionId;
    const delta = stream.assembler.accept(chunk.index, chunk.text);
    if (delta) stream.listener({ kind: 'delta', delta, text: stream.assembler.text });
    return true;
  }

  /** The request finished: the response's text is authoritative. Returns the final text. */
  complete(requestId: string, result: ChatResult): string {
    const stream = this.streams.get(requestId);
    if (!stream) return result.text;
    const text = typeof result.text === 'string' && result.text.length > 0 ? result.text : stream.assembler.text;
    this.finish(stream, 'done');
    stream.listener({ kind: 'done', text, result: { ...result, text } });
    return text;
  }

  /** The user stopped the request: later chunks are dropped, the partial text is kept. */
  cancel(requestId: string): void {
    const stream = this.streams.get(requestId);
    if (!stream) return;
    this.finish(stream, 'cancelled');
    stream.listener({ kind: 'cancelled', text: stream.assembler.text });
  }

  fail(requestId: string, message: string): void {
    const stream = this.streams.get(requestId);
    if (!stream) return;
    this.finish(stream, 'error');
    stream.listener({ kind: 'error', text: stream.assembler.text, message });
  }

  /** Cancels every pending stream (the client stopped). */
  cancelAll(): void {
    for (const id of [...this.streams.keys()]) this.cancel(id);
  }

  private resolve(chunk: ChatChunk): Stream | undefined {
    const direct = this.streams.get(chunk.requestId);
    if (direct) return direct;
    const aliased = this.aliases.get(chunk.requestId);
    if (aliased !== undefined) return this.streams.get(aliased);
    if (this.isFinished(chunk.requestId)) return undefined;
    // A stream's first chunk has index 0; a foreign stream seen mid-way is never adopted.
    if (chunk.index !== 0) return undefined;
    const candidates = [...this.streams.values()].filter(
      (s) =>
        s.serverIds.size === 0 &&
        s.assembler.text === '' &&
        s.assembler.buffered === 0 &&
        (!chunk.sessionId || !s.sessionId || s.sessionId === chunk.sessionId),
    );
    if (candidates.length !== 1) return undefined;
    const stream = candidates[0];
    stream.serverIds.add(chunk.requestId);
    this.aliases.set(chunk.requestId, stream.id);
    return stream;
  }

  private finish(stream: Stream, state: StreamState): void {
    stream.state = state;
    this.streams.delete(stream.id);
    this.remember(stream.id, state);
    for (const serverId of stream.serverIds) {
      this.aliases.delete(serverId);
      this.remember(serverId, state);
    }
  }

  private remember(id: string, state: StreamState): void {
    this.finished.set(id, state);
    while (this.finished.size > TOMBSTONES) {
      const oldest = this.finished.keys().next().value as string;
      this.finished.delete(oldest);
    }
  }

  private isFinished(id: string): boolean {
    return this.finished.has(id);
  }
}
