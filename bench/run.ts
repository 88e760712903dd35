/**
 * `npm run bench`: every benchmark, one after the other, each printing its
 * tables. Throughput is measured here, never in timed tests.
 */
import { runCodexModesBench } from "./codexModes.bench.js";
import { runCostBench } from "./cost.bench.js";
import { runLatencyBench } from "./latency.bench.js";
import { runOutboxBench } from "./outbox.bench.js";
import { runPushBench } from "./push.bench.js";
import { runSyncBench } from "./sync.bench.js";
import { runSessionsBench } from "./sessions.bench.js";
import { runSteerBench } from "./steer.bench.js";
import { runSteerE2eBench } from "./steerE2e.bench.js";

const started = Date.now();
console.log(`codex-convex benchmarks (node ${process.version}, ${process.platform}/${process.arch})\n`);
await runOutboxBench();
console.log("");
await runPushBench();
console.log("");
await runSyncBench();
console.log("");
await runSteerBench();
console.log("");
await runLatencyBench();
console.log("");
await runCostBench();
console.log("");
await runSessionsBench();
console.log("");
await runCodexModesBench();
console.log("");
await runSteerE2eBench();
console.log(`\nall benchmarks: ${((Date.now() - started) / 1000).toFixed(1)} s`);
// convex-test keeps the timers of scheduled functions (idle watchdogs, expiry) alive; they are not ours to wait for.
process.exit(0);
