import { createHash, createPrivateKey, createPublicKey, KeyObject, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { calculateJwkThumbprint, errors, exportJWK, JWK, jwtVerify, SignJWT } from 'jose';
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
const ALG = 'ES256';
/** RFC 9068's type for access tokens: a JWT of any other type (or none) is not one. */
const TYP = 'at+jwt';
/** How far ahead of our clock an `iat` may be (clock skew between instances). */
const SKEW_SECONDS = 5;
const MAX_CACHED = 50_000;

/**
 * Access tokens: ES256 JWTs of type `at+jwt` with a `kid`, keys from files. Verification pins the
 * algorithm, the type, the issuer and the audience, refuses an `iat` in the future, and only uses
 * our own keys (no `jku`, `x5u` or embedded `jwk`). A verified
 * token is cached by its SHA-256 until it expires: verification is the hot spot of every request.
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
      this.jwks.push({ ...jwk, kid, alg: ALG, use: 'sig' });
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
      .setProtectedHeader({ alg: ALG, kid: this.signingKid, typ: TYP })
      .setIssuer(this.config.get('JWT_ISSUER'))
      .setAudience(this.config.get('JWT_AUDIENCE'))
      .setIssuedAt(now)
      .setExpirationTime(now + ttl)
      .setJti(randomUUID())
      .sign(this.signingKey);
    return { token, expiresAt: new Date((now + ttl) * 1000) };
  }

  async verify(token: string): Promise<AccessClaims> {
    const hash = createHash('sha256').update(token).digest('base64url');
    const cached = this.cache.get(hash);
    if (cached) {
      if ((cached.exp ?? 0) * 1000 > Date.now()) return cached;
      this.cache.delete(hash);
      throw new IdentityException(IdentityErrorCode.TOKEN_EXPIRED, 'The access token has expired');
    }
    let claims: AccessClaims;
    try {
      const { payload } = await jwtVerify<AccessClaims>(
        token,
        (header) => {
          const key = header.kid ? this.verifyKeys.get(header.kid) : undefined;
          if (!key) throw new errors.JWKSNoMatchingKey();
          return key;
        },
        {
          algorithms: [ALG],
          typ: TYP,
          issuer: this.config.get('JWT_ISSUER'),
          audience: this.config.get('JWT_AUDIENCE'),
          requiredClaims: ['sub', 'sid', 'exp', 'iat', 'jti'],
          clockTolerance: SKEW_SECONDS,
        },
      );
      claims = payload;
    } catch (e) {
      if (e instanceof errors.JWTExpired) {
        throw new IdentityException(
          IdentityErrorCode.TOKEN_EXPIRED,
          'The access token has expired',
        );
      }
      throw new IdentityException(IdentityErrorCode.INVALID_TOKEN, 'The access token is not valid');
    }
    if (
      typeof claims.role !== 'string' ||
      !Array.isArray(claims.amr) ||
      typeof claims.iat !== 'number' ||
      claims.iat > Date.now() / 1000 + SKEW_SECONDS
    ) {
      throw new IdentityException(IdentityErrorCode.INVALID_TOKEN, 'The access token is not valid');
    }
    if (this.cache.size >= MAX_CACHED) this.evictExpired();
    if (this.cache.size < MAX_CACHED) this.cache.set(hash, claims);
    return claims;
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
