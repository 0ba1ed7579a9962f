import { createTestApp, refreshBody, registerAndLogin, sleep } from '../support/test-app';

describe('refresh-token lifetimes', () => {
  it('refuses a token past its idle lifetime (REFRESH_TOKEN_TTL)', async () => {
    const t = await createTestApp({ auth: { refreshTokenTtl: 1 } });
    try {
      const s = await registerAndLogin(t);
      await sleep(1300);
      await refreshBody(t, s.refreshToken).expect(401);
      // An expired token is not theft: the session is not revoked.
      expect(await t.prisma.session.count({ where: { userId: s.userId, revokedAt: null } })).toBe(1);
    } finally {
      await t.close();
    }
  });

  it('never extends a session past its absolute limit, however often it rotates', async () => {
    const t = await createTestApp({ auth: { refreshTokenTtl: 60, refreshTokenAbsoluteTtl: 2 } });
    try {
      const s = await registerAndLogin(t);
      const session = await t.prisma.session.findFirstOrThrow({ where: { userId: s.userId } });
      let token = s.refreshToken;
      for (let i = 0; i < 3; i++) {
        await sleep(400);
        const res = await refreshBody(t, token).expect(200);
        token = res.body.refreshToken;
      }
      const rows = await t.prisma.refreshToken.findMany({ where: { sessionId: session.id } });
      expect(rows).toHaveLength(4);
      for (const row of rows) expect(row.expiresAt.getTime()).toBeLessThanOrEqual(session.absoluteExpiresAt.getTime());
      await sleep(Math.max(0, session.absoluteExpiresAt.getTime() - Date.now()) + 200);
      await refreshBody(t, token).expect(401);
    } finally {
      await t.close();
    }
  });

  it('gives the cookie a Max-Age no longer than what is left of the session', async () => {
    const t = await createTestApp({ auth: { refreshTokenTtl: 600, refreshTokenAbsoluteTtl: 30 } });
    try {
      const s = await registerAndLogin(t);
      const res = await t.http().post('/auth/login').send({ email: s.email, password: 'correct horse battery staple' }).expect(200);
      const maxAge = Number(/Max-Age=(\d+)/.exec(res.headers['set-cookie'][0])![1]);
      expect(maxAge).toBeGreaterThan(25);
      expect(maxAge).toBeLessThanOrEqual(30);
    } finally {
      await t.close();
    }
  });
});
