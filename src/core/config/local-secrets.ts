import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LocalSecrets {
  masterKeyFile: string;
  jwtKeysDir: string;
  /** The inbound SMS webhook's signing secret (what a provider would be given). */
  smsWebhookSecretFile: string;
}

/**
 * Local secrets for development, tests and benchmarks: a 32-byte master key, an EC P-256 JWT
 * signing key and the SMS webhook's signing secret, mode 600 in a mode-700 directory. Existing files are kept. Production takes its
 * secrets from its own secret store (MASTER_KEY_FILE, JWT_KEYS_DIR).
 */
export function writeLocalSecrets(dir: string): LocalSecrets {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const masterKeyFile = join(dir, 'master.key');
  if (!existsSync(masterKeyFile)) {
    writeFileSync(masterKeyFile, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  }
  const jwtKeysDir = join(dir, 'jwt');
  mkdirSync(jwtKeysDir, { recursive: true, mode: 0o700 });
  const signing = join(jwtKeysDir, 'jwt-signing.pem');
  if (!existsSync(signing)) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(signing, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  }
  const smsWebhookSecretFile = join(dir, 'sms-webhook.secret');
  if (!existsSync(smsWebhookSecretFile)) {
    writeFileSync(smsWebhookSecretFile, `${randomBytes(32).toString('base64url')}\n`, {
      mode: 0o600,
    });
  }
  return { masterKeyFile, jwtKeysDir, smsWebhookSecretFile };
}
