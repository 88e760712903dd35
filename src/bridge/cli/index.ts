/** The `codex-convex` command line. */
export { runDoctor } from "./doctor.js";
export type { Check, CheckStatus, DoctorOptions } from "./doctor.js";
