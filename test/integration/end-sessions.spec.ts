import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTestApp, login, me, refreshBody, registerAndLogin, TestApp } from '../support/test-app';

/** `npm run sessions:end -- <account>`: the production build, as an operator runs it. */
async function endSessions(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(__dirname, '..', '..', 'dist', 'end-sessions.js'), ...args], {
      env: { ...process.env, LOG_LEVEL: 'warn' },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('ending an account’s sessions from the command line (npm run sessions:end)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('by email (as typed: case and spaces do not matter): every session ends, access tokens included; other accounts keep theirs', async () => {
    const s = await registerAndLogin(t);
    const phone = await login(t, s.email);
    const bystander = await registerAndLogin(t);
    const run = await endSessions(`  ${s.email.toUpperCase()} `);
    expect(run).toMatchObject({ code: 0, stdout: `ended 2 session(s) of user ${s.userId}\n` });
    for (const pair of [s, phone]) {
      await refreshBody(t, pair.refreshToken).expect(401);
      await me(t, pair.accessToken).expect(401);
    }
    await me(t, bystander.accessToken).expect(200);
    await refreshBody(t, bystander.refreshToken).expect(200);
    const ended = await t.prisma.session.findMany({ where: { userId: s.userId }, select: { revokeReason: true } });
    expect(ended.map((x) => x.revokeReason)).toEqual(['admin', 'admin']);
  });

  it('by user id; an account without sessions is not an error', async () => {
    const s = await registerAndLogin(t);
    expect(await endSessions(s.userId)).toMatchObject({ code: 0, stdout: `ended 1 session(s) of user ${s.userId}\n` });
    await me(t, s.accessToken).expect(401);
    expect(await endSessions(s.userId)).toMatchObject({ code: 0, stdout: `ended 0 session(s) of user ${s.userId}\n` });
  });

  it('names an unknown account (exit 1) and a missing argument (usage, exit 2) without ending anything', async () => {
    const s = await registerAndLogin(t);
    const unknownId = randomUUID();
    expect(await endSessions(unknownId)).toMatchObject({ code: 1, stderr: expect.stringContaining(`No account with the id ${unknownId}`) });
    expect(await endSessions('nobody@example.test')).toMatchObject({ code: 1, stderr: expect.stringContaining('No account with the email nobody@example.test') });
    expect(await endSessions()).toMatchObject({ code: 2, stderr: expect.stringContaining('usage: npm run sessions:end') });
    expect(await endSessions('a@example.test', 'b@example.test')).toMatchObject({ code: 2 });
    await me(t, s.accessToken).expect(200);
  });
});
