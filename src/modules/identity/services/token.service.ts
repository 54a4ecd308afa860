import { createHash, createPrivateKey, createPublicKey, KeyObject, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { calculateJwkThumbprint, exportJWK, JWK, SignJWT } from 'jose';
import { AppConfigService } from '../../../core/config/app-config.service';
import { IdentityErrorCode, IdentityException } from '../identity.exception';

export interface AccessClaims {
  sub: string;
  sid: string;
  role: string;
  amr: string[];
  auth_time: number;
  /** Present on the limited token of an admin who must enroll MFA first. */
  scope?: 'mfa_enroll';
  iss?: string;
  aud?: string | string[];
  iat?: number;
  exp?: number;
  jti?: string;
}

const SIGNING_FILE = 'jwt-signing.pem';
/** The one algorithm access tokens are signed with, and so the only one verification accepts. */
export const ACCESS_TOKEN_ALG = 'ES256';
/** RFC 9068's type for access tokens: a JWT of any other type (or none) is not one. */
const TYP = 'at+jwt';
/** How far ahead of our clock an `iat` may be (clock skew between instances); also the tolerance on `exp`. */
export const ACCESS_TOKEN_SKEW_SECONDS = 5;
const REQUIRED_CLAIMS = ['sub', 'sid', 'exp', 'iat', 'jti'] as const;
const MAX_CACHED = 50_000;

const invalid = () =>
  new IdentityException(IdentityErrorCode.INVALID_TOKEN, 'The access token is not valid');
const expired = () =>
  new IdentityException(IdentityErrorCode.TOKEN_EXPIRED, 'The access token has expired');

/** The verified-token cache's key: a token is a bearer secret, so it is kept as its hash only. */
const cacheKey = (token: string) => createHash('sha256').update(token).digest('base64url');

/** `typ` compared as JOSE does: case-insensitive, `application/` optional. */
const normalizeTyp = (typ: string) => typ.toLowerCase().replace(/^application\//, '');

/** A JWT's header or payload as JSON, or null when it is not (no signature is checked here). */
function decodePart(token: string, part: 0 | 1): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(
      Buffer.from(token.split('.')[part] ?? '', 'base64url').toString('utf8'),
    );
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/**
 * Access tokens: ES256 JWTs of type `at+jwt` with a `kid`, keys from files (the key ring).
 * Signing is here; verification runs in the Passport JWT strategy (passport-jwt, which pins the
 * algorithm, issuer and audience), with this service resolving the key by `kid`, refusing another
 * `typ` or any `crit`, checking the claims, and caching a verified token by its SHA-256 until it
 * expires: verification is the hot spot of every request. Only our own keys are used (no `jku`,
 * `x5u` or embedded `jwk`).
 */
@Injectable()
export class TokenService implements OnModuleInit {
  private signingKey!: KeyObject;
  private signingKid!: string;
  private readonly verifyKeys = new Map<string, KeyObject>();
  private readonly jwks: JWK[] = [];
  private readonly cache = new Map<string, AccessClaims>();

  constructor(private readonly config: AppConfigService) {}

  async onModuleInit(): Promise<void> {
    const dir = this.config.get('JWT_KEYS_DIR') as string;
    const files = readdirSync(dir).filter((f) => f.endsWith('.pem'));
    if (!files.includes(SIGNING_FILE)) throw new Error(`JWT_KEYS_DIR has no ${SIGNING_FILE}`);
    for (const file of files) {
      const pem = readFileSync(join(dir, file), 'utf8');
      const isPrivate = pem.includes('PRIVATE KEY');
      const publicKey = isPrivate ? createPublicKey(createPrivateKey(pem)) : createPublicKey(pem);
      if (
        publicKey.asymmetricKeyType !== 'ec' ||
        publicKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1'
      ) {
        throw new Error(`${file} is not an EC P-256 key (ES256)`);
      }
      const jwk = await exportJWK(publicKey);
      const kid = await calculateJwkThumbprint(jwk);
      this.verifyKeys.set(kid, publicKey);
      this.jwks.push({ ...jwk, kid, alg: ACCESS_TOKEN_ALG, use: 'sig' });
      if (file === SIGNING_FILE) {
        this.signingKey = createPrivateKey(pem);
        this.signingKid = kid;
      }
    }
  }

  /** Public keys for `/.well-known/jwks.json`. */
  publicJwks(): { keys: JWK[] } {
    return { keys: this.jwks };
  }

  async sign(
    claims: Omit<AccessClaims, 'iss' | 'aud' | 'iat' | 'exp' | 'jti'>,
  ): Promise<{ token: string; expiresAt: Date }> {
    const ttl = this.config.get('ACCESS_TOKEN_TTL_SECONDS');
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: ACCESS_TOKEN_ALG, kid: this.signingKid, typ: TYP })
      .setIssuer(this.config.get('JWT_ISSUER'))
      .setAudience(this.config.get('JWT_AUDIENCE'))
      .setIssuedAt(now)
      .setExpirationTime(now + ttl)
      .setJti(randomUUID())
      .sign(this.signingKey);
    return { token, expiresAt: new Date((now + ttl) * 1000) };
  }

  /**
   * passport-jwt's key provider: the key of the token's `kid` from the key ring, for a header
   * that is ours (type `at+jwt`, no critical extensions we would have to understand).
   */
  verificationKey(token: string): KeyObject {
    const header = decodePart(token, 0);
    if (
      !header ||
      typeof header.typ !== 'string' ||
      normalizeTyp(header.typ) !== TYP ||
      header.crit !== undefined
    ) {
      throw invalid();
    }
    const key = typeof header.kid === 'string' ? this.verifyKeys.get(header.kid) : undefined;
    if (!key) throw invalid();
    return key;
  }

  /** The claims of a token verified before, or undefined; TOKEN_EXPIRED once it has expired. */
  cached(token: string): AccessClaims | undefined {
    const hash = cacheKey(token);
    const cached = this.cache.get(hash);
    if (!cached) return undefined;
    if ((cached.exp ?? 0) * 1000 > Date.now()) return cached;
    this.cache.delete(hash);
    throw expired();
  }

  /**
   * The claims of a token whose signature, algorithm, issuer, audience and expiry passport-jwt
   * has checked: the required claims are there and typed, `iat` is not in the future. Accepted
   * claims are cached for the token's lifetime.
   */
  accept(token: string, payload: unknown): AccessClaims {
    const claims = payload as AccessClaims;
    if (
      typeof payload !== 'object' ||
      payload === null ||
      REQUIRED_CLAIMS.some((c) => !(c in payload)) ||
      typeof claims.role !== 'string' ||
      !Array.isArray(claims.amr) ||
      typeof claims.iat !== 'number' ||
      claims.iat > Date.now() / 1000 + ACCESS_TOKEN_SKEW_SECONDS
    ) {
      throw invalid();
    }
    if (this.cache.size >= MAX_CACHED) this.evictExpired();
    if (this.cache.size < MAX_CACHED) this.cache.set(cacheKey(token), claims);
    return claims;
  }

  /**
   * The coded refusal for what the strategy refused: our own refusal as it is; an expired token
   * as TOKEN_EXPIRED only when it is otherwise ours (jsonwebtoken checks `exp` before issuer,
   * audience and claims, after the signature), so a foreign token never reads as merely expired;
   * anything else INVALID_TOKEN.
   */
  refusal(token: string, reason: unknown): IdentityException {
    if (reason instanceof IdentityException) return reason;
    if (reason instanceof Error && reason.name === 'TokenExpiredError') {
      const payload = decodePart(token, 1);
      const aud = payload?.aud;
      const ours =
        payload !== null &&
        payload.iss === this.config.get('JWT_ISSUER') &&
        (Array.isArray(aud) ? aud : [aud]).includes(this.config.get('JWT_AUDIENCE')) &&
        REQUIRED_CLAIMS.every((c) => c in payload);
      if (ours) return expired();
    }
    return invalid();
  }

  private evictExpired(): void {
    const now = Date.now();
    for (const [hash, claims] of this.cache) {
      if ((claims.exp ?? 0) * 1000 <= now) this.cache.delete(hash);
    }
    // Still full of live tokens: drop the oldest entries (Map order is insertion order).
    for (const hash of this.cache.keys()) {
      if (this.cache.size < MAX_CACHED * 0.9) break;
      this.cache.delete(hash);
    }
  }
}
