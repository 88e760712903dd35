/**
 * A scripted stand-in for the OpenAI Responses API, good enough for the real
 * `codex app-server` to run whole turns against it without any network.
 *
 * Codex (with a custom provider whose `wire_api = "responses"` and whose
 * `base_url` is {@link ScriptedModel.url}) POSTs every model call to
 * `${base_url}/responses` and reads the answer as server-sent events. Each such
 * request consumes the next entry of the script; once the script is used up the
 * server answers with a short final message, so a turn always ends.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";

/** Largest request body accepted (bytes); codex sends roughly 40 KB per call. */
export const MAX_REQUEST_BODY_BYTES = 16 * 1024 * 1024;
/** Default number of `response.output_text.delta` events per message. */
export const DEFAULT_MESSAGE_CHUNKS = 4;
/** Text of the message sent once the script is exhausted. */
export const DEFAULT_FALLBACK_TEXT = "Done.";

/** One output item of a scripted model response. */
export type ScriptedOutput =
  /** Assistant text, streamed as `chunks` deltas (default {@link DEFAULT_MESSAGE_CHUNKS}). */
  | { type: "message"; text: string; chunks?: number }
  /**
   * A reasoning item whose summary parts (and optional raw reasoning `content`
   * parts) are each streamed as one delta.
   */
  | { type: "reasoning"; summary: string[]; content?: string[] }
  /**
   * A call of codex's shell tool; an array is joined into one shell-quoted command.
   * `escalate` asks to run outside the sandbox, which makes codex request approval
   * under `approval_policy = "on-request"`.
   */
  | { type: "shell"; command: string | string[]; workdir?: string; escalate?: boolean }
  /** A call of codex's `apply_patch` tool with the raw patch text (see {@link addFilePatch}). */
  | { type: "patch"; patch: string };

/**
 * One model response: its outputs, and optionally its own delay between SSE
 * events and a hold: after `hold.afterEvents` SSE events (counting
 * `response.created`) the response waits for `hold.until` before sending the
 * rest, so a test can act while a message is half streamed without racing it.
 */
export type ScriptedResponse =
  | ScriptedOutput[]
  | { outputs: ScriptedOutput[]; eventDelayMs?: number; hold?: { afterEvents: number; until: Promise<unknown> } };

/** Options of {@link startScriptedModel}. */
export interface ScriptedModelOptions {
  /** Responses in the order requests arrive; request N gets entry N. */
  script: ScriptedResponse[];
  /**
   * Picks the response from the request instead (e.g. by the prompt in its
   * `input`), so the answer does not depend on how many calls came before;
   * `undefined` falls back to `script`. `index` is the 0-based call number.
   */
  respond?: (body: Record<string, unknown>, index: number) => ScriptedResponse | undefined;
  /** Pause between two SSE events of one response (ms); default 0. */
  eventDelayMs?: number;
  /** Message sent once the script is exhausted; default {@link DEFAULT_FALLBACK_TEXT}. */
  fallbackText?: string;
}

/** A request received by the scripted model, body parsed as JSON when possible. */
export interface RecordedRequest {
  method: string;
  /** Path and query as received, e.g. `/v1/responses`. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body, or the raw text when it was not JSON, or `undefined` when empty. */
  body: unknown;
}

/** A running scripted model server. */
export interface ScriptedModel {
  /** Base URL to configure as the provider's `base_url`, e.g. `http://127.0.0.1:PORT/v1`. */
  url: string;
  /** Every request received, in arrival order (model calls and anything else). */
  requests: RecordedRequest[];
  /** Bodies of the `/responses` calls only, in arrival order. */
  responseRequests(): Record<string, unknown>[];
  /** Stops listening, drops open connections and cancels pending SSE writes. */
  close(): Promise<void>;
}

type ToolKind = { shell: "exec_command" | "shell_command" | "shell"; patch: "custom" | "function" };
type SseEvent = Record<string, unknown> & { type: string };

/**
 * Starts the scripted model on 127.0.0.1 with a random port.
 *
 * @param options the script (one entry per model call), the delay between SSE
 *   events in ms and the text used once the script runs out.
 * @returns the running server; call `close()` when done.
 * @throws if the server cannot listen.
 */
