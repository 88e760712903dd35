/**
 * The arguments of each command kind, checked on the bridge too: the host
 * validates them, but the bridge trusts nothing it did not check itself
 * before it acts on a desktop. A path never comes from a command: a new thread
 * names one of the workspaces this bridge declared, by id.
 */
import { COMMAND_KINDS, type CommandKind, type DeviceCommand } from "./commandSource.js";

/** Longest prompt or message accepted, in characters (the jobs' limit). */
export const MAX_COMMAND_TEXT_CHARS = 1024 * 1024;

/** Longest thread name accepted, in characters. */
export const MAX_THREAD_NAME_CHARS = 200;

/** Most turns one rollback may remove. */
export const MAX_ROLLBACK_TURNS = 1_000;

/** The checked arguments of one command. */
export type ParsedCommand =
  | { kind: "startThread"; workspaceId: string; prompt: string; model?: string; cwd?: string }
  | { kind: "sendMessage"; threadId: string; text: string }
  | { kind: "interruptTurn"; threadId: string }
  | { kind: "answerServerRequest"; threadId: string; jsonRpcId: string | number; method: string; response: unknown; requestSeq?: number }
  | { kind: "archiveThread" | "unarchiveThread" | "forkThread"; threadId: string }
  | { kind: "renameThread"; threadId: string; name: string }
  | { kind: "rollbackThread"; threadId: string; numTurns: number };

/** A command the bridge will not run, with the reason (reported as `INVALID_COMMAND`). */
export class InvalidCommand extends Error {
  override readonly name = "InvalidCommand";
}

/**
 * Parses and checks a command's kind, thread and JSON arguments.
 * @throws InvalidCommand naming what is wrong.
 */
export function parseCommand(command: Pick<DeviceCommand, "kind" | "threadId" | "args">): ParsedCommand {
  if (!(COMMAND_KINDS as readonly string[]).includes(command.kind)) throw new InvalidCommand(`unknown command kind ${JSON.stringify(command.kind)}`);
  const kind = command.kind as CommandKind;
  let args: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(command.args);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
    args = parsed as Record<string, unknown>;
  } catch {
    throw new InvalidCommand(`the arguments of ${kind} are not a JSON object`);
  }
  if (kind === "startThread") {
    const model = optionalText(args.model, "model", 200);
    const cwd = optionalText(args.cwd, "cwd", 4096);
    return { kind, workspaceId: text(args.workspaceId, "workspaceId", 200), prompt: text(args.prompt, "prompt", MAX_COMMAND_TEXT_CHARS), ...(model ? { model } : {}), ...(cwd ? { cwd } : {}) };
  }
  if (command.threadId !== undefined && args.threadId !== undefined && command.threadId !== args.threadId) {
    throw new InvalidCommand("the command's threadId and its arguments' threadId differ");
  }
  const threadId = text(command.threadId ?? args.threadId, "threadId", 200);
  switch (kind) {
    case "sendMessage":
      return { kind, threadId, text: text(args.text, "text", MAX_COMMAND_TEXT_CHARS) };
    case "interruptTurn":
      return { kind, threadId };
    case "answerServerRequest": {
      const { jsonRpcId, method, response } = args;
      if (typeof jsonRpcId !== "number" && typeof jsonRpcId !== "string") throw new InvalidCommand("answerServerRequest needs the request's jsonRpcId");
      if (typeof response !== "object" || response === null || Array.isArray(response)) throw new InvalidCommand("answerServerRequest needs a response object");
      const { requestSeq } = args;
      if (requestSeq !== undefined && requestSeq !== null && (typeof requestSeq !== "number" || !Number.isSafeInteger(requestSeq) || requestSeq < 1)) {
        throw new InvalidCommand("requestSeq must be a positive integer");
      }
      return { kind, threadId, jsonRpcId, method: text(method, "method", 200), response, ...(typeof requestSeq === "number" ? { requestSeq } : {}) };
    }
    case "renameThread":
      return { kind, threadId, name: text(args.name, "name", MAX_THREAD_NAME_CHARS) };
    case "rollbackThread": {
      const n = args.numTurns;
      if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > MAX_ROLLBACK_TURNS) throw new InvalidCommand(`numTurns must be an integer from 1 to ${MAX_ROLLBACK_TURNS}`);
      return { kind, threadId, numTurns: n };
    }
    default:
      return { kind, threadId };
  }
}

function text(value: unknown, name: string, maxChars: number): string {
  if (typeof value !== "string" || value.length === 0 || value.length > maxChars) throw new InvalidCommand(`${name} must be a non-empty string of at most ${maxChars} characters`);
  return value;
}

function optionalText(value: unknown, name: string, maxChars: number): string | undefined {
  return value === undefined || value === null ? undefined : text(value, name, maxChars);
}
