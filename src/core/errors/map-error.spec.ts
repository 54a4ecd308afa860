import { BadRequestException, ForbiddenException, HttpException } from '@nestjs/common';
import { GraphQLError } from 'graphql';
import { QueryFailedError } from 'typeorm';
import { AppException, ErrorCode } from './error-code';
import { describeForLog, mapError } from './map-error';

describe('mapError', () => {
  it('passes our own exceptions through with their reason', () => {
    const m = mapError(new AppException(ErrorCode.CONFLICT, 'ALREADY_DONE', 'Already done'));
    expect(m).toMatchObject({
      code: 'CONFLICT',
      reason: 'ALREADY_DONE',
      message: 'Already done',
      internal: false,
    });
  });

  it.each([
    [
      new BadRequestException(['email must be an email']),
      'BAD_USER_INPUT',
      'email must be an email',
    ],
    [new ForbiddenException(), 'FORBIDDEN', 'Forbidden'],
    [new HttpException('Too Many Requests', 429), 'RATE_LIMITED', 'Too Many Requests'],
  ])('maps Nest HTTP exceptions by status (%#)', (e, code, message) => {
    expect(mapError(e)).toMatchObject({ code, message });
  });

  it('hides SQL and driver messages behind a generic internal error', () => {
    const driverError = Object.assign(
      new Error("Unknown column 'ssn' in 'SELECT ssn FROM customers'"),
      {
        code: 'ER_BAD_FIELD_ERROR',
        errno: 1054,
      },
    );
    const e = new QueryFailedError(
      'SELECT ssn FROM customers WHERE email = ?',
      ['a@b.c'],
      driverError,
    );
    const m = mapError(e);
    expect(m).toMatchObject({
      code: 'INTERNAL_SERVER_ERROR',
      message: 'Internal server error',
      internal: true,
    });
    const logged = JSON.stringify(describeForLog(e));
    expect(logged).not.toContain('a@b.c');
    expect(logged).not.toContain('SELECT');
    expect(logged).toContain('ER_BAD_FIELD_ERROR');
  });

  it('reports an unreachable database clearly', () => {
    const e = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3317'), {
      code: 'ECONNREFUSED',
    });
    expect(mapError(e)).toMatchObject({
      code: 'INTERNAL_SERVER_ERROR',
      reason: 'DATABASE_UNAVAILABLE',
    });
  });

  it('maps duplicate keys to CONFLICT without echoing the value', () => {
    const driverError = Object.assign(new Error("Duplicate entry 'x@y.z' for key 'email'"), {
      code: 'ER_DUP_ENTRY',
    });
    const m = mapError(new QueryFailedError('INSERT', [], driverError));
    expect(m.code).toBe('CONFLICT');
    expect(m.message).not.toContain('x@y.z');
  });

  it('maps GraphQL validation errors to BAD_USER_INPUT', () => {
    const e = new GraphQLError('Cannot query field "x"', {
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    expect(mapError(e)).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'GRAPHQL_VALIDATION_FAILED',
    });
  });

  it('turns anything unknown into INTERNAL_SERVER_ERROR', () => {
    expect(mapError(new TypeError('x is undefined'))).toMatchObject({
      code: 'INTERNAL_SERVER_ERROR',
      message: 'Internal server error',
    });
  });
});
