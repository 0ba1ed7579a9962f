import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { createTransport, Transporter } from 'nodemailer';
import { mailConfig, MailConfig } from '../config/mail.config';

export interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/**
 * Outgoing mail over SMTP. `send` never blocks or fails the caller: delivery happens in the
 * background and a failure is logged (recipient and error only) and counted. Without SMTP_URL
 * outside production, mails are written to the log, marked development-only.
 */
@Injectable()
export class MailService implements OnModuleDestroy {
  private readonly logger = new Logger(MailService.name);
  private readonly transport: Transporter | null;
  private failures = 0;
  private readonly pending = new Set<Promise<void>>();

  constructor(@Inject(mailConfig.KEY) private readonly config: MailConfig) {
    this.transport = config.smtpUrl ? createTransport(config.smtpUrl) : null;
  }

  get appUrl(): string {
    return this.config.appUrl;
  }

  /** Failed deliveries since start. */
  get failedSends(): number {
    return this.failures;
  }

  send(mail: Mail): void {
    const delivery = this.deliver(mail).finally(() => this.pending.delete(delivery));
    this.pending.add(delivery);
  }

  /** Waits for deliveries in flight (shutdown, tests). */
  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  async onModuleDestroy(): Promise<void> {
    await this.flush();
    this.transport?.close();
  }

  private async deliver(mail: Mail): Promise<void> {
    if (!this.transport) {
      this.logger.warn(`DEVELOPMENT ONLY, no SMTP_URL: mail to ${mail.to} "${mail.subject}":\n${mail.text}`);
      return;
    }
    try {
      await this.transport.sendMail({ from: this.config.from, ...mail });
    } catch (err) {
      this.failures++;
      this.logger.error(`Mail to ${mail.to} ("${mail.subject}") failed: ${(err as Error).message.split('\n')[0]}`);
    }
  }
}
