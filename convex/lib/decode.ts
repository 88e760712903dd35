/**
 * Classifies one outbox line as JSON-RPC: notification, server request,
 * response, or malformed. Pure; never throws. Every string it returns is
 * well-formed Unicode (a lone surrogate, e.g. from a `\ud800` escape, becomes
 * U+FFFD), so nothing taken from a line can fail to store, and a line nested
 * deeper than `MAX_LINE_JSON_DEPTH` is malformed rather than walked.
 */
import { MAX_LINE_JSON_DEPTH } from "../../src/shared/limits.js";

export type JsonObject = Record<string, unknown>;

export type DecodedLine =
  | { type: "notification"; method: string; params: JsonObject }
  | { type: "serverRequest"; id: string | number; method: string; params: JsonObject }
  | { type: "response"; id: string | number; result: JsonObject | undefined }
  | { type: "malformed"; reason: string };

/** A surrogate code unit without its partner. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** A line that may decode to a lone surrogate: a surrogate escape, or a surrogate code unit itself. */
const MAY_HOLD_SURROGATES = /\\u[dD][89a-fA-F]|[\ud800-\udfff]/;

/** `text` with every lone surrogate replaced by U+FFFD. */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, "\ufffd");
}

/** Whether the JSON text `line` nests arrays/objects deeper than `max` (strings skipped). Iterative. */
export function nestsDeeperThan(line: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Decodes `line`; anything that is not a JSON-RPC message is `malformed` with a reason. */
export function decodeLine(line: string): DecodedLine {
  if (nestsDeeperThan(line, MAX_LINE_JSON_DEPTH)) {
    return { type: "malformed", reason: `nested deeper than ${MAX_LINE_JSON_DEPTH} levels` };
  }
  let message: unknown;
  try {
    message = MAY_HOLD_SURROGATES.test(line)
      ? JSON.parse(line, (_key, value: unknown) => (typeof value === "string" ? wellFormed(value) : value))
      : JSON.parse(line);
  } catch (error) {
    return { type: "malformed", reason: `not JSON: ${(error as Error).message}` };
  }
  if (!isObject(message)) return { type: "malformed", reason: "not a JSON object" };
  const { id, method } = message;
  const params = isObject(message.params) ? message.params : {};
  const hasId = typeof id === "string" || typeof id === "number";
  if (typeof method === "string") {
    return hasId
      ? { type: "serverRequest", id, method, params }
      : { type: "notification", method, params };
  }
  if (hasId && ("result" in message || "error" in message)) {
    return { type: "response", id, result: isObject(message.result) ? message.result : undefined };
  }
  return { type: "malformed", reason: "neither a request, a notification nor a response" };
}

/** `value[key]` when it is a string, else undefined. */
export function stringField(value: JsonObject, key: string): string | undefined {
  const field = value[key];
  return typeof field === "string" ? field : undefined;
}

/** `value[key]` when it is a number, else undefined. */
export function numberField(value: JsonObject, key: string): number | undefined {
  const field = value[key];
  return typeof field === "number" ? field : undefined;
}

/** `value[key]` when it is a boolean, else undefined. */
export function booleanField(value: JsonObject, key: string): boolean | undefined {
  const field = value[key];
  return typeof field === "boolean" ? field : undefined;
}

/** `value[key]` when it is an object, else undefined. */
export function objectField(value: JsonObject, key: string): JsonObject | undefined {
  const field = value[key];
  return isObject(field) ? field : undefined;
}
