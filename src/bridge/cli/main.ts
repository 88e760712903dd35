#!/usr/bin/env node
/**
 * The `codex-convex` command line. Parsing is commander's (see `program.ts`);
 * each command is a thin layer over the bridge's library functions.
 */
import { reportAndExit } from "./output.js";
import { buildProgram } from "./program.js";

buildProgram()
  .parseAsync(process.argv)
  // Exit explicitly: a stopped bridge may leave stdin (--jobs -) open.
  .then(() => process.exit(process.exitCode ?? 0))
  .catch((error: unknown) => reportAndExit(error));