export async function startScriptedModel(options: ScriptedModelOptions): Promise<ScriptedModel> {
  const requests: RecordedRequest[] = [];
  const responseBodies: Record<string, unknown>[] = [];
  const pendingTimers = new Set<NodeJS.Timeout>();
  const ids = counter();
  let closed = false;

  const server = createServer((req, res) => {
    readBody(req)
      .then(async (raw) => {
        const body = parseBody(raw);
        requests.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, body });
        if (req.method !== "POST" || !(req.url ?? "").split("?")[0]!.endsWith("/responses")) {
          sendJson(res, 404, { error: { message: `scripted model: no route ${req.method} ${req.url}` } });
          return;
        }
        const requestBody = isRecord(body) ? body : {};
        responseBodies.push(requestBody);
        const index = responseBodies.length - 1;
        const entry = options.respond?.(requestBody, index) ?? options.script[index];
        const outputs = entry === undefined ? [fallback(options)] : Array.isArray(entry) ? entry : entry.outputs;
        const delayMs = (entry !== undefined && !Array.isArray(entry) ? entry.eventDelayMs : undefined) ?? options.eventDelayMs ?? 0;
        const events = responseEvents(outputs, toolKind(requestBody), ids);
        const hold = entry !== undefined && !Array.isArray(entry) ? entry.hold : undefined;
        await streamEvents(res, events, delayMs, pendingTimers, () => closed, hold);
      })
      .catch((error: unknown) => {
        if (!res.headersSent) sendJson(res, 400, { error: { message: String(error) } });
        else res.destroy();
      });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    responseRequests: () => [...responseBodies],
    close: async () => {
      closed = true;
      for (const timer of pendingTimers) clearTimeout(timer);
      pendingTimers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Builds the text of an `apply_patch` call that creates one file.
 *
 * @param path file path, relative to the turn's cwd (or absolute).
 * @param content the new file's text; a trailing newline is implied.
 * @returns the patch text, `*** Begin Patch` through `*** End Patch`.
 */
export function addFilePatch(path: string, content: string): string {
  const lines = content.replace(/\n$/, "").split("\n").map((line) => `+${line}`);
  return ["*** Begin Patch", `*** Add File: ${path}`, ...lines, "*** End Patch", ""].join("\n");
}

function fallback(options: ScriptedModelOptions): ScriptedOutput {
  return { type: "message", text: options.fallbackText ?? DEFAULT_FALLBACK_TEXT, chunks: 1 };
}

/** Picks the shell/patch tool shapes from the request's `tools` array (codex varies them by model). */
function toolKind(body: Record<string, unknown>): ToolKind {
  const tools = Array.isArray(body.tools) ? body.tools.filter(isRecord) : [];
  const find = (name: string) => tools.find((tool) => tool.name === name);
  const shell = find("exec_command") ? "exec_command" : find("shell_command") ? "shell_command" : "shell";
  const patchTool = find("apply_patch");
  return { shell, patch: patchTool?.type === "function" ? "function" : "custom" };
}

/** All SSE events of one response, `response.created` through `response.completed`. */
function responseEvents(outputs: ScriptedOutput[], tools: ToolKind, ids: () => number): SseEvent[] {
  const responseId = `resp_${ids()}`;
  const events: SseEvent[] = [{ type: "response.created", response: { id: responseId } }];
  outputs.forEach((output, outputIndex) => events.push(...outputEvents(output, outputIndex, tools, ids)));
  events.push({ type: "response.completed", response: { id: responseId, usage: usage(outputs) } });
  return events;
}

function outputEvents(output: ScriptedOutput, outputIndex: number, tools: ToolKind, ids: () => number): SseEvent[] {
  const n = ids();
  switch (output.type) {
    case "message": {
      const id = `msg_${n}`;
      const done = { type: "message", role: "assistant", id, content: [{ type: "output_text", text: output.text }] };
      const deltas = splitText(output.text, output.chunks ?? DEFAULT_MESSAGE_CHUNKS).map((delta) => ({
        type: "response.output_text.delta",
        item_id: id,
        output_index: outputIndex,
        content_index: 0,
        delta,
      }));
      return [
        { type: "response.output_item.added", output_index: outputIndex, item: { ...done, content: [] } },
        ...deltas,
        { type: "response.output_item.done", output_index: outputIndex, item: done },
      ];
    }
    case "reasoning": {
      const id = `rs_${n}`;
      const summary = output.summary.map((text) => ({ type: "summary_text", text }));
      const content = (output.content ?? []).map((text) => ({ type: "reasoning_text", text }));
      const at = { item_id: id, output_index: outputIndex };
      const summaryParts = output.summary.flatMap((text, summaryIndex) => [
        { type: "response.reasoning_summary_part.added", ...at, summary_index: summaryIndex },
        { type: "response.reasoning_summary_text.delta", ...at, summary_index: summaryIndex, delta: text },
      ]);
      const contentParts = content.map(({ text }, contentIndex) => ({
        type: "response.reasoning_text.delta",
        ...at,
        content_index: contentIndex,
        delta: text,
      }));
      const done = { type: "reasoning", id, summary, ...(content.length > 0 ? { content } : {}), encrypted_content: null };
      return [
        { type: "response.output_item.added", output_index: outputIndex, item: { type: "reasoning", id, summary: [] } },
        ...summaryParts,
        ...contentParts,
        { type: "response.output_item.done", output_index: outputIndex, item: done },
      ];
    }
    case "shell":
      return toolCallEvents(outputIndex, {
        type: "function_call",
        id: `fc_${n}`,
        call_id: `call_${n}`,
        name: tools.shell,
        arguments: JSON.stringify(shellArguments(output, tools.shell)),
      });
    case "patch":
      return toolCallEvents(
        outputIndex,
        tools.patch === "custom"
          ? { type: "custom_tool_call", id: `ctc_${n}`, call_id: `call_${n}`, name: "apply_patch", input: output.patch }
          : { type: "function_call", id: `fc_${n}`, call_id: `call_${n}`, name: "apply_patch", arguments: JSON.stringify({ input: output.patch }) },
      );
  }
}

function toolCallEvents(outputIndex: number, item: Record<string, unknown>): SseEvent[] {
  return [
    { type: "response.output_item.added", output_index: outputIndex, item },
    { type: "response.output_item.done", output_index: outputIndex, item },
  ];
}

function shellArguments(output: Extract<ScriptedOutput, { type: "shell" }>, tool: ToolKind["shell"]): Record<string, unknown> {
  const line = typeof output.command === "string" ? output.command : output.command.map(shellQuote).join(" ");
  const extra = {
    ...(output.workdir === undefined ? {} : { workdir: output.workdir }),
    ...(output.escalate ? { sandbox_permissions: "require_escalated", justification: "Allow this scripted command?" } : {}),
  };
  if (tool === "exec_command") return { cmd: line, ...extra };
  if (tool === "shell_command") return { command: line, ...extra };
  const argv = typeof output.command === "string" ? ["bash", "-lc", output.command] : output.command;
  return { command: argv, ...extra };
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Splits `text` into `chunks` non-empty pieces (fewer if the text is shorter). */
function splitText(text: string, chunks: number): string[] {
  const count = Math.max(1, Math.min(Math.floor(chunks), text.length));
  const size = Math.ceil(text.length / count);
  const pieces: string[] = [];
  for (let start = 0; start < text.length; start += size) pieces.push(text.slice(start, start + size));
  return pieces.length > 0 ? pieces : [""];
}

function usage(outputs: ScriptedOutput[]): Record<string, unknown> {
  const outputTokens = outputs.length * 8;
  return {
    input_tokens: 100,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: 100 + outputTokens,
  };
}

/** Writes the events as SSE, pausing `delayMs` between them; stops early if the client goes away. */
async function streamEvents(
  res: ServerResponse,
  events: SseEvent[],
  delayMs: number,
  timers: Set<NodeJS.Timeout>,
  isClosed: () => boolean,
  hold?: { afterEvents: number; until: Promise<unknown> },
): Promise<void> {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  for (const [index, event] of events.entries()) {
    if (index > 0 && delayMs > 0) await sleep(delayMs, timers);
    if (hold !== undefined && index === hold.afterEvents) await hold.until;
    if (isClosed() || res.destroyed || res.writableEnded) return;
    res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
  }
  res.end();
}

function sleep(ms: number, timers: Set<NodeJS.Timeout>): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      resolve();
    }, ms);
    timers.add(timer);
  });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_REQUEST_BODY_BYTES) throw new Error(`request body over ${MAX_REQUEST_BODY_BYTES} bytes`);
    chunks.push(buffer);
  }
  return decode(Buffer.concat(chunks), req.headers["content-encoding"]).toString("utf8");
}

function decode(buffer: Buffer, encoding: string | undefined): Buffer {
  switch ((encoding ?? "identity").toLowerCase()) {
    case "identity":
      return buffer;
    case "gzip":
      return gunzipSync(buffer);
    case "deflate":
      return inflateSync(buffer);
    case "br":
      return brotliDecompressSync(buffer);
    default:
      throw new Error(`unsupported content-encoding ${encoding}`);
  }
}

function parseBody(raw: string): unknown {
  if (raw === "") return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function counter(): () => number {
  let next = 0;
  return () => ++next;
}
