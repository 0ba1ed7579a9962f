import { ApiError, AuthClient, SignedOutError } from './auth-client';
import { BrowserDpopKey } from './dpop-key';

declare const API_URL: string; // set at build time (build.mjs)
declare const USE_DPOP: boolean; // set at build time: bind sessions to a browser key (default)

interface User {
  id: string;
  email: string;
  emailVerified: boolean;
  mfaEnabled: boolean;
}
interface Session {
  id: string;
  createdAt: string;
  lastUsedAt: string;
  userAgent: string | null;
  ip: string | null;
  current: boolean;
}

const VIEWS = ['login-view', 'mfa-view', 'forgot-view', 'reset-view', 'verify-view', 'app-view'] as const;
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const value = (id: string) => $<HTMLInputElement>(id).value;
const client = new AuthClient(
  API_URL,
  () => showLogin('Your session ended. Please sign in again.'),
  USE_DPOP ? BrowserDpopKey.load() : undefined,
);
const messageOf = (err: unknown) => (err instanceof ApiError ? err.message : 'Network error');

function show(view: (typeof VIEWS)[number]): void {
  for (const id of VIEWS) $(id).hidden = id !== view;
}

function showLogin(message = ''): void {
  show('login-view');
  $('login-message').textContent = message;
}

async function showApp(): Promise<void> {
  show('app-view');
  await Promise.all([loadProfile(), loadSessions()]);
}

async function loadProfile(): Promise<void> {
  const user = await client.json<User>('/auth/me');
  $('user-email').textContent = user.email;
  $('user-id').textContent = user.id;
  $('email-status').textContent = user.emailVerified ? 'email confirmed' : 'email not confirmed yet';
  $('resend-from-app').hidden = user.emailVerified;
  $('mfa-status').textContent = user.mfaEnabled ? 'On: sign-ins need a code from your app.' : 'Off.';
  $('mfa-enable').hidden = user.mfaEnabled;
  $('mfa-disable-form').hidden = !user.mfaEnabled;
}

async function loadSessions(): Promise<void> {
  const sessions = await client.json<Session[]>('/auth/sessions');
  const list = $('sessions');
  list.replaceChildren(
    ...sessions.map((s) => {
      const item = document.createElement('li');
      item.textContent = `${s.current ? 'this device' : (s.userAgent ?? 'unknown device')} — since ${new Date(s.createdAt).toLocaleString()}`;
      if (!s.current) {
        const end = document.createElement('button');
        end.textContent = 'End';
        end.onclick = () => guarded(async () => {
          await client.json(`/auth/sessions/${s.id}`, { method: 'DELETE' });
          await loadSessions();
        });
        item.append(' ', end);
      }
      return item;
    }),
  );
}

/** Runs a UI action; a lost session has already switched to the login view. */
async function guarded(action: () => Promise<void>): Promise<void> {
  $('app-message').textContent = '';
  try {
    await action();
  } catch (err) {
    if (err instanceof SignedOutError) return;
    $('app-message').textContent = err instanceof Error ? err.message : String(err);
  }
}

const postJson = (path: string, body: unknown) =>
  client.json<any>(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

// ---- sign-in, with the code step for accounts with a second factor ----
let mfaTicket: string | null = null;

async function credentialsAction(action: 'login' | 'register'): Promise<void> {
  const email = value('email');
  const password = value('password');
  $('resend-verification').hidden = true;
  try {
    if (action === 'register') await client.register(email, password);
    const challenge = await client.login(email, password);
    if (challenge) {
      mfaTicket = challenge.mfaTicket;
      show('mfa-view');
      $('mfa-code').focus();
      return;
    }
    await showApp();
  } catch (err) {
    $('login-message').textContent = messageOf(err);
    // 403 with REQUIRE_VERIFIED_EMAIL: the address is not confirmed yet; offer a new link.
    if (err instanceof ApiError && err.status === 403) $('resend-verification').hidden = false;
  }
}

$('login-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void credentialsAction('login');
});
$('register').addEventListener('click', () => void credentialsAction('register'));
$('resend-verification').addEventListener('click', async () => {
  await client.resendVerification(value('email')).catch(() => undefined);
  $('login-message').textContent = 'If the address has an unconfirmed account, a new link is on its way.';
});
$('mfa-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const entered = value('mfa-code').trim();
  const factor = $<HTMLInputElement>('mfa-use-recovery').checked ? { recoveryCode: entered } : { code: entered };
  try {
    await client.verifyMfa(mfaTicket ?? '', factor);
    mfaTicket = null;
    $<HTMLInputElement>('mfa-code').value = '';
    await showApp();
  } catch (err) {
    $('mfa-message').textContent = messageOf(err);
    // A dead or expired ticket: back to the password step.
    if (err instanceof ApiError && err.status === 401 && /ticket/.test(err.message)) showLogin(err.message);
  }
});

