import { createUnionType, Field, InputType, ObjectType } from '@nestjs/graphql';
import { IsBoolean, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { UserDTO } from './user.dto';

@InputType()
export class LoginInput {
  @Field() @IsString() @MaxLength(254) email!: string;
  @Field() @IsString() @MaxLength(1024) password!: string;
  @Field({
    nullable: true,
    description: 'Non-browser clients: also return the refresh token in the body',
  })
  @IsOptional()
  @IsBoolean()
  returnRefreshToken?: boolean;
}

@InputType()
export class VerifyMfaInput {
  @Field() @IsString() @MaxLength(100) mfaToken!: string;
  @Field({ description: 'A 6-digit TOTP code or a backup code' })
  @IsString()
  @Length(6, 20)
  code!: string;
  @Field({ nullable: true }) @IsOptional() @IsBoolean() returnRefreshToken?: boolean;
}

@InputType()
export class RefreshTokenInput {
  @Field({ nullable: true, description: 'Omit to use the httpOnly cookie' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  refreshToken?: string;
  @Field({ nullable: true }) @IsOptional() @IsBoolean() returnRefreshToken?: boolean;
}

@InputType()
export class MfaCodeInput {
  @Field() @IsString() @Length(6, 20) code!: string;
}

@InputType()
export class DisableMfaInput {
  @Field() @IsString() @MaxLength(1024) password!: string;
  @Field() @IsString() @Length(6, 20) code!: string;
}

@InputType()
export class ChangePasswordInput {
  @Field() @IsString() @MaxLength(1024) currentPassword!: string;
  @Field() @IsString() @MaxLength(1024) newPassword!: string;
}

@InputType()
export class RequestPasswordResetInput {
  @Field() @IsString() @MaxLength(254) email!: string;
}

@InputType()
export class ResetPasswordInput {
  @Field() @IsString() @Matches(/^[A-Za-z0-9_-]{20,100}$/) token!: string;
  @Field() @IsString() @MaxLength(1024) newPassword!: string;
}

@ObjectType('AuthTokens')
export class AuthTokensDTO {
  @Field() accessToken!: string;
  @Field() accessTokenExpiresAt!: Date;
  @Field(() => String, {
    nullable: true,
    description: 'Only when asked for; browsers get an httpOnly cookie',
  })
  refreshToken!: string | null;
  @Field(() => UserDTO) user!: UserDTO;
}

@ObjectType('MfaRequired')
export class MfaRequiredDTO {
  @Field({ description: 'Pass to verifyMfa with a code' }) mfaToken!: string;
  @Field() expiresAt!: Date;
}

@ObjectType('MfaEnrollmentRequired')
export class MfaEnrollmentRequiredDTO {
  @Field({ description: 'Allows only enrollTotp, confirmTotp, me and logout' })
  accessToken!: string;
  @Field() accessTokenExpiresAt!: Date;
}

export const LoginResult = createUnionType({
  name: 'LoginResult',
  types: () => [AuthTokensDTO, MfaRequiredDTO, MfaEnrollmentRequiredDTO] as const,
  resolveType(value: object) {
    if ('mfaToken' in value) return MfaRequiredDTO;
    if ('user' in value) return AuthTokensDTO;
    return MfaEnrollmentRequiredDTO;
  },
});

@ObjectType('TotpEnrollment')
export class TotpEnrollmentDTO {
  @Field() otpauthUri!: string;
  @Field({ description: 'PNG QR code of the otpauth URI, as a data URL' }) qrCodeDataUrl!: string;
}

@ObjectType('BackupCodes')
export class BackupCodesDTO {
  @Field(() => [String], { description: 'Shown once; each works once' }) codes!: string[];
}

@ObjectType('StepUpResult')
export class StepUpResultDTO {
  @Field() verifiedAt!: Date;
  @Field() validUntil!: Date;
}
