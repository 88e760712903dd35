/**
 * Who a bearer token is, for the local Convex stand-in. A real deployment
 * verifies a signed JWT against its auth providers; the stand-in trusts the
 * token's claims (no signature check), or lets a test supply its own verifier.
 *
 * - A JWT (`header.payload.signature`, any or no signature): its payload's
 *   `sub` is the subject, `iss` (default {@link LOCAL_ISSUER}) the issuer, the
 *   identity's `tokenIdentifier` is `iss|sub` as on Convex; an `exp` in the
 *   past makes it invalid.
 * - Any other non-empty string: the subject itself, issuer {@link LOCAL_ISSUER}
 *   (`tokenIdentifier: "local|<token>"`).
 */
import type { UserIdentity } from "convex/server";

/** The issuer of identities the stand-in makes up. */
export const LOCAL_ISSUER = "local";
/** Lifetime of a token made by {@link standInJwt}, in seconds. */
export const STAND_IN_TOKEN_LIFETIME_S = 24 * 60 * 60;

/** The identity a token stands for, as convex-test's `withIdentity` takes it. */
export type StandInIdentity = Partial<UserIdentity> & { subject: string; tokenIdentifier: string };

/**
 * Maps a bearer token to an identity, or `null` when the token is invalid
 * (the WebSocket answers `AuthError`, HTTP answers 401).
 */
export type TokenVerifier = (token: string) => StandInIdentity | null | Promise<StandInIdentity | null>;

/** Standard claims copied from a JWT's payload onto the identity. */
const COPIED_CLAIMS = ["name", "email", "nickname", "givenName", "familyName"] as const;

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString("base64url");
}

/**
 * An unsigned JWT (`alg: none`) for `subject`, which the stand-in accepts and
 * which `ConvexClient` / `ConvexReactClient` can schedule a refresh for (they
 * read `iat` and `exp`). Only for the stand-in: a deployment rejects it.
 * @param subject - The `sub` claim.
 * @param claims - Extra claims (`iss`, `name`, ...); `iss` defaults to {@link LOCAL_ISSUER}.
 */
export function standInJwt(subject: string, claims: Record<string, string | number> = {}): string {
  const iat = Math.floor(Date.now() / 1000);
  const header = base64url(JSON.stringify({ alg: "none", typ: "JWT" }));
  const payload = base64url(
    JSON.stringify({ iss: LOCAL_ISSUER, iat, exp: iat + STAND_IN_TOKEN_LIFETIME_S, ...claims, sub: subject }),
  );
  return `${header}.${payload}.`;
}

function claimsOfJwt(token: string): Record<string, unknown> | null {
  const payload = token.split(".")[1];
  if (payload === undefined) return null;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    return typeof claims === "object" && claims !== null && !Array.isArray(claims) ? (claims as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The stand-in's default {@link TokenVerifier} (see the module comment). */
export function identityFromToken(token: string): StandInIdentity | null {
  if (token.length === 0) return null;
  if (token.split(".").length !== 3) {
    return { subject: token, issuer: LOCAL_ISSUER, tokenIdentifier: `${LOCAL_ISSUER}|${token}` };
  }
  const claims = claimsOfJwt(token);
  if (claims === null || typeof claims.sub !== "string" || claims.sub.length === 0) return null;
  if (typeof claims.exp === "number" && claims.exp * 1000 <= Date.now()) return null;
  const issuer = typeof claims.iss === "string" ? claims.iss : LOCAL_ISSUER;
  const copied = COPIED_CLAIMS.filter((claim) => typeof claims[claim] === "string").map((claim) => [claim, claims[claim]]);
  return { ...Object.fromEntries(copied), subject: claims.sub, issuer, tokenIdentifier: `${issuer}|${claims.sub}` };
}
