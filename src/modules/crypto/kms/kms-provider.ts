/**
 * Where master keys live. A provider wraps and unwraps data keys; master key material never leaves
 * it and never reaches the database.
 *
 * The default is `LocalKmsProvider` (master key from a file or env). To use AWS KMS, implement
 * `wrap` with `Encrypt` (KeyId = the CMK, EncryptionContext = the context below) and `unwrap` with
 * `Decrypt`, and report the CMK's ARN/alias version as `currentVersion()`; for Vault, use the
 * transit engine's `encrypt`/`decrypt` with the context as `context`. Register it under
 * `KMS_PROVIDER` in `CryptoModule` instead of the local provider.
 */
export interface KmsProvider {
  readonly name: string;
  /** Version label of the master key that new wraps use. */
  currentVersion(): string;
  /** Whether a key wrapped under this master key version can be unwrapped here. */
  canUnwrap(masterKeyVersion: string): boolean;
  wrap(plainKey: Buffer, context: WrapContext): Promise<Buffer>;
  unwrap(wrapped: Buffer, masterKeyVersion: string, context: WrapContext): Promise<Buffer>;
}

/** Bound into every wrap, so a wrapped key copied to another row does not unwrap. */
export interface WrapContext {
  purpose: string;
  version: number;
  subjectId: string | null;
}

export const KMS_PROVIDER = Symbol('KMS_PROVIDER');
