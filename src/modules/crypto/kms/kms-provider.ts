/**
 * Where master keys live. A provider wraps and unwraps data keys; master key material never leaves
 * it and never reaches the database.
 *
 * Chosen by `KMS_PROVIDER` (see `kms-provider.factory.ts`): `local` (`LocalKmsProvider`, the
 * default: a master key from a file or env) or `aws` (`AwsKmsProvider`: AWS KMS `Encrypt`/`Decrypt`
 * with the context below as encryption context). A Vault transit provider would use transit
 * `encrypt`/`decrypt` with the context as `context`, and register the same way.
 */
export interface KmsProvider {
  readonly name: string;
  /**
   * Version label of the master key that new wraps use, recorded with every wrapped data key
   * (`crypto_keys.master_key_version`: at most 32 characters).
   */
  currentVersion(): string;
  /** Whether a key wrapped under this master key version can be unwrapped here. */
  canUnwrap(masterKeyVersion: string): boolean;
  wrap(plainKey: Buffer, context: WrapContext): Promise<Buffer>;
  unwrap(wrapped: Buffer, masterKeyVersion: string, context: WrapContext): Promise<Buffer>;
  /**
   * Optional: a new 256-bit data key made by the provider itself, in plaintext and wrapped under
   * `currentVersion()` (AWS KMS `GenerateDataKey`). The keyring uses it when present, and otherwise
   * draws the key locally and calls `wrap`.
   */
  generateDataKey?(context: WrapContext): Promise<{ plainKey: Buffer; wrapped: Buffer }>;
}

/** Bound into every wrap, so a wrapped key copied to another row does not unwrap. */
export interface WrapContext {
  purpose: string;
  version: number;
  subjectId: string | null;
}

export const KMS_PROVIDER = Symbol('KMS_PROVIDER');
