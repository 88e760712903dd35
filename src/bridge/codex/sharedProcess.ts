/**
 * One life of the bridge's shared `codex app-server`: the process, its one
 * JSON-RPC connection, and the leases (jobs, browser threads) on it.
 *
 * Store-first as in `CodexProcess`, per holder: every line codex prints is
 * routed (`lineRouter.ts`) and appended to its holder's outbox session before
 * the connection parses or dispatches it; lines of no holder go to the
 * bridge-level session (never dropped). Every line the bridge sends is stored
 * in the session of the lease that sends it. Thread-creating requests
 * (`thread/start`, `thread/fork`) go one at a time, so a new thread's first
 * lines are never ambiguous. When the process ends, every lease on it records
 * the exit (`bridge/codexExited`, pending server requests expired) in its own
 * session; `SharedCodex` starts the next life.
 */
import { spawnAppServer, type AppServer, type AppServerExit } from "./appServer.js";
import { holdWhileFull, type BackpressureOptions } from "../jobs/backpressure.js";
import { BridgeError } from "../errors.js";
import type { BridgeLog } from "../log.js";
import { NOT_SIGNED_IN_MESSAGE, notSignedIn } from "./codexLogin.js";
import { CLIENT_INFO, CODEX_REQUEST_TIMEOUT_MS, declineServerRequest, type CodexProcessOptions } from "./codexProcess.js";
import { LineRouter } from "./lineRouter.js";
import { getAuthStatus, initialize, initialized } from "./protocol/index.js";
import type { IncomingRequest, JsonRpcConnection } from "./rpc.js";
import type { SessionSink } from "./sessionSink.js";
import { SharedLease } from "./sharedLease.js";
import type { RotatingLog } from "./stderrLog.js";

/** Method of the bridge record that keeps a line codex printed for a thread whose lease ended (`params.line`, byte-exact). */
export const ENDED_THREAD_LINE_METHOD = "bridge/endedThreadLine";

/** Method of the bridge record kept instead of lines of an ended thread that the outbox refused. */
export const LINES_NOT_STORED_METHOD = "bridge/linesNotStored";

/** Options of {@link SharedProcess.start}. */
export type SharedProcessOptions = {
  binaryPath: string;
  /** Working directory of the process (threads get their own `cwd` in `thread/start`). */
  cwd: string;
  /** Environment of codex (complete); sanitized by `codexEnvironment()` as for every codex. */
  env?: NodeJS.ProcessEnv;
  codexArgs?: string[];
  /** The bridge-level session: lines that belong to no lease (`initialize`, account and config notices, unknown threads). */
  bridgeSink: () => SessionSink;
  stderrLog?: RotatingLog;
  backpressure?: BackpressureOptions;
  log?: BridgeLog;
};

/** See the module comment. */
export class SharedProcess {
  /** Who owns which thread and request on this connection. */
  readonly router = new LineRouter<SharedLease>();
  /** When the process started, ms since the epoch. */
  readonly startedAt = Date.now();
  private server!: AppServer;
  private sender: SharedLease | null = null;
  private readonly leases = new Set<SharedLease>();
  private creation: Promise<unknown> = Promise.resolve();
  private loginChecked: Promise<void> | undefined;
  private isAlive = true;
  private exitSeen!: Promise<AppServerExit>;
  private resolveClosed!: (error: Error | undefined) => void;
  /** Resolves when the connection closed (stream ended, or a store failed: then with the error). */
  readonly closed = new Promise<Error | undefined>((resolve) => (this.resolveClosed = resolve));

  private constructor(private readonly options: SharedProcessOptions) {}

  /**
   * Spawns codex and sends `initialize` (stored in the bridge-level session).
   * @throws BridgeError `CODEX_SPAWN_FAILED`; `RPC_*` when `initialize` fails.
   */
  static async start(options: SharedProcessOptions): Promise<SharedProcess> {
    const process = new SharedProcess(options);
    await process.spawn();
    return process;
  }

  /** Whether the process still runs (its exit not yet seen). */
  get alive(): boolean {
    return this.isAlive;
  }

  /** The process id. */
  get pid(): number | undefined {
    return this.server.child.pid;
  }

  /** Leases on this process now. */
  get leaseCount(): number {
    return this.leases.size;
  }

  /** Resolves once the process exited and every lease on it recorded the exit. Never rejects. */
  get exited(): Promise<AppServerExit> {
    return this.exitSeen;
  }

  /** The last bytes codex wrote to stderr. */
  stderrTail(): string {
    return this.server.stderrTail();
  }

  /** A new lease for one job or thread, writing to the session of `options`. */
  lease(options: CodexProcessOptions): SharedLease {
    if (!this.isAlive) throw new BridgeError("CODEX_EXITED", "The shared codex exited; ask SharedCodex for a lease on the next one.");
    const lease = new SharedLease(this, options);
    this.leases.add(lease);
    return lease;
  }

  /** Forgets a lease that ended (its later lines go to the bridge-level session). */
  detach(lease: SharedLease): void {
    this.leases.delete(lease);
    this.router.release(lease);
  }

  /** Runs `send` with `holder` as the sender of what it writes (so each line is stored in the holder's session). */
  sendAs<T>(holder: SharedLease | null, send: (connection: JsonRpcConnection) => T): T {
    const previous = this.sender;
    this.sender = holder;
    try {
      return send(this.server.connection);
    } finally {
      this.sender = previous;
    }
  }

  /** Runs thread-creating requests one at a time (see the module comment). */
  creating<T>(run: () => Promise<T>): Promise<T> {
    const result = this.creation.then(run, run);
    this.creation = result.catch(() => {});
    return result;
  }

