#!/usr/bin/env node
/**
 * The `codex-convex` command line. Parsing is commander's; each command is a
 * thin layer over the bridge's library functions.
 */
import { Command, Option } from "commander";
import { runCommand } from "./runCommand.js";
import { reportAndExit } from "./output.js";

/** The CLI program, for `--help` and tests. */
export function buildProgram(): Command {
  const program = new Command()
    .name("codex-convex")
    .description(
      "Run OpenAI Codex on this machine and keep every event in a Convex deployment.\n" +
        "Every line codex prints is stored in a local SQLite outbox first, then pushed.",
    )
    .showHelpAfterError();

  program
    .command("run")
    .description("Start codex app-server, run one turn with <prompt>, push it to Convex, print a summary")
    .argument("<prompt>", "the user message of the turn")
    .option("--cwd <dir>", "working directory of the thread", process.cwd())
    .addOption(
      new Option("--convex-url <url>", "the Convex deployment URL (https://<name>.convex.cloud)").env("CONVEX_URL"),
    )
    .addOption(
      new Option("--auth-token <jwt>", "a JWT the host app's auth accepts, sent as Bearer token").env(
        "CODEX_CONVEX_AUTH_TOKEN",
      ),
    )
    .option("--outbox <file>", "SQLite outbox file (default: <cwd>/.codex-convex/outbox.sqlite)")
    .addOption(
      new Option("--codex-bin <path>", "the native codex binary (else CODEX_BIN, @openai/codex, PATH)"),
    )
    .addOption(
      new Option("--synchronous <mode>", "outbox durability: NORMAL survives a crash, FULL also power loss")
        .choices(["NORMAL", "FULL"])
        .default("NORMAL"),
    )
    .option("--json", "print the summary as one JSON object", false)
    .action(async (prompt: string, options) => {
      await runCommand(prompt, options);
    });

  return program;
}

buildProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => reportAndExit(error));
