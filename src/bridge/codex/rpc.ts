/**
 * A JSON-RPC 2.0 connection over one readable and one writable byte stream,
 * framed as JSON Lines. The same class drives the real `codex app-server`
 * (child stdout/stdin) and in-memory `PassThrough` pairs in tests.
 *
 * Store-first: for every chunk read, `onRawLines` sees all of its lines
 * before any of them is parsed or dispatched, and `onSentLine` sees every
 * outgoing line before it is written.
 */
import type { Readable, Writable } from "node:stream";
import { BridgeError } from "../errors.js";
import { encodeJsonLine, LineSplitter, type OversizeLine } from "./jsonl.js";

/** A JSON-RPC request id. Ours are numbers from 0 unless `nextId` says otherwise. */
export type JsonRpcId = string | number;

/** The `error` member of a JSON-RPC error response. */
export type JsonRpcErrorObject = {
  code: number;
  message: string;
  data?: unknown;
};

/** A parsed JSON message as received (extra members such as codex's `emittedAtMs` kept). */
export type JsonRpcMessage = Record<string, unknown>;

/**
 * Typed descriptor of a request method: the method name plus, at type level
 * only, its params and result types. Build with {@link requestMethod}.
 */
export type RequestMethod<Params, Result> = {
  readonly kind: "request";
  readonly method: string;
  /** Phantom member carrying the types; never set at run time. */
  readonly types?: { params: Params; result: Result };
};

/** Typed descriptor of a notification method. Build with {@link notificationMethod}. */
export type NotificationMethod<Params> = {
  readonly kind: "notification";
  readonly method: string;
  /** Phantom member carrying the params type; never set at run time. */
  readonly types?: { params: Params };
};

/**
 * Declares a request method.
 *
 * @param method - JSON-RPC method name, e.g. `"thread/start"`.
 * @returns a descriptor for {@link JsonRpcConnection.request}.
 */
export function requestMethod<Params, Result>(method: string): RequestMethod<Params, Result> {
  return { kind: "request", method };
}

/**
 * Declares a notification method.
 *
 * @param method - JSON-RPC method name, e.g. `"turn/completed"`.
 * @returns a descriptor for {@link JsonRpcConnection.on} and {@link JsonRpcConnection.notify}.
 */
export function notificationMethod<Params>(method: string): NotificationMethod<Params> {
  return { kind: "notification", method };
}

/** A request the peer (codex) sent us, e.g. an approval request. */
export type IncomingRequest = {
  id: JsonRpcId;
  method: string;
  params: unknown;
  /** The whole parsed message. */
  message: JsonRpcMessage;
};

/** Default time a request may wait for its response, in ms. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 120_000;

/** JSON-RPC "method not found" code, sent for server requests nobody handles. */
export const JSONRPC_METHOD_NOT_FOUND = -32601;

