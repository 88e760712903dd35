#!/usr/bin/env node
/**
 * A stand-in for the codex binary (`--codex-bin`) that runs the REAL codex
 * (CHAOS_REAL_CODEX) and misbehaves around it, so the bridge meets a child
 * that prints garbage, floods stderr, or dies mid-turn while codex still does
 * the real work. Every knob is an environment variable:
 *
 * - CHAOS_GARBAGE_EVERY=N: after every N real stdout lines, one garbage line
 *   (not JSON, truncated JSON, a cut copy of the last real line, a JSON array,
 *   a response to an unknown id, whitespace); at the end, a truncated line
 *   without a newline. Each is appended to CHAOS_GARBAGE_LOG (JSON Lines).
 * - CHAOS_STDERR_BYTES=N: writes N bytes to stderr at start, and again
 *   N/4 after every 50 real lines.
 * - CHAOS_TEE=file: appends every real stdout line codex printed, as printed.
 * - CHAOS_EXIT_ON=text, CHAOS_EXIT_COUNT=K, CHAOS_EXIT_ONCE=file: after the
 *   K-th real line containing `text`, kills codex and exits 137, unless
 *   `file` exists (it is created, so only the first codex dies).
 */
import { Buffer } from "node:buffer";
import { spawn } from "node:child_process";
import { appendFileSync, existsSync, writeFileSync } from "node:fs";
import process from "node:process";

const env = process.env;
const real = env.CHAOS_REAL_CODEX;
if (!real) {
  process.stderr.write("codex-wrapper: set CHAOS_REAL_CODEX\n");
  process.exit(2);
}
const args = process.argv.slice(2);
const appServer = args[0] === "app-server";
if (!appServer) {
  // `codex --version` and friends: pass through untouched.
  spawn(real, args, { stdio: "inherit" }).on("close", (code) => process.exit(code ?? 1));
}

function wrap() {
  const child = spawn(real, args, { stdio: ["pipe", "pipe", "pipe"] });
  process.stdin.pipe(child.stdin);
  child.stderr.on("data", (chunk) => process.stderr.write(chunk));

  const garbageEvery = Number(env.CHAOS_GARBAGE_EVERY ?? 0);
  const stderrBytes = Number(env.CHAOS_STDERR_BYTES ?? 0);
  const exitCount = Number(env.CHAOS_EXIT_COUNT ?? 1);
  let realLines = 0;
  let garbageIndex = 0;
  let matches = 0;
  let lastLine = "";
  let pending = Buffer.alloc(0);

  function flood(bytes) {
    const line = "codex-wrapper: noisy stderr line for the drain test ".padEnd(127, "~") + "\n";
    const block = line.repeat(Math.ceil(65536 / line.length));
    for (let written = 0; written < bytes; written += block.length) process.stderr.write(block);
  }

  function garbage() {
    const kinds = [
      () => "this is not JSON at all",
      () => '{"method":"item/agentMessage/delta","params":{"threadId":"thr_x","delta":"cut',
      () => lastLine.slice(0, Math.max(1, Math.floor(lastLine.length / 2))),
      () => "[1,2,3]",
      () => '{"id":987654,"result":{"unexpected":true}}',
      () => "   \t  ",
    ];
    const line = kinds[garbageIndex++ % kinds.length]();
    if (env.CHAOS_GARBAGE_LOG) appendFileSync(env.CHAOS_GARBAGE_LOG, JSON.stringify(line) + "\n");
    return line;
  }

  if (stderrBytes > 0) flood(stderrBytes);

  child.stdout.on("data", (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    let at;
    while ((at = pending.indexOf(0x0a)) !== -1) {
      const line = pending.subarray(0, at + 1);
      pending = pending.subarray(at + 1);
      process.stdout.write(line);
      const text = line.toString("utf8").replace(/\n$/, "");
      if (env.CHAOS_TEE) appendFileSync(env.CHAOS_TEE, line);
      realLines += 1;
      lastLine = text;
      if (garbageEvery > 0 && realLines % garbageEvery === 0) process.stdout.write(garbage() + "\n");
      if (stderrBytes > 0 && realLines % 50 === 0) flood(stderrBytes / 4);
      if (env.CHAOS_EXIT_ON && text.includes(env.CHAOS_EXIT_ON) && ++matches === exitCount && !existsSync(env.CHAOS_EXIT_ONCE ?? "")) {
        if (env.CHAOS_EXIT_ONCE) writeFileSync(env.CHAOS_EXIT_ONCE, "died once\n");
        child.kill("SIGKILL");
        process.exit(137);
      }
    }
  });
  child.stdout.on("end", () => {
    if (pending.length > 0) process.stdout.write(pending);
    if (garbageEvery > 0) {
      const tail = '{"method":"truncated/atExit","params":{"cut":';
      if (env.CHAOS_GARBAGE_LOG) appendFileSync(env.CHAOS_GARBAGE_LOG, JSON.stringify(tail) + "\n");
      process.stdout.write(tail);
    }
  });
  child.on("close", (code, signal) => {
    process.exitCode = code ?? (signal ? 137 : 1);
    process.stdin.destroy();
  });
}

if (appServer) wrap();
