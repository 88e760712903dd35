/**
 * What each serve command does, once claimed: start a thread, send a message
 * (steering the running turn), interrupt, answer a server request, archive,
 * rename, fork, roll back. Each marks itself sent in the `CommandLog` right
 * before it is written to codex, so a crash after that is never sent again.
 */
import path from "node:path";
import type { ServerRequestBroker } from "../codex/serverRequestBroker.js";
import type { SessionHandle } from "../jobs/sessionHandle.js";
import type { BrowserThreads } from "./browserThreads.js";
import { parseCommand, type ParsedCommand } from "./commandArgs.js";
import { CommandFailure, REQUEST_EXPIRED } from "./commandErrors.js";
import type { CommandLog } from "./commandLog.js";
import type { DeviceCommand } from "./commandSource.js";
import { threadArchive, threadFork, threadRevert, threadSetName, threadTurnsList, threadUnarchive } from "./serveProtocol.js";
import { NO_ACTIVE_TURN } from "./serveThread.js";

/** What {@link executeCommand} works with. */
export type CommandContext = {
  threads: BrowserThreads;
  /** Workspace id → declared path, as the host's last heartbeat answer named them. */
  workspaceIds: () => Map<string, string>;
  commandLog: CommandLog;
  broker: ServerRequestBroker;
  openHandle: (sessionId: string) => SessionHandle;
};

/**
 * Runs one claimed command.
 * @param where - Filled in as the command finds its thread and session (for its records).
 * @returns its result.
 * @throws CommandFailure, InvalidCommand, BridgeError.
 */
export async function executeCommand(command: DeviceCommand, where: { threadId?: string; sessionId?: string }, context: CommandContext): Promise<{ threadId?: string; turnId?: string }> {
const { threads } = context;
  const parsed = parseCommand(command);
  const sent = (sessionId?: string) => context.commandLog.sent(command.commandId, { threadId: where.threadId, sessionId: sessionId ?? where.sessionId });
  const clientUserMessageId = command.idempotencyKey;
  switch (parsed.kind) {
    case "startThread": {
      // The path is this bridge's own declaration for the id; a `cwd` in the arguments counts only if declared too.
      const cwd = context.workspaceIds().get(parsed.workspaceId) ?? (parsed.cwd && threads.declared(parsed.cwd) ? path.resolve(parsed.cwd) : undefined);
      if (!cwd) throw new CommandFailure("WORKSPACE_NOT_FOUND", `This device declares no workspace ${parsed.workspaceId}; pick one of the device's workspaces.`);
      const thread = threads.newThread(cwd, { startedBy: command.commandId });
      where.sessionId = thread.sessionId;
      const started = await thread.startThread(parsed.prompt, { model: parsed.model, clientUserMessageId, beforeTurn: () => sent(thread.sessionId) });
      threads.set(started.threadId, thread);
      where.threadId = started.threadId;
      return started;
    }
    case "sendMessage": {
      const thread = threads.thread(parsed.threadId, where);
      const { turnId } = await thread.sendMessage(parsed.text, { clientUserMessageId, beforeSend: () => sent() });
      return { threadId: parsed.threadId, turnId };
    }
    case "interruptTurn": {
      const thread = threads.get(parsed.threadId);
      if (thread) where.sessionId = thread.sessionId;
      const turnId = thread ? await thread.interrupt(() => sent()) : null;
      if (turnId === null) throw new CommandFailure(NO_ACTIVE_TURN, `No turn of thread ${parsed.threadId} is running on this device; there is nothing to interrupt.`);
      return { threadId: parsed.threadId, turnId };
    }
    case "answerServerRequest":
      return answer(parsed, where, sent, context);
    case "archiveThread":
    case "unarchiveThread": {
      const thread = threads.thread(parsed.threadId, where);
      if (parsed.kind === "archiveThread") await thread.request(threadArchive, { threadId: parsed.threadId }, () => sent());
      else await thread.request(threadUnarchive, { threadId: parsed.threadId }, () => sent());
      return { threadId: parsed.threadId };
    }
    case "renameThread":
      await threads.thread(parsed.threadId, where).request(threadSetName, { threadId: parsed.threadId, name: parsed.name }, () => sent());
      return { threadId: parsed.threadId };
    case "forkThread": {
      const source = threads.thread(parsed.threadId, where);
      const cwd = threads.cwdOf(source.sessionId);
      const fork = threads.newThread(cwd, { forkedFrom: parsed.threadId, startedBy: command.commandId });
      where.sessionId = fork.sessionId;
      const { thread } = await fork.request(threadFork, { threadId: parsed.threadId, cwd, excludeTurns: true }, () => sent(fork.sessionId));
      context.openHandle(fork.sessionId).update({ threadId: thread.id });
      threads.set(thread.id, fork);
      return { threadId: thread.id };
    }
    case "rollbackThread":
      return rollback(parsed, where, sent, context);
  }
}

function answer(parsed: Extract<ParsedCommand, { kind: "answerServerRequest" }>, where: { sessionId?: string }, sent: () => void, context: CommandContext): { threadId: string } {
const { threads } = context;
  const thread = threads.get(parsed.threadId);
  if (thread) where.sessionId = thread.sessionId;
  sent();
  const refusal = context.broker.answer(parsed.threadId, parsed.jsonRpcId, { result: parsed.response }, parsed.method, parsed.requestSeq);
  if (refusal === "WRONG_METHOD") throw new CommandFailure("INVALID_COMMAND", `Request ${JSON.stringify(parsed.jsonRpcId)} of thread ${parsed.threadId} is not a ${parsed.method}.`);
  if (refusal === "NOT_PENDING") {
    throw new CommandFailure(
      REQUEST_EXPIRED,
      `codex no longer waits for request ${JSON.stringify(parsed.jsonRpcId)} of thread ${parsed.threadId}: it was answered (maybe by --unattended after --approval-timeout), or its codex stopped (then it is recorded expired).`,
    );
  }
  return { threadId: parsed.threadId };
}

async function rollback(parsed: Extract<ParsedCommand, { kind: "rollbackThread" }>, where: { sessionId?: string }, sent: () => void, context: CommandContext): Promise<{ threadId: string }> {
const { threads } = context;
  const thread = threads.thread(parsed.threadId, where);
  if (thread.activeTurnId !== null) throw new CommandFailure("TURN_RUNNING", `A turn of thread ${parsed.threadId} is running; interrupt it before rolling back.`);
  const { data } = await thread.request(threadTurnsList, { threadId: parsed.threadId, limit: parsed.numTurns, sortDirection: "desc" });
  const before = data[parsed.numTurns - 1];
  if (data.length < parsed.numTurns || !before) {
    throw new CommandFailure("INVALID_COMMAND", `Thread ${parsed.threadId} has ${data.length} turn(s); it cannot roll back ${parsed.numTurns}.`);
  }
  await thread.request(threadRevert, { threadId: parsed.threadId, beforeTurnId: before.id }, sent);
  return { threadId: parsed.threadId };
}
