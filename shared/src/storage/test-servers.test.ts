import net from 'node:net';
import { S3Client, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { startS3Server } from '../test-support/s3';
import { startSmtpServer } from '../test-support/smtp';

/** Tests of the test helpers themselves (they live here because test-support/ holds no tests). */
describe('startS3Server', () => {
  it('serves a bucket and keeps its objects across restart()', async () => {
    const server = await startS3Server();
    const client = new S3Client({
      endpoint: server.endpoint,
      region: server.region,
      forcePathStyle: true,
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    });
    try {
      expect(server.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(server.env).toMatchObject({
        S3_BUCKET: server.bucket,
        S3_ENDPOINT: server.endpoint,
        S3_FORCE_PATH_STYLE: 'true',
      });
      await client.send(new PutObjectCommand({ Bucket: server.bucket, Key: 'k', Body: 'kept' }));
      await server.restart();
      const res = await client.send(new GetObjectCommand({ Bucket: server.bucket, Key: 'k' }));
      expect(await res.Body!.transformToString()).toBe('kept');
    } finally {
      client.destroy();
      await server.close();
    }
  });
});

/** Speaks just enough SMTP to deliver one message, reading each reply before the next command. */
async function sendRawMail(port: number, from: string, to: string[], data: string): Promise<void> {
  const socket = net.connect(port, '127.0.0.1');
  socket.setEncoding('utf8');
  let buffer = '';
  const waiting: Array<(line: string) => void> = [];
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    // A reply is complete at a line "NNN text" (continuation lines use "NNN-text").
    let m: RegExpMatchArray | null;
    while ((m = buffer.match(/^(?:\d{3}-[^\n]*\n)*\d{3} [^\n]*\n/))) {
      buffer = buffer.slice(m[0].length);
      waiting.shift()?.(m[0]);
    }
  });
  const reply = () => new Promise<string>((resolve) => waiting.push(resolve));
  const command = async (line: string, expectCode: string) => {
    const next = reply();
    socket.write(`${line}\r\n`);
    const r = await next;
    if (!r.startsWith(expectCode)) throw new Error(`SMTP ${line} → ${r}`);
  };
  try {
    const greeting = await reply();
    expect(greeting.startsWith('220')).toBe(true);
    await command('EHLO test.local', '250');
    await command(`MAIL FROM:<${from}>`, '250');
    for (const rcpt of to) await command(`RCPT TO:<${rcpt}>`, '250');
    await command('DATA', '354');
    await command(`${data.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..')}\r\n.`, '250');
    await command('QUIT', '221');
  } finally {
    socket.destroy();
  }
}

describe('startSmtpServer', () => {
  it('collects a mail sent over plain SMTP', async () => {
    const smtp = await startSmtpServer();
    try {
      expect(smtp.url).toMatch(/^smtp:\/\/127\.0\.0\.1:\d+$/);
      const waiting = smtp.waitForMessage((m) => m.to.includes('client@example.com'), 5000);
      await sendRawMail(
        smtp.port,
        'arkive@localhost',
        ['client@example.com', 'copy@example.com'],
        'From: Arkive <arkive@localhost>\nTo: client@example.com\nSubject: =?UTF-8?B?WW91ciBnYWxsZXJ5IMOp?=\n\nHello,\n.dot line\nbye',
      );
      const mail = await waiting;
      expect(mail).toMatchObject({
        from: 'arkive@localhost',
        to: ['client@example.com', 'copy@example.com'],
        subject: 'Your gallery é',
      });
      expect(mail.raw).toContain('.dot line');
      expect(smtp.messages).toHaveLength(1);
      await expect(smtp.waitForMessage((m) => m.subject === 'never', 100)).rejects.toThrow(
        /No matching mail/,
      );
    } finally {
      await smtp.stop();
    }
  });

  it('works with nodemailer when it is installed', async () => {
    let nodemailer: {
      createTransport(url: string): { sendMail(m: object): Promise<unknown>; close(): void };
    };
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      nodemailer = require('nodemailer');
    } catch {
      return; // not installed: the raw SMTP test above covers the helper
    }
    const smtp = await startSmtpServer();
    const transport = nodemailer.createTransport(smtp.url);
    try {
      await transport.sendMail({
        from: 'arkive@localhost',
        to: 'someone@example.com',
        subject: 'Gallery ready',
        text: 'Download link inside',
      });
      const mail = await smtp.waitForMessage((m) => m.subject === 'Gallery ready');
      expect(mail.to).toEqual(['someone@example.com']);
      expect(mail.raw).toContain('Download link inside');
    } finally {
      transport.close();
      await smtp.stop();
    }
  });
});
