/**
 * `npm run demo`: one real Codex turn, stored store-first and read back from
 * the component, with no account and no network.
 *
 * Real: the `codex app-server` binary, the bridge (outbox, pusher, transport
 * interface), the component and host functions. Local stand-ins: the model (a
 * scripted OpenAI Responses API server on 127.0.0.1) and the Convex deployment
 * (the component run in-process by convex-test).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { api } from "./convex/_generated/api.js";
import { findCodexBinary } from "../src/bridge/codex/codexBinary.js";
import { run } from "../src/bridge/jobs/run.js";
import type { MessageDoc } from "../src/shared/validators.js";
import { makeCodexHome } from "../test/stand-ins/codex-home.js";
import { createConvexApp } from "../test/stand-ins/convexApp.js";
import { ConvexTestTransport, LOCAL_USER } from "../test/stand-ins/convexTestTransport.js";
import { startScriptedModel } from "../test/stand-ins/model-server.js";

const PROMPT = "What is in this folder? Answer in one sentence.";

/** What the scripted model answers: reasoning, a command, then a streamed answer. */
const SCRIPT = [
  [
    { type: "reasoning" as const, summary: ["Listing the folder is the quickest way to answer."] },
    { type: "message" as const, text: "Let me look at the folder first.", chunks: 4 },
    { type: "shell" as const, command: "ls -1" },
  ],
  [
    {
      type: "message" as const,
      text: "This folder holds a README and a small TypeScript file, hello.ts, that prints a greeting.",
      chunks: 12,
    },
  ],
];

function describeMessage(m: MessageDoc): string {
  const text = (m.text ?? "").trim().replace(/\n/g, "\n      ");
  return `  #${m.order} ${m.kind} [${m.status}]${text ? `\n      ${text}` : ""}`;
}

async function main(): Promise<void> {
  const binary = findCodexBinary();
  const model = await startScriptedModel({ script: SCRIPT });
  const home = await makeCodexHome({ modelUrl: model.url });
  const work = await mkdtemp(path.join(os.tmpdir(), "codex-convex-demo-"));
  await writeFile(path.join(work, "README.md"), "# A demo project\n");
  await writeFile(path.join(work, "hello.ts"), 'console.log("hello");\n');
  const t = createConvexApp();
  try {
    console.log("codex-convex demo");
    console.log(`  codex app-server   real binary (${binary.source}): ${binary.path}`);
    console.log(`  model              LOCAL STAND-IN: scripted Responses API at ${model.url}`);
    console.log("  bridge + outbox    real (SQLite outbox, pusher)");
    console.log("  Convex             LOCAL STAND-IN: component + example host app under convex-test, in process");
    console.log(`  prompt             ${JSON.stringify(PROMPT)}\n`);

    const summary = await run({
      prompt: PROMPT,
      cwd: work,
      transport: new ConvexTestTransport(t),
      outboxPath: path.join(work, ".codex-convex", "outbox.sqlite"),
      codexBin: binary.path,
      codexEnv: home.env,
    });

    const user = t.withIdentity(LOCAL_USER);
    const page = await user.query(api.codex.listMessages, {
      threadId: summary.threadId,
      order: "asc",
      paginationOpts: { numItems: 100, cursor: null },
    });
    console.log(`thread ${summary.threadId} as messages.list returns it (${page.page.length} messages):`);
    for (const message of page.page) console.log(describeMessage(message));
    console.log("\nrun summary");
    console.log(`  turn status        ${summary.status}${summary.error ? ` (${summary.error})` : ""}`);
    console.log(`  events in outbox   ${summary.events} (lines from codex and from the bridge)`);
    console.log(`  acknowledged       ${summary.acked} in ${summary.pushes} ingestSafe calls; drained: ${summary.drained}`);
    console.log(`  turn wall time     ${summary.turnMs} ms; whole run ${summary.durationMs} ms`);
    console.log("\nWith a real deployment: set CONVEX_URL (from `npx convex dev`) and run");
    console.log('  npx codex-convex run "<prompt>" --cwd <dir>   (uses your own `codex login`)');
    if (summary.status !== "completed" || !summary.drained) process.exitCode = 1;
  } finally {
    await model.close();
    await home.cleanup();
    await rm(work, { recursive: true, force: true });
  }
}

main().then(
  // The in-process Convex stand-in keeps the component's scheduled watchdogs and
  // cleanup (minutes to hours ahead) as timers; the demo is over, so leave now.
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
    process.exit(1);
  },
);
