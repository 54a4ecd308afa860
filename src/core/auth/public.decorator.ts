import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'callwarden:public';

/** Marks an operation or route that anyone may call, signed in or not. Everything else is denied by default. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);