/** Options of {@link JsonRpcConnection}; every hook is optional. */
export type JsonRpcConnectionOptions = {
  /**
   * Called synchronously with all lines of one read chunk, before any is
   * parsed or dispatched: the outbox stores them here. If it throws, those
   * lines are not dispatched and the connection closes with the error as
   * cause (nothing is acted on that was not stored).
   */
  onRawLines?: (lines: string[]) => void;
  /**
   * Called synchronously with each outgoing line (no `\n`) before it is
   * written. If it throws, the message is not sent and the error goes to the
   * caller of `request`/`notify`/`respond`.
   */
  onSentLine?: (line: string) => void;
  /**
   * Called for lines that are not usable JSON-RPC messages: invalid JSON,
   * non-objects, responses to unknown ids, over-long lines (then `line` is
   * the first bytes). `error` has code `RPC_MALFORMED`. Never throws out of
   * the connection.
   */
  onMalformedLine?: (line: string, error: BridgeError) => void;
  /**
   * Called when a line longer than `maxLineBytes` ends: only its report
   * (length and first bytes) survives, so the store-first caller records that
   * instead of the line. Called before `onMalformedLine`; if it throws, the
   * connection closes with the error as cause.
   */
  onOversizeLine?: (line: OversizeLine) => void;
  /** Called for every notification, known or unknown, before typed listeners. */
  onNotification?: (method: string, params: unknown, message: JsonRpcMessage) => void;
  /**
   * Handles requests from codex; answer later with
   * {@link JsonRpcConnection.respond} or {@link JsonRpcConnection.respondError}.
   * Without a handler, requests are answered with a "method not found" error.
   */
  onServerRequest?: (request: IncomingRequest) => void;
  /** Called once when the connection closes; `error` is set unless the stream just ended. */
  onClose?: (error: Error | undefined) => void;
  /** Called when a notification listener or server request handler throws. Default: `console.error`. */
  onHandlerError?: (error: unknown, line: string) => void;
  /** Id generator for our requests. Default: numbers counting from 0. */
  nextId?: () => JsonRpcId;
  /** Timeout for requests that give none, in ms. Default {@link DEFAULT_REQUEST_TIMEOUT_MS}. */
  defaultTimeoutMs?: number;
  /** Longest incoming line, in bytes. Default `MAX_LINE_BYTES` of `jsonl.ts`. */
  maxLineBytes?: number;
  /**
   * Whether outgoing messages carry `"jsonrpc": "2.0"`. codex 0.169.0 accepts
   * both and itself omits it, so the default is `false`.
   */
  includeJsonRpcVersion?: boolean;
};

/** Per-call options of {@link JsonRpcConnection.request}. */
export type RequestOptions = {
  /** How long to wait for the response, in ms; `Infinity` waits forever. Default from the connection. */
  timeoutMs?: number;
};

type Pending = {
  method: string;
  id: JsonRpcId;
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
};

/**
 * The JSON-RPC error a `RPC_ERROR` {@link BridgeError} carries as its `cause`.
 *
 * @param error - anything caught from {@link JsonRpcConnection.request}.
 * @returns the peer's `{ code, message, data? }`, or `undefined` for other errors.
 */
export function rpcErrorDetails(error: unknown): JsonRpcErrorObject | undefined {
  if (!(error instanceof BridgeError) || error.code !== "RPC_ERROR") return undefined;
  return isErrorObject(error.cause) ? error.cause : undefined;
}

/**
 * JSON-RPC over a readable (incoming JSON Lines) and a writable (outgoing).
 *
 * ```ts
 * const connection = new JsonRpcConnection(child.stdout, child.stdin, {
 *   onRawLines: (lines) => outbox.appendIncoming(lines),
 *   onNotification: (method, params) => console.log(method, params),
 * });
 * const info = await connection.request(initialize, { clientInfo, capabilities: null });
 * ```
 */
export class JsonRpcConnection {
  private readonly pending = new Map<string, Pending>();
  private readonly listeners = new Map<string, Set<(params: unknown, message: JsonRpcMessage) => void>>();
  private readonly splitter: LineSplitter;
  private readonly nextId: () => JsonRpcId;
  private counter = 0;
  private closeError: Error | undefined;
  private isClosed = false;
  private readonly detach: () => void;