// ---- signed in ----
$('reload-profile').addEventListener('click', () => void guarded(loadProfile));
$('logout').addEventListener('click', () => void client.logout().then(() => showLogin('Signed out.')));
$('resend-from-app').addEventListener('click', () =>
  void guarded(async () => {
    await client.resendVerification($('user-email').textContent ?? '');
    $('app-message').textContent = 'A new confirmation link is on its way.';
  }),
);
$('change-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void guarded(async () => {
    await postJson('/auth/password/change', { currentPassword: value('current-password'), newPassword: value('new-password') });
    $('change-message').textContent = 'Password changed; your other sessions were signed out.';
    await loadSessions();
  });
});
$('mfa-enable').addEventListener('click', () =>
  void guarded(async () => {
    const enrolment = await postJson('/auth/mfa/totp', undefined);
    $<HTMLImageElement>('mfa-qr').src = enrolment.qrCode;
    $('mfa-secret').textContent = enrolment.secret;
    $('mfa-enrol').hidden = false;
    $('mfa-enable').hidden = true;
  }),
);
$('mfa-confirm-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void guarded(async () => {
    const { recoveryCodes } = await postJson('/auth/mfa/totp/confirm', { code: value('mfa-confirm-code').trim() });
    $('mfa-enrol').hidden = true;
    $('recovery-codes').replaceChildren(...recoveryCodes.map((code: string) => Object.assign(document.createElement('li'), { textContent: code })));
    $('recovery-view').hidden = false;
    await loadProfile();
  });
});
$('mfa-disable-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const entered = value('mfa-disable-code').trim();
  const factor = /^\d{6}$/.test(entered) ? { code: entered } : { recoveryCode: entered };
  void guarded(async () => {
    await postJson('/auth/mfa/totp/disable', { password: value('mfa-disable-password'), ...factor });
    $('recovery-view').hidden = true;
    await Promise.all([loadProfile(), loadSessions()]);
  });
});

// ---- pages the mails link to: /forgot-password, /reset-password?token=…, /verify-email?token=… ----
$('forgot-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  try {
    await client.requestPasswordReset(value('forgot-email'));
    $('forgot-message').textContent = 'If the address has an account, a reset link is on its way.';
  } catch (err) {
    $('forgot-message').textContent = messageOf(err);
  }
});

let resetToken = '';
$('reset-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  $('reset-message').textContent = '';
  try {
    await client.resetPassword(resetToken, value('reset-password'));
    $('reset-form').hidden = true;
    $('reset-done').textContent = 'Your password is set. Every session was signed out: sign in with the new password.';
  } catch (err) {
    $('reset-message').textContent = messageOf(err);
  }
});

async function verifyEmail(token: string): Promise<void> {
  show('verify-view');
  try {
    await client.verifyEmail(token);
    $('verify-message').textContent = 'Your email address is confirmed. You can sign in.';
  } catch (err) {
    $('verify-message').textContent = `${messageOf(err)}. Sign in to ask for a new link.`;
  }
}

// For tests and debugging in the console; the app itself does not need it.
(window as unknown as { authClient: AuthClient }).authClient = client;

function start(): void {
  const path = location.pathname.replace(/\/+$/, '') || '/';
  const token = new URLSearchParams(location.search).get('token') ?? '';
  // The token has done its job once read: keep it out of the address bar, history and referrers.
  if (token) history.replaceState(null, '', path);
  if (path === '/forgot-password') return show('forgot-view');
  if (path === '/reset-password') {
    resetToken = token;
    return show('reset-view');
  }
  if (path === '/verify-email') return void verifyEmail(token);
  // A page load starts without an access token: the cookie restores the session, if any.
  void client.restore().then(
    (restored) => (restored ? guarded(showApp) : showLogin()),
    () => showLogin('The server is unavailable.'),
  );
}

start();
