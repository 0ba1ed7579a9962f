import { ApiError, AuthClient, SignedOutError } from './auth-client';
import { BrowserDpopKey } from './dpop-key';

declare const API_URL: string; // set at build time (build.mjs)
declare const USE_DPOP: boolean; // set at build time: bind sessions to a browser key (default)

interface User {
  id: string;
  email: string;
}
interface Session {
  id: string;
  createdAt: string;
  lastUsedAt: string;
  userAgent: string | null;
  ip: string | null;
  current: boolean;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const client = new AuthClient(
  API_URL,
  () => showLogin('Your session ended. Please sign in again.'),
  USE_DPOP ? BrowserDpopKey.load() : undefined,
);

function showLogin(message = ''): void {
  $('app-view').hidden = true;
  $('login-view').hidden = false;
  $('login-message').textContent = message;
}

async function showApp(): Promise<void> {
  $('login-view').hidden = true;
  $('app-view').hidden = false;
  await Promise.all([loadProfile(), loadSessions()]);
}

async function loadProfile(): Promise<void> {
  const user = await client.json<User>('/auth/me');
  $('user-email').textContent = user.email;
  $('user-id').textContent = user.id;
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
  try {
    await action();
  } catch (err) {
    if (err instanceof SignedOutError) return;
    $('app-message').textContent = err instanceof Error ? err.message : String(err);
  }
}

async function credentialsAction(action: 'login' | 'register'): Promise<void> {
  const email = $<HTMLInputElement>('email').value;
  const password = $<HTMLInputElement>('password').value;
  try {
    if (action === 'register') await client.register(email, password);
    await client.login(email, password);
    await showApp();
  } catch (err) {
    $('login-message').textContent = err instanceof ApiError ? err.message : 'Network error';
  }
}

$('login-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void credentialsAction('login');
});
$('register').addEventListener('click', () => void credentialsAction('register'));
$('reload-profile').addEventListener('click', () => void guarded(loadProfile));
$('logout').addEventListener('click', () =>
  void client.logout().then(() => showLogin('Signed out.')),
);

// For tests and debugging in the console; the app itself does not need it.
(window as unknown as { authClient: AuthClient }).authClient = client;

// A page load starts without an access token: the cookie restores the session, if any.
void client.restore().then(
  (restored) => (restored ? guarded(showApp) : showLogin()),
  () => showLogin('The server is unavailable.'),
);
