import { SessionRevocationService } from '../../src/auth/tokens/session-revocation.service';
import { sessionKey } from '../../src/auth/tokens/token-blacklist.service';
import { createTestApp, login, me, PASSWORD, refreshBody, registerAndLogin, sleep, TestApp } from '../support/test-app';

const BODY = { 'X-Token-Transport': 'body' };
const expOf = (accessToken: string): number => JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString()).exp;
const sidOf = (accessToken: string): string => JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString()).sid;

/**
 * An access token is not looked up anywhere but in the session marker: the marker must live
 * at least as long as any access token of that session could still be presented. Redis's
 * clock cannot be moved from a test, so the invariant is checked where it lives (the marker's
 * remaining TTL against the token's remaining lifetime), and once in real time with short tokens.
 */
describe('session revocation markers outlive the access tokens of the session', () => {
  let t: TestApp;
  beforeAll(async () => (t = await createTestApp({ auth: { accessTokenTtl: 900, reuseGrace: 0 } })));
  afterAll(() => t.close());

  async function expectMarkerOutlives(accessToken: string): Promise<void> {
    const markerMs = await t.redis.client.pttl(sessionKey(sidOf(accessToken)));
    const tokenMs = expOf(accessToken) * 1000 - Date.now();
    expect(tokenMs).toBeGreaterThan(800_000); // a long-lived token: a short marker cannot hide
    expect(markerMs).toBeGreaterThanOrEqual(tokenMs);
  }

  it('after logout, logout-all, reuse and a password change', async () => {
    const a = await registerAndLogin(t);
    await t.http().post('/auth/logout').set(BODY).send({ refreshToken: a.refreshToken }).expect(204);
    await expectMarkerOutlives(a.accessToken);

    const b = await registerAndLogin(t);
    const b2 = await login(t, b.email);
    await t.http().post('/auth/logout-all').set('Authorization', `Bearer ${b.accessToken}`).expect(204);
    await expectMarkerOutlives(b.accessToken);
    await expectMarkerOutlives(b2.accessToken);

    const c = await registerAndLogin(t);
    const rotated = await refreshBody(t, c.refreshToken).expect(200);
    await refreshBody(t, c.refreshToken).expect(401); // reuse
    await expectMarkerOutlives(rotated.body.accessToken);

    const d = await registerAndLogin(t);
    const other = await login(t, d.email);
    await t.http().post('/auth/password/change').set('Authorization', `Bearer ${d.accessToken}`)
      .send({ currentPassword: PASSWORD, newPassword: `${PASSWORD} again` }).expect(204);
    await expectMarkerOutlives(other.accessToken);
  });

  it('when rebuilt from Postgres after Redis lost them', async () => {
    const s = await registerAndLogin(t);
    await t.http().post('/auth/logout').set(BODY).send({ refreshToken: s.refreshToken }).expect(204);
    await t.redis.client.del(sessionKey(sidOf(s.accessToken)));
    await me(t, s.accessToken).expect(200); // what a lost marker means
    expect(await t.app.get(SessionRevocationService).restoreSessionMarkers()).toBeGreaterThan(0);
    await expectMarkerOutlives(s.accessToken);
    await me(t, s.accessToken).expect(401);
  });
});

describe('in real time, with 3-second access tokens', () => {
  it('refuses a logged-out access token on every request until it expires', async () => {
    const t = await createTestApp({ auth: { accessTokenTtl: 3 } });
    try {
      const s = await registerAndLogin(t);
      await t.http().post('/auth/logout').set(BODY).send({ refreshToken: s.refreshToken }).expect(204);
      const statuses = new Set<number>();
      while (Date.now() < expOf(s.accessToken) * 1000 - 150) {
        statuses.add((await me(t, s.accessToken)).status);
        await sleep(100);
      }
      expect([...statuses]).toEqual([401]);
    } finally {
      await t.close();
    }
  });
});
