/** The `codex-convex` command line. */
export { runDoctor } from "./doctor.js";
export type { Check, CheckStatus, DoctorOptions } from "./doctor.js";
export { DOCTOR_HTTP_TIMEOUT_MS, probeConvex } from "./doctorConvex.js";
export type { ConvexProbe, ConvexProbeOptions } from "./doctorConvex.js";
