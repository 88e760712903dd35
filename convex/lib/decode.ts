/**
 * Classifies one outbox line as JSON-RPC: notification, server request,
 * response, or malformed. Pure; never throws.
 */

export type JsonObject = Record<string, unknown>;

export type DecodedLine =
  | { type: "notification"; method: string; params: JsonObject }
  | { type: "serverRequest"; id: string | number; method: string; params: JsonObject }
  | { type: "response"; id: string | number; result: JsonObject | undefined }
  | { type: "malformed"; reason: string };

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Decodes `line`; anything that is not a JSON-RPC message is `malformed` with a reason. */
export function decodeLine(line: string): DecodedLine {
  let message: unknown;
  try {
    message = JSON.parse(line);
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
