/**
 * A session this process runs: its claim in the outbox, its pusher (one per
 * session, so a slow or failing session never holds up another), and its job
 * progress. Codex processes come and go on a session; the handle stays until
 * the session is flushed and released.
 */
import { adviceFor, BridgeError } from "../errors.js";
import { SILENT_LOG, type BridgeLog } from "../log.js";
import type { Outbox } from "../outbox/outbox.js";
import { PROGRESS_META_KEY, readProgress, type JobProgress, type TurnRef } from "./progress.js";
import { expiredLine } from "./pendingRequests.js";
import { Pusher } from "../push/pusher.js";
import type { FlushResult, PusherOptions } from "../push/pusherTypes.js";
import type { IngestTransport } from "../push/transport.js";

/** Method of the bridge record that marks a turn failed (the component sets the turn's status from it). */
export const TURN_FAILED_METHOD = "bridge/turnFailed";

/** Pusher settings a handle passes on (everything but what the handle supplies). */
export type PusherTuning = Omit<PusherOptions, "outbox" | "transport" | "sessionId">;

/** Options of {@link SessionHandle.open}. */
export type SessionHandleOptions = {
  outbox: Outbox;
  transport: IngestTransport;
  sessionId: string;
  pusher?: PusherTuning;
  log?: BridgeLog;
};

/** A claimed session with its pusher; also the {@link ProgressCell} its codex processes share. */
export class SessionHandle {
  readonly sessionId: string;
  readonly pusher: Pusher;
  /** The outbox the session lives in. */
  readonly outbox: Outbox;
  private progress: JobProgress;
  private closing: Promise<FlushResult> | null = null;

  private constructor(options: SessionHandleOptions) {
    this.outbox = options.outbox;
    this.sessionId = options.sessionId;
    this.progress = readProgress(this.outbox.session(this.sessionId).meta);
    const log = options.log ?? SILENT_LOG;
    this.pusher = new Pusher({
      ...options.pusher,
      outbox: options.outbox,
      transport: options.transport,
      sessionId: options.sessionId,
      onError: (error, retryInMs) => {
        const short = this.sessionId.slice(0, 8);
        if (retryInMs === null) {
          log.error(
            `session ${short}: pushing stopped: [${error.code}] ${error.message} ` +
              `What to do: ${adviceFor(error.code) ?? "see the message"}. Its events stay in the outbox and are pushed on the next start.`,
          );
        }
        else log.warn(`session ${short}: push failed, retrying in ${retryInMs} ms: [${error.code}] ${error.message}`);
        options.pusher?.onError?.(error, retryInMs);
      },
    });
  }

  /**
   * Claims the session for this process and starts pushing what Convex has
   * not acknowledged (`ensureSession` first, then from its `ackedSeq`).
   * @throws BridgeError `SESSION_LOCKED` when another live process runs it;
   *   `INVALID_ARGUMENT` for an unknown session.
   */
  static open(options: SessionHandleOptions): SessionHandle {
    options.outbox.claimSession(options.sessionId);
    const handle = new SessionHandle(options);
    void handle.pusher.start().catch(() => {
      // Failures are retried inside the pusher and reported through onError.
    });
    return handle;
  }

  /** The progress as last stored. */
  get(): JobProgress {
    return this.progress;
  }

  /** Replaces the in-memory progress after the caller stored it (with the lines that moved it). */
  set(next: JobProgress): void {
    this.progress = next;
  }

  /** Stores a change of progress on its own (not tied to a line). @returns the new progress. */
  update(patch: Partial<JobProgress>): JobProgress {
    const next = { ...this.progress, ...patch };
    this.outbox.updateSessionMeta(this.sessionId, { [PROGRESS_META_KEY]: next, ...(next.threadId ? { threadId: next.threadId } : {}) });
    this.progress = next;
    return next;
  }

