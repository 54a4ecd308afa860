import { ArgsType, Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { IsDate, IsOptional, IsUUID, Matches } from 'class-validator';

@ObjectType('ContactDecisionReplay', {
  description: 'A kept decision re-evaluated from its stored facts under its stored rule set',
})
export class ContactDecisionReplayDTO {
  @Field(() => ID) decisionId!: string;
  @Field(() => ID, { nullable: true }) attemptId!: string | null;
  @Field(() => Int) ruleSetVersion!: number;
  @Field() recordedAllowed!: boolean;
  @Field() replayedAllowed!: boolean;
  @Field({ description: 'Same answer and same outcome of every check' }) matches!: boolean;
  @Field(() => [String], { description: 'Checks whose outcome differs (rule:pass|fail)' })
  differences!: string[];
}

@ObjectType('ContactDecisionChain')
export class ContactDecisionChainDTO {
  @Field() valid!: boolean;
  @Field(() => Int) checked!: number;
  @Field(() => String, { nullable: true, description: 'The first decision that does not verify' })
  brokenAtSeq!: string | null;
}

@ObjectType('RuleSetVersion', { description: 'A rule set the engine decided under; read-only' })
export class RuleSetVersionDTO {
  @Field(() => Int) version!: number;
  @Field({ description: 'The rule set’s own version label' }) label!: string;
  @Field({ description: 'SHA-256 of its canonical JSON (hex)' }) hash!: string;
  @Field() createdAt!: Date;
}

@ObjectType('UndecidedAttempt', { description: 'An outbound attempt logged without a decision' })
export class UndecidedAttemptDTO {
  @Field(() => ID) id!: string;
  @Field(() => ID) customerId!: string;
  @Field() channel!: string;
  @Field() occurredAt!: Date;
}

@ArgsType()
export class AttemptIdArgs {
  @Field(() => ID) @IsUUID() attemptId!: string;
}

@ArgsType()
export class DecisionChainArgs {
  @Field(() => String, { nullable: true, description: 'First decision seq (default: the oldest)' })
  @IsOptional()
  @Matches(/^[1-9]\d{0,18}$/)
  fromSeq?: string;
}

@ArgsType()
export class UndecidedAttemptsArgs {
  @Field() @IsDate() from!: Date;
  @Field() @IsDate() to!: Date;
}