  /**
   * Starts reading `readable` immediately (flowing mode).
   *
   * @param readable - incoming bytes, e.g. `child.stdout`.
   * @param writable - outgoing bytes, e.g. `child.stdin`.
   * @param options - hooks and limits, see {@link JsonRpcConnectionOptions}.
   */
  constructor(
    private readonly readable: Readable,
    private readonly writable: Writable,
    private readonly options: JsonRpcConnectionOptions = {},
  ) {
    this.nextId = options.nextId ?? (() => this.counter++);
    this.splitter = new LineSplitter(
      {
        onLines: (lines) => this.receiveLines(lines),
        onOversizeLine: (line) => this.receiveOversize(line),
      },
      options.maxLineBytes === undefined ? {} : { maxLineBytes: options.maxLineBytes },
    );

    const onData = (chunk: Buffer | string): void => {
      if (this.isClosed) return;
      try {
        this.splitter.push(chunk);
      } catch (error) {
        this.close(asError(error));
      }
    };
    const onEnd = (): void => {
      if (this.isClosed) return;
      try {
        this.splitter.end();
      } catch (error) {
        this.close(asError(error));
        return;
      }
      this.close();
    };
    const onReadError = (error: Error): void => this.close(error);
    const onWriteError = (error: Error): void => this.close(error);
    readable.on("data", onData);
    readable.on("end", onEnd);
    readable.on("close", onEnd);
    readable.on("error", onReadError);
    writable.on("error", onWriteError);
    this.detach = () => {
      readable.off("data", onData);
      readable.off("end", onEnd);
      readable.off("close", onEnd);
      readable.off("error", onReadError);
      // Keep a no-op error listener: a late EPIPE must not become an uncaught exception.
      writable.off("error", onWriteError);
      writable.on("error", ignoreError);
      readable.on("error", ignoreError);
    };
  }