  /**
   * Records that the running turn was cut off (codex died, or the bridge
   * stopped or crashed): a `bridge/turnFailed` line with the reason, and the
   * progress (prompt to be run again) in the same transaction. Call only once
   * codex can no longer print for that turn. Stored even past the outbox cap,
   * so a full outbox can still say why.
   *
   * @param options - `countAttempt`: count it against the prompt's attempts
   *   (when codex died on it; not when the bridge was stopped or killed).
   * @returns the turn recorded failed, or null when no turn was running.
   */
  recordTurnFailed(reason: string, options: { countAttempt: boolean }): TurnRef | null {
    const { activeTurn, sentPrompt, threadId, attempts } = this.progress;
    if (activeTurn === null && sentPrompt === null) return null;
    const next: JobProgress = { ...this.progress, activeTurn: null, sentPrompt: null, attempts: attempts + (options.countAttempt ? 1 : 0) };
    const meta = { [PROGRESS_META_KEY]: next };
    if (activeTurn === null) {
      this.outbox.updateSessionMeta(this.sessionId, meta);
    } else {
      const line = JSON.stringify({ method: TURN_FAILED_METHOD, params: { threadId, turnId: activeTurn.turnId, reason } });
      this.outbox.append(this.sessionId, [{ origin: "bridge", line }], { meta, ignoreCap: true });
      this.pusher.kick();
    }
    this.progress = next;
    return activeTurn;
  }

  /**
   * Records every server request still pending in the progress as expired
   * (`bridge/serverRequestExpired` with `reason`), in one transaction with the
   * progress that forgets them. Call only when their JSON-RPC ids are dead
   * (the codex that sent them is gone). Stored even past the outbox cap.
   * @returns how many were expired.
   */
  expireServerRequests(reason: string): number {
    const expired = this.progress.pendingRequests;
    if (expired.length === 0) return 0;
    const next: JobProgress = { ...this.progress, pendingRequests: [] };
    const items = expired.map((request) => ({ origin: "bridge" as const, line: expiredLine(request, reason) }));
    this.outbox.append(this.sessionId, items, { meta: { [PROGRESS_META_KEY]: next }, ignoreCap: true });
    this.progress = next;
    this.pusher.kick();
    return expired.length;
  }

  /** Appends a bridge record (`{"method", "params"}`), e.g. a thread replaced. */
  record(method: string, params: Record<string, unknown>): void {
    this.outbox.append(this.sessionId, [{ origin: "bridge", line: JSON.stringify({ method, params }) }], { ignoreCap: true });
    this.pusher.kick();
  }

  /** The permanent error pushing stopped on (see `isPermanentError`), or null while it pushes or retries. */
  get pushStopped(): BridgeError | null {
    const { state, lastError } = this.pusher.stats();
    return state === "failed" ? lastError : null;
  }

  /** Whether Convex acknowledged everything stored so far. */
  get drained(): boolean {
    const { lastSeq } = this.outbox.session(this.sessionId);
    return this.pusher.stats().ackedSeq >= lastSeq;
  }

  /**
   * Waits for Convex to acknowledge everything stored, for as long as
   * acknowledgements advance (giving up after `flushTimeoutMs` without
   * progress: the stall timeout), then stops the pusher and releases the claim. Rows not acknowledged stay
   * in the outbox for the next start. Calling it again returns the same result.
   * @param closed - Also mark the session closed (its job is done).
   */
  close(flushTimeoutMs: number, closed = false): Promise<FlushResult> {
    this.closing ??= (async () => {
      const result = await this.pusher.flush({ timeoutMs: flushTimeoutMs });
      await this.pusher.stop();
      try {
        if (closed) this.outbox.setSessionState(this.sessionId, "closed");
        this.outbox.releaseSession(this.sessionId);
      } catch (error) {
        throw new BridgeError("OUTBOX_CORRUPT", `Could not release session ${this.sessionId}: ${(error as Error).message}`, {
          cause: error,
        });
      }
      return result;
    })();
    return this.closing;
  }
}
