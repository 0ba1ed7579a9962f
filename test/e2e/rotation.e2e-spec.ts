import { createHmac } from 'node:crypto';
import { createTestApp, me, refreshBody, registerAndLogin, sleep, TestApp } from '../support/test-app';

const hmac = (token: string) => createHmac('sha256', process.env.REFRESH_TOKEN_SECRET!).update(token).digest();

describe('refresh-token rotation', () => {
  let t: TestApp;
  beforeAll(async () => (t = await createTestApp()));
  afterAll(() => t.close());

  it('returns a new pair on every refresh and retires the presented token', async () => {
    const s = await registerAndLogin(t);
    const first = await refreshBody(t, s.refreshToken).expect(200);
    expect(first.body.refreshToken).not.toBe(s.refreshToken);
    expect(first.body.accessToken).not.toBe(s.accessToken);
    const second = await refreshBody(t, first.body.refreshToken).expect(200);
    expect(second.body.refreshToken).not.toBe(first.body.refreshToken);
    const rows = await t.prisma.refreshToken.findMany({ where: { userId: s.userId }, orderBy: { createdAt: 'asc' } });
    expect(rows.map((r) => r.revoked)).toEqual([true, true, false]);
    expect(rows[0].replacedBy).toBe(rows[1].id);
    expect(rows[1].replacedBy).toBe(rows[2].id);
    expect(Buffer.from(rows[2].tokenHash)).toEqual(hmac(second.body.refreshToken));
  });

  it('creates exactly one successor for 20 concurrent refreshes with one token, and hands it to all of them', async () => {
    const s = await registerAndLogin(t);
    const responses = await Promise.all(Array.from({ length: 20 }, () => refreshBody(t, s.refreshToken)));
    const ok = responses.filter((r) => r.status === 200);
    expect(responses.map((r) => r.status).filter((c) => c !== 200)).toEqual([]);
    const successors = new Set(ok.map((r) => r.body.refreshToken));
    expect(successors.size).toBe(1);
    const rows = await t.prisma.refreshToken.findMany({ where: { userId: s.userId } });
    expect(rows).toHaveLength(2);
    const successorRow = rows.find((r) => !r.revoked)!;
    expect(Buffer.from(successorRow.tokenHash)).toEqual(hmac([...successors][0]));
    // Nothing tripped: the session lives on and every handed-out access token works.
    await refreshBody(t, [...successors][0]).expect(200);
    await me(t, ok[19].body.accessToken).expect(200);
  });

  it('answers a replay inside the grace window with the same successor and trips nothing', async () => {
    const s = await registerAndLogin(t);
    const first = await refreshBody(t, s.refreshToken).expect(200);
    const replay = await refreshBody(t, s.refreshToken).expect(200);
    expect(replay.body.refreshToken).toBe(first.body.refreshToken);
    expect(await t.prisma.refreshToken.count({ where: { userId: s.userId } })).toBe(2);
    expect(await t.prisma.session.count({ where: { userId: s.userId, revokedAt: { not: null } } })).toBe(0);
    await me(t, first.body.accessToken).expect(200);
    await me(t, replay.body.accessToken).expect(200);
    await refreshBody(t, first.body.refreshToken).expect(200);
  });

  it('refuses garbage, unknown and missing tokens with 401 and the error shape', async () => {
    for (const token of [undefined, null, 42, '', 'not-a-token', 'A'.repeat(43), { $ne: null }, ['x']]) {
      const res = await refreshBody(t, token).expect(401);
      expect(res.body).toEqual({ statusCode: 401, error: 'Unauthorized', message: expect.any(String) });
    }
  });
});

describe('grace window off or elapsed', () => {
  it.each([
    ['grace 0', 0, 0],
    ['after a 1 s window', 1, 1300],
  ])('treats a replay of a rotated token as reuse (%s)', async (_name, reuseGrace, waitMs) => {
    const t = await createTestApp({ auth: { reuseGrace } });
    try {
      const s = await registerAndLogin(t);
      const first = await refreshBody(t, s.refreshToken).expect(200);
      await sleep(waitMs);
      await refreshBody(t, s.refreshToken).expect(401);
      // The legitimate holder of the successor is signed out too: the family is burnt.
      await refreshBody(t, first.body.refreshToken).expect(401);
      await me(t, first.body.accessToken).expect(401);
    } finally {
      await t.close();
    }
  });
});
