import { ExecutionContext, SetMetadata } from '@nestjs/common';

export const RATE_CLASS = 'callwarden:rate-class';

/**
 * Operations with a budget of their own, on top of the general one: credential checks (sign-in,
 * MFA, password reset and change) and reads that hand out personal data in bulk or in clear
 * (reveals and exports).
 */
export type RateClass = 'auth' | 'sensitive';

export const RateLimitClass = (rateClass: RateClass): MethodDecorator =>
  SetMetadata(RATE_CLASS, rateClass);

export function rateClassOf(context: ExecutionContext): RateClass | undefined {
  return Reflect.getMetadata(RATE_CLASS, context.getHandler()) as RateClass | undefined;
}
