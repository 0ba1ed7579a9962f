import { registerAs } from '@nestjs/config';
import { environment } from './env.validation';

export const mailConfig = registerAs('mail', () => {
  const env = environment();
  return {
    smtpUrl: env.SMTP_URL || null,
    from: env.MAIL_FROM,
    /** Where the links in mails point (the SPA), without a trailing slash. */
    appUrl: env.APP_URL.replace(/\/+$/, ''),
    production: env.NODE_ENV === 'production',
  };
});

export type MailConfig = ReturnType<typeof mailConfig>;
