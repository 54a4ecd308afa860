import { AppConfigService } from '../../../core/config/app-config.service';
import { AwsKmsProvider } from './aws-kms.provider';
import { KmsProvider } from './kms-provider';
import { LocalKmsProvider } from './local-kms.provider';

/**
 * The KMS provider KMS_PROVIDER names. With `aws`, a local master key still configured
 * (MASTER_KEY_FILE) unwraps the data keys it wrapped, so that a deployment moves from `local` to
 * `aws` by a restart and `crypto:rewrap`.
 */
export function kmsProviderFor(config: AppConfigService): KmsProvider {
  const provider = config.get('KMS_PROVIDER');
  switch (provider) {
    case 'local':
      return new LocalKmsProvider(config);
    case 'aws': {
      const keyId = config.get('AWS_KMS_KEY_ID');
      const region = config.get('AWS_REGION');
      // The configuration refuses `aws` without them; this only narrows the types.
      if (!keyId || !region) throw new Error('AWS_KMS_KEY_ID and AWS_REGION are required');
      return new AwsKmsProvider({
        keyId,
        previousKeyId: config.get('AWS_KMS_PREVIOUS_KEY_ID'),
        region,
        endpoint: config.get('AWS_KMS_ENDPOINT'),
        fallback: config.get('MASTER_KEY') ? new LocalKmsProvider(config) : undefined,
      });
    }
  }
}
