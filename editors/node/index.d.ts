// Type declarations of switchboard.js (the Node client of the Switchboard daemon). The protocol's
// own types (params and results of each method) are in protocol/switchboard.openrpc.json; here
// params are plain objects and results `any`, as JSON gives them. Node's own types come from
// @types/node in the project that uses the client.

import { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';

/** The params of a request: a JSON object. */
export type Params = Record<string, unknown>;

/** A chat message as the API takes it (`content` a string or parts such as images). */
export interface ChatMessage {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool' | (string & {});
  content: string | Array<Record<string, unknown>> | null;
  [field: string]: unknown;
}

/** `chat.complete` params: the API's fields (all passed through), `messages` required. */
export interface ChatParams {
  messages: ChatMessage[];
  model?: string;
  profile?: string;
  /** `'new'` or a stored conversation's id: the turn joins it (see Conversations). */
  conversation_id?: string;
  /** Taken out before sending, as `options.signal` (never sent upstream). */
  signal?: AbortSignal;
  [field: string]: unknown;
}

/** The params of the daemon's tool.approve and tool.execute requests (`server`: tool.approve only). */
export interface ToolRequestParams {
  /** The `id` of the agent.run request. */
  request_id: number | string;
  /** The model's tool call id. */
  call_id: string;
  /** The tool's name as offered to the model (`<server>__<tool>` for an MCP tool). */
  name: string;
  /** The MCP server (tool.approve). */
  server?: string;
  /** The model's arguments, parsed. */
  arguments: any;
}

/** The second argument of onApprove and onExecute. */
export interface ToolRequestContext {
  /** Aborts when the daemon cancels the request (the run was cancelled): no answer is then sent. */
  signal: AbortSignal;
  /** The daemon's id for the request, a string "sb-<n>". */
  id: string | number;
  method: 'tool.approve' | 'tool.execute';
}

/** What onExecute returns: the output text, content parts, or the whole answer. */
export type ToolOutput = string | Array<Record<string, unknown>> | { content: string | Array<Record<string, unknown>>; is_error?: boolean };

/** A `tool.call` notification's params. */
export interface ToolCallParams {
  request_id: number | string;
  call_id: string;
  name: string;
  server?: string;
  arguments: any;
  status: 'pending' | 'running' | 'completed' | 'failed' | 'denied' | 'cancelled';
  result?: string;
  progress?: { progress: number; total?: number; message?: string };
}

/** `agent.run` params: chat.complete's, plus the run's own. */
export interface AgentRunParams extends ChatParams {
  /** Tools the client runs (onExecute). */
  tools?: Array<Record<string, unknown>>;
  /** The configured MCP servers whose tools are offered (default: every enabled one). */
  mcp_servers?: string[];
  approval?: 'ask' | 'auto' | 'deny';
  max_turns?: number;
  parallel_tool_calls?: boolean;
}

export interface AgentRunOptions extends CallOptions {
  /** Answers tool.approve: truthy approves the call; a throw or rejection denies it. Absent: -32601. */
  onApprove?: (params: ToolRequestParams, context: ToolRequestContext) => boolean | Promise<boolean>;
  /** Runs a client tool; a throw or rejection fails the call with its message. Absent: -32601. */
  onExecute?: (params: ToolRequestParams, context: ToolRequestContext) => ToolOutput | Promise<ToolOutput>;
  /** Sees each tool.call notification. */
  onToolCall?: (params: ToolCallParams) => void;
}

/** `tools.list`'s result. */
export interface ToolsListResult {
  tools: Array<{ name: string; server?: string; tool?: string; description: string; input_schema: Record<string, unknown> }>;
  servers: Array<{ name: string; status: 'idle' | 'starting' | 'ready' | 'failed' | 'disabled'; error?: string }>;
}

export interface CallOptions {
  /** Aborting it cancels the request (`$/cancelRequest`; the call fails with -32800). It stays in this process. */
  signal?: AbortSignal;
}

export interface SwitchboardOptions {
  /** The daemon (default `switchboard` on PATH). */
  binary?: string;
  args?: string[];
  /** Merged over process.env. */
  env?: Record<string, string>;
  framing?: 'ndjson' | 'lsp';
  /** The daemon's stderr: 'inherit' (default), 'pipe' (then `stderr` events) or 'ignore'. */
  stderr?: 'inherit' | 'pipe' | 'ignore';
  /** Milliseconds close() waits before killing the daemon (default 5000). */
  closeTimeout?: number;
}

/** A JSON-RPC error response: `code`, `message` (`rpcMessage`) and the structured `data`. */
export class SwitchboardError extends Error {
  constructor(code: number | null | undefined, message: string, data?: any);
  readonly code: number | null | undefined;
  readonly rpcMessage: string;
  readonly data: any;
  static fromError(error: { code?: number; message?: string; data?: unknown }): SwitchboardError;
  /** The text produced before a stream failed or was cancelled (`data.partial`), or undefined. */
  readonly partialText: string | undefined;
}

/** The daemon went away (it exited, or could not be started) before answering. */
export class ConnectionLost extends SwitchboardError {
  constructor(message: string, exitCode: number | null);
}

/** A request in flight: iterate it for the text of its `chat.delta` pieces; `result` is the response's result. */
export class Call implements AsyncIterable<string> {
  readonly id: number;
  readonly result: Promise<any>;
  [Symbol.asyncIterator](): AsyncGenerator<string, void, undefined>;
  /** Sends `$/cancelRequest` for this call. */
  cancel(): void;
}

/** One stored conversation as `conversations.list` gives it (times in seconds since 1970). */
export interface ConversationSummary {
  id: string;
  title: string;
  created_at: number;
  updated_at: number;
  model: string | null;
  message_count: number;
  forked_from?: string;
}

/**
 * The stored conversations (`conversations.*`), as `client.conversations`. A chat turn joins one
 * through its params: `conversation_id: 'new'` or an id; the result carries `conversation_id`.
 */
export class Conversations {
  constructor(client: Switchboard);
  list(options?: { limit?: number; before?: string }): Promise<{ conversations: ConversationSummary[] }>;
  get(id: string): Promise<ConversationSummary & { messages: ChatMessage[] }>;
  search(query: string, options?: { limit?: number }): Promise<{
    results: Array<{ conversation_id: string; title: string; updated_at: number; message_index: number; role: string; snippet: string }>;
  }>;
  fork(id: string, options?: { at?: number }): Promise<ConversationSummary>;
  rename(id: string, title: string): Promise<ConversationSummary>;
  delete(id: string): Promise<{ id: string; deleted: true }>;
  export(id: string, options?: { format?: 'markdown' | 'json' }): Promise<{ id: string; format: 'markdown' | 'json'; content: any }>;
}

/** Splits a byte stream into messages in either framing. */
export class MessageReader {
  push(chunk: Buffer): any[];
}

export const REQUEST_CANCELLED: -32800;

/**
 * Spawns the daemon and speaks JSON-RPC with it. Emits `notification` ({method, params}), an event
 * named after each notification's method, `stderr` (text, with `stderr: 'pipe'`) and `exit`.
 */
export class Switchboard extends EventEmitter {
  constructor(options?: SwitchboardOptions);
  readonly process: ChildProcess;
  /** The daemon's exit code once it has exited; asking for it keeps Node running until then. */
  readonly exited: Promise<number | null>;
  call(method: string, params?: Params | null, options?: CallOptions): Call;
  request(method: string, params?: Params | null, options?: CallOptions): Promise<any>;
  notify(method: string, params?: Params | null): void;
  cancel(id: number): void;
  initialize(options?: { config?: Params; clientInfo?: { name: string; version: string } }): Promise<any>;
  streamChat(params: ChatParams, options?: CallOptions): Call;
  /** `agent.run`: iterate for the text of every turn; `result` is the run's result (`messages`, `turns`, …). */
  agentRun(params: AgentRunParams, options?: AgentRunOptions): Call;
  /** `tools.list`. */
  toolsList(options?: { mcpServers?: string[]; profile?: string; signal?: AbortSignal }): Promise<ToolsListResult>;
  /** The stored conversations: `await client.conversations.list()`, … */
  readonly conversations: Conversations;
  describeImageCall(image: string, options?: Params & { stream?: boolean; prompt?: string; signal?: AbortSignal }): Call;
  describeImage(image: string, options?: Params & { prompt?: string; signal?: AbortSignal }): Promise<{ text: string; completion: any }>;
  /** shutdown + exit, then waits for the daemon (killing it after `timeout` ms); resolves to its exit code. */
  close(timeout?: number): Promise<number | null>;

  on(event: 'notification', listener: (message: { method: string; params: any }) => void): this;
  on(event: 'stderr', listener: (text: string) => void): this;
  on(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): this;
  on(event: string, listener: (params: any) => void): this;
}
