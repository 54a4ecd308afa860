// The crypto module's public surface besides CryptoService and CryptoModule.
export { EncryptedField, encryptedFieldsOf } from './encrypted-field.decorator';
export { normalizeAccountRef, normalizeEmail, normalizePhone } from './utils/normalize';
