/**
 * A serve-mode bridge as a child process (for kill -9 tests): Bridge + CommandLoop
 * on the outbox at OUTBOX, pushing with the production ConvexHttpTransport to
 * PUSH_URL, taking commands from the HTTP fake host at COMMANDS_URL, threads in
 * WORKSPACE. Server requests wait for the browser. Stops on SIGTERM.
 */
import { ServerRequestBroker } from "../../src/bridge/codex/serverRequestBroker.js";
import { Bridge } from "../../src/bridge/jobs/bridge.js";
import { Outbox } from "../../src/bridge/outbox/outbox.js";
import { ConvexHttpTransport } from "../../src/bridge/push/convexHttpTransport.js";
import { CommandLog } from "../../src/bridge/serve/commandLog.js";
import { CommandLoop } from "../../src/bridge/serve/commandLoop.js";
import { CODEX_BINARY_PATH } from "../stand-ins/codex-home.js";
import { HttpCommandSource } from "../stand-ins/httpCommandSource.js";

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const outboxPath = env("OUTBOX");
const outbox = Outbox.open(outboxPath);
const commandLog = CommandLog.open(outboxPath);
const broker = new ServerRequestBroker({ waitMs: Infinity, unattended: "decline" });
const log = { error: (m: string) => console.error(`[child] ${m}`), warn: (m: string) => console.error(`[child] ${m}`), info: (m: string) => console.error(`[child] ${m}`), debug() {} };
const transport = new ConvexHttpTransport({ url: env("PUSH_URL"), skipConvexDeploymentUrlCheck: true, deviceSecret: "child-device-secret-0123456789-0123456789-x" });
let loop: CommandLoop | null = null;
const bridge = new Bridge({
  outbox,
  transport,
  binaryPath: CODEX_BINARY_PATH,
  jobs: [],
  keepAlive: true,
  supervision: { onServerRequest: broker.hold },
  beforeClose: (reason) => loop?.stop(reason) ?? Promise.resolve(),
  log,
});
const running = bridge.run();
loop = new CommandLoop({
  source: new HttpCommandSource(env("COMMANDS_URL")),
  outbox,
  openHandle: (sessionId) => bridge.openHandle(sessionId),
  commandLog,
  broker,
  binaryPath: CODEX_BINARY_PATH,
  workspaces: [{ path: env("WORKSPACE") }],
  log,
});
await loop.start();
process.stderr.write("[child] serving\n");
process.on("SIGTERM", () => bridge.stop("SIGTERM"));
await running;
commandLog.close();
outbox.close();
process.exit(0);
