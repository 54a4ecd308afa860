import { Field, ID, InputType, ObjectType } from '@nestjs/graphql';
import {
  IsBoolean,
  IsJSON,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
} from 'class-validator';
import { WebAuthnCredentialEntity } from '../entities/webauthn-credential.entity';
import { MAX_PASSKEY_RESPONSE_LENGTH } from '../utils/webauthn';

const RESPONSE_DESCRIPTION =
  'The credential the browser returned (PublicKeyCredential.toJSON(), or @simplewebauthn/browser), as JSON';

/** The options of a passkey ceremony: hand them to the browser's WebAuthn API. */
@ObjectType('PasskeyOptions')
export class PasskeyOptionsDTO {
  @Field({
    description:
      'JSON: PublicKeyCredentialCreationOptionsJSON (registration) or PublicKeyCredentialRequestOptionsJSON (sign-in, step-up), for PublicKeyCredential.parseCreationOptionsFromJSON / parseRequestOptionsFromJSON or @simplewebauthn/browser',
  })
  options!: string;
  @Field({ description: 'The challenge must be answered before this (single use)' })
  expiresAt!: Date;
}

/** A passkey as its owner and admins see it: never its public key. */
@ObjectType('Passkey')
export class PasskeyDTO {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field({ description: 'singleDevice, or multiDevice (a synced passkey)' }) deviceType!: string;
  @Field() backedUp!: boolean;
  @Field(() => [String]) transports!: string[];
  @Field() createdAt!: Date;
  @Field(() => Date, { nullable: true }) lastUsedAt!: Date | null;
  @Field(() => Date, { nullable: true, description: 'Revoked passkeys are never accepted' })
  revokedAt!: Date | null;

  static from(c: WebAuthnCredentialEntity): PasskeyDTO {
    return {
      id: c.id,
      name: c.name,
      deviceType: c.deviceType,
      backedUp: c.backedUp,
      transports: c.transports ?? [],
      createdAt: c.createdAt,
      lastUsedAt: c.lastUsedAt,
      revokedAt: c.revokedAt,
    };
  }
}

@ObjectType('RolePasskeyRequirement')
export class RolePasskeyRequirementDTO {
  @Field() role!: string;
  @Field() required!: boolean;
  @Field(() => ID, { description: 'The admin who set it' }) updatedBy!: string;
  @Field() updatedAt!: Date;
}

/** 1-64 characters, none of them control, format (bidi, zero-width) or line characters. */
const LABEL = /^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]{1,64}$/u;

@InputType()
export class FinishPasskeyRegistrationInput {
  @Field({ description: RESPONSE_DESCRIPTION })
  @IsString()
  @MaxLength(MAX_PASSKEY_RESPONSE_LENGTH)
  @IsJSON()
  response!: string;
  @Field({ description: 'A label for it, e.g. "YubiKey 5" (1-64 characters)' })
  @IsString()
  @Matches(LABEL, { message: 'name must be 1-64 characters without control characters' })
  @Matches(/\S/, { message: 'name must not be blank' })
  name!: string;
}

@InputType()
export class PasskeyIdInput {
  @Field(() => ID) @IsUUID() id!: string;
}

@InputType()
export class UserPasskeyInput {
  @Field(() => ID) @IsUUID() userId!: string;
  @Field(() => ID) @IsUUID() id!: string;
}

@InputType()
export class BeginPasskeySignInInput {
  @Field({ description: 'From login (MfaRequired)' }) @IsString() @MaxLength(100) mfaToken!: string;
}

@InputType()
export class VerifyPasskeyInput {
  @Field({ description: 'From login (MfaRequired)' }) @IsString() @MaxLength(100) mfaToken!: string;
  @Field({ description: RESPONSE_DESCRIPTION })
  @IsString()
  @MaxLength(MAX_PASSKEY_RESPONSE_LENGTH)
  @IsJSON()
  response!: string;
  @Field({ nullable: true }) @IsOptional() @IsBoolean() returnRefreshToken?: boolean;
}

@InputType()
export class PasskeyResponseInput {
  @Field({ description: RESPONSE_DESCRIPTION })
  @IsString()
  @MaxLength(MAX_PASSKEY_RESPONSE_LENGTH)
  @IsJSON()
  response!: string;
}

@InputType()
export class SetRolePasskeyRequirementInput {
  @Field() @IsString() @Matches(/^[a-z][a-z0-9_-]{1,63}$/) role!: string;
  @Field() @IsBoolean() required!: boolean;
}
