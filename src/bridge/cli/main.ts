#!/usr/bin/env node
/**
 * The `codex-convex` command line. Parsing is commander's (see `program.ts`);
 * each command is a thin layer over the bridge's library functions.
 */
import { hideCommandLine } from "../secrets.js";
import { reportAndExit } from "./output.js";
import { buildProgram } from "./program.js";
import { usageExitCode } from "./usage.js";

// Flags may carry secrets (--auth-token): keep them out of `ps` for the commands codex runs.
hideCommandLine(["codex-convex", process.argv[2]].filter((word) => word !== undefined && /^[a-z-]+$/.test(word)).join(" "));

buildProgram()
  .parseAsync(process.argv)
  // Exit explicitly: a stopped bridge may leave stdin (--jobs -) open.
  .then(() => process.exit(process.exitCode ?? 0))
  .catch((error: unknown) => {
    const usage = usageExitCode(error);
    if (usage !== null) process.exit(usage); // commander already printed the line and the pointer
    reportAndExit(error);
  });
