import { isInfrastructureUnavailable } from './infrastructure-errors';

/** The shape Prisma 7 with @prisma/adapter-pg throws for a raw query (seen after a Postgres crash). */
function prismaRawQueryError(sqlState: string, message: string) {
  const driverAdapterError = Object.assign(new Error(message), {
    name: 'DriverAdapterError',
    cause: { originalCode: sqlState, originalMessage: message, kind: 'postgres', code: sqlState },
  });
  return Object.assign(new Error(`Raw query failed. Code: \`${sqlState}\`.`), {
    name: 'PrismaClientKnownRequestError',
    code: 'P2010',
    meta: { driverAdapterError },
  });
}

describe('isInfrastructureUnavailable', () => {
  it.each([
    ['57P03', 'the database system is starting up'],
    ['57P01', 'terminating connection due to administrator command'],
    ['08006', 'connection failure'],
    ['53300', 'sorry, too many clients already'],
  ])('recognises SQLSTATE %s wrapped by Prisma as unavailable', (code, message) => {
    expect(isInfrastructureUnavailable(prismaRawQueryError(code, message))).toBe(true);
  });

  it('recognises errors of pg and ioredis themselves', () => {
    expect(isInfrastructureUnavailable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isInfrastructureUnavailable(new Error('Connection is closed.'))).toBe(true);
    expect(isInfrastructureUnavailable(new Error('x', { cause: new Error('Connection terminated unexpectedly') }))).toBe(true);
  });

  it('leaves real failures alone: constraint violations, bad input, programming errors', () => {
    expect(isInfrastructureUnavailable(prismaRawQueryError('23505', 'duplicate key value'))).toBe(false);
    expect(isInfrastructureUnavailable(prismaRawQueryError('22P05', 'unsupported Unicode escape sequence'))).toBe(false);
    expect(isInfrastructureUnavailable(new TypeError('undefined is not a function'))).toBe(false);
    expect(isInfrastructureUnavailable(undefined)).toBe(false);
  });
});