  /** Asks codex once per process how it is signed in. @throws BridgeError `CODEX_NOT_SIGNED_IN`. */
  requireLogin(holder: SharedLease): Promise<void> {
    this.loginChecked ??= this.sendAs(holder, (connection) => connection.request(getAuthStatus, { includeToken: false, refreshToken: false })).then(
      (status) => {
        if (notSignedIn(status)) throw new BridgeError("CODEX_NOT_SIGNED_IN", NOT_SIGNED_IN_MESSAGE);
      },
      (error: unknown) => {
        this.loginChecked = undefined; // codex did not answer (timeout, a lease's stop): the next turn asks again
        throw error;
      },
    );
    return this.loginChecked;
  }

  /** Shuts codex down politely (stdin closed, SIGTERM, SIGKILL, `graceMs` apart), still storing what it prints. */
  shutdown(graceMs?: number): Promise<AppServerExit> {
    return this.server.shutdown(graceMs);
  }

  private async spawn(): Promise<void> {
    const { outbox } = this.options.bridgeSink().options;
    this.server = await spawnAppServer({
      binaryPath: this.options.binaryPath,
      cwd: this.options.cwd,
      env: this.options.env,
      args: this.options.codexArgs,
      onStderr: this.options.stderrLog ? (chunk) => this.options.stderrLog?.write(chunk) : undefined,
      rpc: {
        defaultTimeoutMs: CODEX_REQUEST_TIMEOUT_MS,
        onRawLines: (lines) => {
          this.storeIncoming(lines);
          holdWhileFull(this.server.child.stdout, outbox, this.options.backpressure, this.options.log);
        },
        onSentLine: (line) => {
          const message = parseObject(line);
          if (message) this.router.outgoing(message, this.sender);
          // What the bridge sends for a lease goes to its session, even while the lease ends (its interrupt, its unsubscribe).
          (this.sender?.sink ?? this.options.bridgeSink()).store([line], "bridge");
        },
        onOversizeLine: (report) =>
          this.options.bridgeSink().store([JSON.stringify({ method: "bridge/lineTooLong", params: { ...report } })], "bridge"),
        onNotification: (method, params) => this.router.ownerOfParams(params)?.deliver(method, params),
        onServerRequest: (request) => this.serverRequest(request),
        onClose: (error) => this.onClose(error),
      },
    });
    this.exitSeen = this.server.exited.then((exit) => this.onExit(exit));
    await this.sendAs(null, (connection) => connection.request(initialize, { clientInfo: CLIENT_INFO, capabilities: null }));
    this.sendAs(null, (connection) => connection.notify(initialized, undefined));
  }

  /**
   * Routes one read's lines and stores each holder's share in its session, in
   * order, before any is dispatched. Lines of no holder go to the bridge-level
   * session (a failure there closes the connection: nothing more can be stored
   * before it is acted on). Lines of a lease that ended (e.g. the interrupted
   * turn of a stopped job) go there too, each wrapped in a
   * `bridge/endedThreadLine` record: kept byte-exact, yet not applied to the
   * thread, which its own session has recorded failed (a process of its own
   * would have printed nothing more). Should even that fail (the outbox is
   * full), only a `bridge/linesNotStored` record of them is kept.
   */
  private storeIncoming(lines: string[]): void {
    const groups = new Map<SharedLease | "bridge" | "ended", string[]>();
    for (const line of lines) {
      const message = parseObject(line);
      const holder = message ? this.router.incoming(message) : null;
      const key = holder === null ? "bridge" : holder.released === null ? holder : "ended";
      const group = groups.get(key);
      if (group) group.push(line);
      else groups.set(key, [line]);
    }
    for (const [holder, group] of groups) {
      if (holder === "bridge") {
        this.options.bridgeSink().store(group, "codex");
      } else if (holder === "ended") {
        this.storeEnded(group);
      } else {
        try {
          holder.sink.store(group, "codex");
        } catch (error) {
          // One session refused its lines (e.g. OUTBOX_FULL): only that lease ends; the others go on, as with processes of their own.
          holder.failStore(error as Error);
        }
      }
    }
  }

  private storeEnded(lines: string[]): void {
    const sink = this.options.bridgeSink();
    try {
      sink.store(lines.map((line) => JSON.stringify({ method: ENDED_THREAD_LINE_METHOD, params: { line } })), "bridge");
    } catch (error) {
      const bytes = lines.reduce((sum, line) => sum + Buffer.byteLength(line), 0);
      sink.storeBridgeLine(LINES_NOT_STORED_METHOD, { lines: lines.length, bytes, reason: (error as Error).message });
      this.options.log?.warn(`${lines.length} line(s) of an ended thread were not stored: ${(error as Error).message}`);
    }
  }

  /** A server request goes to its thread's lease; one of no lease is declined (nobody could answer it), the answer stored in the bridge-level session. */
  private serverRequest(request: IncomingRequest): void {
    const holder = this.router.ownerOfParams(request.params);
    if (holder && !holder.released) {
      holder.serverRequest(request);
      return;
    }
    this.sendAs(null, (connection) =>
      declineServerRequest(request, {
        respond: (r, result) => connection.respond(r.id, result),
        respondError: (r, code, message) => connection.respondError(r.id, { code, message }),
      }),
    );
  }

  private onClose(error: Error | undefined): void {
    this.resolveClosed(error);
    // A store failed (e.g. OUTBOX_FULL): nothing more can be read, so this life ends; the leases see the exit.
    if (error) this.server.kill("SIGKILL");
  }

  private onExit(exit: AppServerExit): AppServerExit {
    this.isAlive = false;
    const tail = this.stderrTail();
    for (const lease of [...this.leases]) lease.died(exit, tail);
    this.options.bridgeSink().recordExit(exit, tail);
    return exit;
  }
}

function parseObject(line: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
