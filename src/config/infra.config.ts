import { registerAs } from '@nestjs/config';

export const databaseConfig = registerAs('database', () => ({
  url: process.env.DATABASE_URL as string,
  poolSize: Number(process.env.DATABASE_POOL_SIZE),
}));

export const redisConfig = registerAs('redis', () => ({
  url: process.env.REDIS_URL as string,
  keyPrefix: process.env.REDIS_KEY_PREFIX as string,
}));

export type DatabaseConfig = ReturnType<typeof databaseConfig>;
export type RedisConfig = ReturnType<typeof redisConfig>;

export const mailConfig = registerAs('mail', () => ({
  smtpUrl: process.env.SMTP_URL || null,
  from: process.env.MAIL_FROM as string,
  appUrl: (process.env.APP_URL as string).replace(/\/+$/, ''),
  production: process.env.NODE_ENV === 'production',
}));

export type MailConfig = ReturnType<typeof mailConfig>;
