import { Field, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import { IsDate, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';

@ObjectType('EvidencePack', {
  description:
    'A compliance evidence pack: contacts with their decisions, consent evidence, opt-outs and the integrity proof; JSON and PDF, handed out by one-time links',
})
export class EvidencePackDTO {
  @Field(() => ID) id!: string;
  @Field({ description: 'customer, debt or phone' }) scopeKind!: string;
  @Field({ description: 'Customer id, debt id, or the phone’s blind index (hex)' })
  scopeRef!: string;
  @Field() from!: Date;
  @Field() to!: Date;
  @Field({ description: 'False: the evidence was withheld for the role that generated it' })
  includesConsentEvidence!: boolean;
  @Field(() => Int) attempts!: number;
  @Field({ description: 'SHA-256 of the JSON, hex (printed on the PDF’s title page)' })
  jsonSha256!: string;
  @Field({ description: 'SHA-256 of the PDF, hex' }) pdfSha256!: string;
  @Field(() => ID) createdBy!: string;
  @Field() createdAt!: Date;
}

@ObjectType('EvidencePackLink', {
  description: 'A one-time link: GET it once, with format=pdf (default) or format=json',
})
export class EvidencePackLinkDTO {
  @Field() url!: string;
  @Field() expiresAt!: Date;
}

@InputType()
export class GenerateEvidencePackInput {
  @Field(() => ID, { nullable: true }) @IsOptional() @IsUUID() customerId?: string;
  @Field({ nullable: true, description: 'The debt the contact attempts name' })
  @IsOptional()
  @IsString()
  @Matches(/^[\w.:-]{1,64}$/)
  debtId?: string;
  @Field({ nullable: true, description: 'A phone number (found by blind index, never stored)' })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  phone?: string;
  @Field() @IsDate() from!: Date;
  @Field({ description: 'End of the range, excluded' }) @IsDate() to!: Date;
}

@InputType()
export class EvidencePackIdInput {
  @Field(() => ID) @IsUUID() packId!: string;
}
