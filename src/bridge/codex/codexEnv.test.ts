import { describe, expect, it } from "vitest";
import { rememberSecret } from "../secrets.js";
import { codexEnvironment, isBridgeCredentialName } from "./codexEnv.js";

describe("codexEnvironment", () => {
  const base = {
    PATH: "/usr/bin:/bin",
    HOME: "/home/me",
    OPENAI_API_KEY: "sk-model-key-codex-needs",
    CODEX_CONVEX_AUTH_TOKEN: "jwt-in-env",
    CODEX_CONVEX_API: "codex",
    codex_convex_lowercase: "x",
    CONVEX_DEPLOY_KEY: "prod:happy-animal-123|secret",
    CONVEX_SELF_HOSTED_ADMIN_KEY: "admin-secret",
    CONVEX_SOMETHING_NEW: "unknown, so kept out",
    CONVEX_URL: "https://happy-animal-123.convex.cloud",
    CONVEX_SITE_URL: "https://happy-animal-123.convex.site",
    CONVEX_DEPLOYMENT: "dev:happy-animal-123",
  };

  it("drops the bridge's variables and Convex credentials, keeps the rest", () => {
    const env = codexEnvironment(base);
    expect(Object.keys(env).sort()).toEqual(["CONVEX_DEPLOYMENT", "CONVEX_SITE_URL", "CONVEX_URL", "HOME", "OPENAI_API_KEY", "PATH"]);
    expect(env.OPENAI_API_KEY).toBe(base.OPENAI_API_KEY);
  });

  it("drops any variable whose value holds a secret the bridge was given, whatever its name", () => {
    const token = "eyJhbGciOi.flag-given-token.sig";
    const env = codexEnvironment(
      { ...base, MY_HEADER: `Bearer ${token}`, COPY: token, SHORT: "abc", HAS_SHORT: "xabcx" },
      { secrets: [token, "abc"] },
    );
    expect(env.MY_HEADER).toBeUndefined();
    expect(env.COPY).toBeUndefined();
    expect(env.SHORT).toBeUndefined(); // equal to a short secret
    expect(env.HAS_SHORT).toBe("xabcx"); // short secrets are not matched inside other values
    expect(env.PATH).toBe(base.PATH);
  });

  it("keeps out secrets remembered anywhere in the process (e.g. the transport's auth token)", () => {
    const token = "remembered-token-0123456789";
    rememberSecret(token);
    expect(codexEnvironment({ PATH: "/bin", LEAK: `x=${token}` })).toEqual({ PATH: "/bin" });
  });

  it("does not modify its input", () => {
    const input = { ...base };
    codexEnvironment(input);
    expect(input).toEqual(base);
  });

  it("names: CODEX_CONVEX_* and non-public CONVEX_* are ours", () => {
    expect(isBridgeCredentialName("CODEX_CONVEX_AUTH_TOKEN")).toBe(true);
    expect(isBridgeCredentialName("CONVEX_OVERRIDE_ACCESS_TOKEN")).toBe(true);
    expect(isBridgeCredentialName("CONVEX_URL")).toBe(false);
    expect(isBridgeCredentialName("NEXT_PUBLIC_CONVEX_URL")).toBe(false);
    expect(isBridgeCredentialName("CODEX_HOME")).toBe(false);
  });
});
