import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Outbox } from "../outbox/outbox.js";
import { BRIDGE_RESTARTED, CommandLog } from "./commandLog.js";

const command = (commandId: string, kind = "sendMessage", threadId = "thr") => ({ commandId, kind, threadId });

describe("CommandLog", () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "codex-convex-cmdlog-"));
    file = path.join(dir, "outbox.sqlite");
    Outbox.open(file).close(); // lives in the outbox file, beside its tables
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("claims an id once; a refused claim forgets it", () => {
    const log = CommandLog.open(file);
    expect(log.claiming(command("a"))).toBe(true);
    expect(log.claiming(command("a"))).toBe(false);
    log.unclaimed("a");
    expect(log.has("a")).toBe(false);
    log.close();
  });

  it("after a dead bridge: unsent commands fail BRIDGE_RESTARTED, sent ones are done, known outcomes are kept", () => {
    const dead = CommandLog.open(file, { pid: 111, processToken: () => null });
    dead.claiming(command("claiming"));
    dead.claiming(command("claimed"));
    dead.claimed("claimed");
    dead.claiming(command("sent", "startThread", ""));
    dead.claimed("sent");
    dead.sent("sent", { threadId: "thr-new", sessionId: "sess" });
    dead.claiming(command("finished"));
    dead.claimed("finished");
    dead.finished("finished", { error: { code: "NO_ACTIVE_TURN", message: "none" } });
    dead.claiming(command("reported"));
    dead.finished("reported", { result: {} });
    dead.reported("reported");
    dead.close();

    const log = CommandLog.open(file, { pid: 222, processToken: () => null });
    const recovered = Object.fromEntries(log.recover().map((e) => [e.commandId, e]));
    expect(Object.keys(recovered).sort()).toEqual(["claimed", "claiming", "finished", "sent"]);
    expect(recovered.claiming?.outcome?.error?.code).toBe(BRIDGE_RESTARTED);
    expect(recovered.claimed?.outcome?.error?.code).toBe(BRIDGE_RESTARTED);
    expect(recovered.sent?.outcome).toEqual({ result: { threadId: "thr-new" } });
    expect(recovered.sent?.sessionId).toBe("sess");
    expect(recovered.finished?.outcome).toEqual({ error: { code: "NO_ACTIVE_TURN", message: "none" } });
    expect(log.has("claiming")).toBe(true); // never claimed again
    log.close();
  });

  it("leaves alone the commands of a bridge that is still alive", () => {
    const token = (pid: number) => (pid === 333 ? "linux:boot:333-start" : null);
    const other = CommandLog.open(file, { pid: 333, processToken: token });
    other.claiming(command("theirs"));
    other.close();
    const log = CommandLog.open(file, { pid: 444, processToken: token });
    expect(log.recover()).toEqual([]);
    log.close();
  });

  it("takes over the commands of a dead bridge whose pid now belongs to another process", () => {
    const other = CommandLog.open(file, { pid: 333, processToken: () => "linux:boot:333-start" });
    other.claiming(command("orphan"));
    other.close();
    // pid 333 was reused: a process runs under it, started at another time.
    const log = CommandLog.open(file, { pid: 444, processToken: (pid) => (pid === 333 ? "linux:boot:333-later" : null) });
    expect(log.recover().map((e) => e.commandId)).toEqual(["orphan"]);
    log.close();
  });
});
