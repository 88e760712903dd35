/**
 * Store-first writing of codex lines into ONE outbox session: each batch of
 * lines is appended with the job progress it implies, in one transaction,
 * before anyone acts on it; the seqs of codex's server requests are kept so an
 * answer can name the exact request line. `CodexProcess` writes every line of
 * its codex through one sink; the shared codex writes each thread's lines
 * through the sink of the session that runs the thread.
 */
import type { AppServerExit } from "./appServer.js";
import type { BridgeLog } from "../log.js";
import type { Outbox } from "../outbox/outbox.js";
import { observeLines, PROGRESS_META_KEY, type JobProgress } from "../jobs/progress.js";
import { expiredLine, mayChangePending } from "../jobs/pendingRequests.js";
import type { JsonRpcId } from "./rpc.js";

/** Bytes of codex's stderr tail kept in a `bridge/codexExited` record. */
export const EXIT_RECORD_STDERR_BYTES = 2_048;

/** Method of the bridge record of codex's exit. */
export const CODEX_EXITED_METHOD = "bridge/codexExited";

/** Shared, persisted job progress: read before each store, replaced after (see `progress.ts`). */
export type ProgressCell = { get(): JobProgress; set(next: JobProgress): void };

/** Options of {@link SessionSink}. */
export type SessionSinkOptions = {
  outbox: Outbox;
  /** The outbox session every line goes to (claimed by the caller). */
  sessionId: string;
  /** The session's job progress, moved by the lines stored; none for the bridge-level session of a shared codex (it runs no job). */
  progress?: ProgressCell;
  /** Called after each store (the pusher's `kick`). */
  onStored?: () => void;
  log?: BridgeLog;
};

/** See the module comment. */
export class SessionSink {
  private readonly requestSeqs = new Map<string, number>();

  constructor(readonly options: SessionSinkOptions) {}

  /** The session the sink writes. */
  get sessionId(): string {
    return this.options.sessionId;
  }

  /**
   * Appends `lines` (with the progress they move, in one transaction).
   * @returns their seqs.
   * @throws BridgeError `OUTBOX_FULL` / `OUTBOX_CORRUPT` from the outbox (nothing stored then).
   */
  store(lines: string[], origin: "codex" | "bridge"): number[] {
    const { outbox, sessionId, progress } = this.options;
    const receivedAt = Date.now();
    const next = progress ? observeLines(progress.get(), lines, origin) : null;
    const meta = next ? { progress: next, ...(next.threadId ? { threadId: next.threadId } : {}) } : undefined;
    const seqs = outbox.append(sessionId, lines.map((line) => ({ origin, line, receivedAt })), { meta });
    if (next) progress?.set(next);
    if (origin === "codex") this.rememberRequestSeqs(lines, seqs);
    this.options.onStored?.();
    return seqs;
  }

  /** Appends a line the bridge writes itself (origin `bridge`), even past the outbox cap. Never throws (a failure is logged). */
  storeBridgeLine(method: string, params: Record<string, unknown>): void {
    try {
      this.options.outbox.append(this.options.sessionId, [{ origin: "bridge", line: JSON.stringify({ method, params }) }], { ignoreCap: true });
      this.options.onStored?.();
    } catch (error) {
      this.options.log?.warn(`could not record ${method} in the outbox: ${(error as Error).message}`);
    }
  }

  /**
   * Records codex's exit (`bridge/codexExited`, so Convex learns of it too)
   * and the server requests left unanswered as expired (their JSON-RPC ids died
   * with it), in one transaction with the progress that forgets them. Never throws.
   */
  recordExit(exit: AppServerExit, stderrTail: string): void {
    const line = JSON.stringify({
      method: CODEX_EXITED_METHOD,
      params: { code: exit.code, signal: exit.signal, stderrTail: stderrTail.slice(-EXIT_RECORD_STDERR_BYTES) },
    });
    this.appendExpiring([line], `codex exited (code ${exit.code}, signal ${exit.signal}) before the request was answered`);
  }

  /** Records every pending server request expired with `reason` (their ids are dead for this session). Never throws. */
  expirePending(reason: string): void {
    this.appendExpiring([], reason);
  }

  private appendExpiring(lines: string[], reason: string): void {
    const { progress } = this.options;
    const current = progress?.get();
    const expired = (current?.pendingRequests ?? []).map((request) => ({ origin: "bridge" as const, line: expiredLine(request, reason) }));
    if (lines.length === 0 && expired.length === 0) return;
    const next = current && expired.length > 0 ? { ...current, pendingRequests: [] } : null;
    try {
      this.options.outbox.append(this.options.sessionId, [...lines.map((line) => ({ origin: "bridge" as const, line })), ...expired], {
        ignoreCap: true,
        ...(next ? { meta: { [PROGRESS_META_KEY]: next } } : {}),
      });
      if (next) progress?.set(next);
      this.options.onStored?.();
    } catch (error) {
      this.options.log?.warn(`could not record codex's end in the outbox: ${(error as Error).message}`);
    }
  }

  /**
   * The outbox seq of the line that carried server request `id` (JSON-RPC ids
   * repeat across codex restarts in one session; the seq does not).
   * @returns the seq, or undefined for an id this sink never stored.
   */
  requestSeq(id: JsonRpcId): number | undefined {
    return this.requestSeqs.get(JSON.stringify(id));
  }

  private rememberRequestSeqs(lines: readonly string[], seqs: readonly number[]): void {
    lines.forEach((line, index) => {
      if (!mayChangePending(line, "codex")) return;
      try {
        const message = JSON.parse(line) as { id?: unknown; method?: unknown };
        const seq = seqs[index];
        if ((typeof message.id === "number" || typeof message.id === "string") && typeof message.method === "string" && seq !== undefined) {
          this.requestSeqs.set(JSON.stringify(message.id), seq);
        }
      } catch {
        // Not JSON: not a request.
      }
    });
  }
}
