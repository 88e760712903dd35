import { defineSchema } from "convex/server";

/** The example host app keeps no tables of its own: everything lives in the component. */
export default defineSchema({});