  /** True once the stream ended, errored, or {@link JsonRpcConnection.close} was called. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Number of requests still waiting for a response. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /**
   * Sends a request and waits for its response.
   *
   * @param descriptor - the method, see {@link requestMethod}.
   * @param params - its params; omitted from the message when `undefined`.
   * @param options - `timeoutMs` (ms).
   * @returns the response's `result`, typed by the descriptor (not validated at run time).
   * @throws BridgeError `RPC_ERROR` when the peer answers with an error (see {@link rpcErrorDetails}),
   *   `RPC_TIMEOUT` after `timeoutMs`, `RPC_CLOSED` when the connection is or becomes closed first,
   *   `INVALID_ARGUMENT` when `params` cannot be serialised; or whatever `onSentLine` throws.
   */
  request<Params, Result>(
    descriptor: RequestMethod<Params, Result>,
    params: Params,
    options: RequestOptions = {},
  ): Promise<Result> {
    const { method } = descriptor;
    if (this.isClosed) return Promise.reject(this.closedError(`send ${method}`));
    const id = this.nextId();
    const key = idKey(id);
    if (this.pending.has(key)) {
      return Promise.reject(
        new BridgeError("INVALID_ARGUMENT", `Request id ${JSON.stringify(id)} is already in use; nextId must return unique ids.`),
      );
    }
    const message: JsonRpcMessage = this.envelope({ id, method });
    if (params !== undefined) message.params = params;
    let line: string;
    try {
      line = encodeOrThrow(message, method);
      this.options.onSentLine?.(line);
    } catch (error) {
      return Promise.reject(asError(error));
    }

    return new Promise<Result>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? this.options.defaultTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
      const entry: Pending = {
        method,
        id,
        resolve: resolve as (result: unknown) => void,
        reject,
        timer: undefined,
      };
      if (Number.isFinite(timeoutMs)) {
        entry.timer = setTimeout(() => {
          this.pending.delete(key);
          reject(
            new BridgeError(
              "RPC_TIMEOUT",
              `codex did not answer ${method} (id ${JSON.stringify(id)}) within ${timeoutMs} ms. Check that codex is still running, or raise timeoutMs.`,
            ),
          );
        }, timeoutMs);
      }
      this.pending.set(key, entry);
      this.writable.write(`${line}\n`);
    });
  }

  /**
   * Sends a notification (no response expected).
   *
   * @param method - a descriptor from {@link notificationMethod}, or a method name.
   * @param params - its params; omitted from the message when `undefined`.
   * @throws BridgeError `RPC_CLOSED` when the connection is closed, `INVALID_ARGUMENT` when
   *   `params` cannot be serialised; or whatever `onSentLine` throws.
   */
  notify<Params>(method: NotificationMethod<Params> | string, params?: Params): void {
    const name = typeof method === "string" ? method : method.method;
    const message = this.envelope({ method: name });
    if (params !== undefined) message.params = params;
    this.send(message, `notify ${name}`);
  }

  /**
   * Answers a server request with a result.
   *
   * @param id - the request's id, exactly as received.
   * @param result - the result value (JSON-serialisable).
   * @throws BridgeError `RPC_CLOSED` when the connection is closed, `INVALID_ARGUMENT` when
   *   `result` cannot be serialised; or whatever `onSentLine` throws.
   */
  respond(id: JsonRpcId, result: unknown): void {
    this.send(this.envelope({ id, result: result ?? null }), `answer request ${JSON.stringify(id)}`);
  }

  /**
   * Answers a server request with an error.
   *
   * @param id - the request's id, exactly as received.
   * @param error - `{ code, message, data? }`; use JSON-RPC codes such as -32601 or -32603.
   * @throws as {@link JsonRpcConnection.respond}.
   */
  respondError(id: JsonRpcId, error: JsonRpcErrorObject): void {
    this.send(this.envelope({ id, error }), `answer request ${JSON.stringify(id)}`);
  }

  /**
   * Adds a typed listener for one notification method (after the catch-all
   * `onNotification` hook has seen it).
   *
   * @param descriptor - the method, see {@link notificationMethod}.
   * @param listener - receives `params` (not validated at run time) and the whole message.
   * @returns a function that removes the listener.
   */
  on<Params>(
    descriptor: NotificationMethod<Params>,
    listener: (params: Params, message: JsonRpcMessage) => void,
  ): () => void {
    let set = this.listeners.get(descriptor.method);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(descriptor.method, set);
    }
    const wrapped = listener as (params: unknown, message: JsonRpcMessage) => void;
    set.add(wrapped);
    return () => {
      set.delete(wrapped);
    };
  }

  /**
   * Closes the connection: stops reading, rejects pending requests with
   * `RPC_CLOSED` and calls `onClose`. Does not end or destroy the streams
   * (their owner does). Later calls do nothing.
   *
   * @param error - why, if not a normal end of stream; becomes the rejections' `cause`.
   */
  close(error?: Error): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.closeError = error;
    this.detach();
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const entry of pending) {
      if (entry.timer !== undefined) clearTimeout(entry.timer);
      entry.reject(this.closedError(`answer ${entry.method} (id ${JSON.stringify(entry.id)})`));
    }
    try {
      this.options.onClose?.(error);
    } catch (hookError) {
      this.reportHandlerError(hookError, "");
    }
  }

  private envelope(fields: JsonRpcMessage): JsonRpcMessage {
    return this.options.includeJsonRpcVersion === true ? { jsonrpc: "2.0", ...fields } : fields;
  }

  private send(message: JsonRpcMessage, what: string): void {
    if (this.isClosed) throw this.closedError(what);
    const line = encodeOrThrow(message, what);
    this.options.onSentLine?.(line);
    this.writable.write(`${line}\n`);
  }

  private closedError(what: string): BridgeError {
    const why = this.closeError === undefined ? "stream ended or close() called" : this.closeError.message;
    return new BridgeError(
      "RPC_CLOSED",
      `The connection to codex is closed (${why}), so it cannot ${what}. Restart codex app-server.`,
      this.closeError === undefined ? undefined : { cause: this.closeError },
    );
  }

  private receiveLines(lines: string[]): void {
    if (this.isClosed) return;
    try {
      this.options.onRawLines?.(lines);
    } catch (error) {
      this.close(asError(error));
      return;
    }
    for (const line of lines) {
      if (this.isClosed) return;
      this.dispatch(line);
    }
  }

  private receiveOversize(line: OversizeLine): void {
    if (this.isClosed) return;
    try {
      this.options.onOversizeLine?.(line);
    } catch (error) {
      this.close(asError(error));
      return;
    }
    this.malformed(
      line.preview,
      `Line of ${line.byteLength} bytes exceeds the ${line.maxLineBytes}-byte limit; only its first bytes are kept.`,
    );
  }

  private dispatch(line: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (error) {
      this.malformed(line, `Invalid JSON: ${asError(error).message}`);
      return;
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      this.malformed(line, "Not a JSON-RPC message: expected a JSON object.");
      return;
    }
    const message = parsed as JsonRpcMessage;
    const { id, method } = message;

    if (typeof method === "string") {
      if (id === undefined) {
        this.guard(line, () => this.deliverNotification(method, message));
      } else if (isId(id)) {
        this.guard(line, () => this.deliverRequest({ id, method, params: message.params, message }));
      } else {
        this.malformed(line, `Request ${method} has an invalid id ${JSON.stringify(id)}.`);
      }
      return;
    }

    if (isId(id) && ("result" in message || "error" in message)) {
      const key = idKey(id);
      const entry = this.pending.get(key);
      if (entry === undefined) {
        this.malformed(line, `Response for unknown request id ${JSON.stringify(id)} (it may have timed out).`);
        return;
      }
      this.pending.delete(key);
      if (entry.timer !== undefined) clearTimeout(entry.timer);
      if ("error" in message && message.error !== undefined && message.error !== null) {
        const error = isErrorObject(message.error)
          ? message.error
          : { code: 0, message: JSON.stringify(message.error) };
        entry.reject(
          new BridgeError(
            "RPC_ERROR",
            `codex answered ${entry.method} (id ${JSON.stringify(id)}) with error ${error.code}: ${error.message}`,
            { cause: error },
          ),
        );
      } else {
        entry.resolve(message.result);
      }
      return;
    }

    this.malformed(line, "Not a JSON-RPC message: neither a request, a response nor a notification.");
  }

  private deliverNotification(method: string, message: JsonRpcMessage): void {
    const params = message.params;
    this.options.onNotification?.(method, params, message);
    const set = this.listeners.get(method);
    if (set === undefined) return;
    for (const listener of [...set]) listener(params, message);
  }

  private deliverRequest(request: IncomingRequest): void {
    const handler = this.options.onServerRequest;
    if (handler !== undefined) {
      handler(request);
      return;
    }
    this.respondError(request.id, {
      code: JSONRPC_METHOD_NOT_FOUND,
      message: `codex-convex has no handler for server request ${request.method}`,
    });
  }

  /** Runs a delivery; a throwing handler is reported, never breaks the read loop. */
  private guard(line: string, deliver: () => void): void {
    try {
      deliver();
    } catch (error) {
      this.reportHandlerError(error, line);
    }
  }

  private malformed(line: string, reason: string): void {
    const error = new BridgeError("RPC_MALFORMED", reason);
    this.guard(line, () => this.options.onMalformedLine?.(line, error));
  }

  private reportHandlerError(error: unknown, line: string): void {
    if (this.options.onHandlerError !== undefined) {
      try {
        this.options.onHandlerError(error, line);
      } catch {
        // A failing error reporter has nowhere left to report to.
      }
      return;
    }
    console.error("codex-convex: a JSON-RPC handler threw while handling", line.slice(0, 200), error);
  }
}

function isId(value: unknown): value is JsonRpcId {
  return typeof value === "number" || typeof value === "string";
}

/** Keeps number 1 and string "1" apart in the pending map. */
function idKey(id: JsonRpcId): string {
  return `${typeof id}:${id}`;
}

function isErrorObject(value: unknown): value is JsonRpcErrorObject {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.code === "number" && typeof candidate.message === "string";
}

function encodeOrThrow(message: JsonRpcMessage, what: string): string {
  try {
    return encodeJsonLine(message);
  } catch (error) {
    throw new BridgeError("INVALID_ARGUMENT", `Cannot ${what}: the message is not JSON-serialisable (${asError(error).message}).`, {
      cause: error,
    });
  }
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

function ignoreError(): void {}
