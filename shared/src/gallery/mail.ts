import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { Config } from '../config';

export interface MailMessage {
  to: string;
  subject: string;
  html: string;
  text: string;
}

export type MailTransportName = 'smtp' | 'resend' | 'outbox';

export interface Mailer {
  transport: MailTransportName;
  /** Resolves once the message was handed over (SMTP accepted it, Resend queued it, the file is written). */
  send(message: MailMessage): Promise<{ id?: string }>;
}

/**
 * The configured transport: SMTP_URL (nodemailer), else RESEND_API_KEY (Resend), else `.eml` files
 * under DATA_DIR/outbox/ so a fresh install works without a mail server.
 */
export function createMailer(config: Config): Mailer {
  const from = config.mailFrom;
  if (config.smtpUrl) {
    const transport = nodemailer.createTransport(config.smtpUrl, {
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    } as never);
    return {
      transport: 'smtp',
      async send(m) {
        try {
          const info = (await transport.sendMail({ from, ...m })) as { messageId?: string };
          return { id: info.messageId };
        } finally {
          transport.close();
        }
      },
    };
  }
  if (config.resendApiKey) {
    const key = config.resendApiKey;
    return {
      transport: 'resend',
      async send(m) {
        const { Resend } = await import('resend');
        const res = await new Resend(key).emails.send({
          from,
          to: m.to,
          subject: m.subject,
          html: m.html,
          text: m.text,
        });
        if (res.error) throw new Error(`Resend refused the message: ${res.error.message}`);
        return { id: res.data?.id };
      },
    };
  }
  const dir = outboxDir(config);
  const builder = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    transport: 'outbox',
    async send(m) {
      const info = (await builder.sendMail({ from, ...m })) as { message: Buffer; messageId?: string };
      await fs.mkdir(dir, { recursive: true });
      const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}.eml`;
      const tmp = path.join(dir, `.${name}.tmp`);
      await fs.writeFile(tmp, info.message, { mode: 0o600 });
      await fs.rename(tmp, path.join(dir, name));
      return { id: info.messageId };
    },
  };
}

export const outboxDir = (config: Pick<Config, 'dataDir'>) => path.join(config.dataDir, 'outbox');
