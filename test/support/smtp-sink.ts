import { simpleParser, ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { freePort } from './redis-server';

/** A real SMTP server in the test process that keeps every message it receives. */
export class SmtpSink {
  readonly messages: ParsedMail[] = [];
  private waiters: (() => void)[] = [];
  private constructor(private readonly server: SMTPServer, readonly port: number) {}

  static async start(): Promise<SmtpSink> {
    const port = await freePort();
    let sink: SmtpSink;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, _session, callback) {
        simpleParser(stream).then((mail) => {
          sink.messages.push(mail);
          sink.waiters.splice(0).forEach((w) => w());
          callback();
        }, callback);
      },
    });
    sink = new SmtpSink(server, port);
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return sink;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** The next message to `to` (whose subject matches `subject`, if given), waiting up to `timeoutMs`. */
  async waitFor(to: string, subject?: RegExp, timeoutMs = 5000): Promise<ParsedMail> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find((m) => JSON.stringify(m.to).includes(to) && (!subject || subject.test(m.subject ?? '')));
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no mail to ${to}${subject ? ` with subject ${subject}` : ''}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  /** Messages to `to` whose subject matches `subject`. */
  to(to: string, subject: RegExp): ParsedMail[] {
    return this.messages.filter((m) => JSON.stringify(m.to).includes(to) && subject.test(m.subject ?? ''));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
