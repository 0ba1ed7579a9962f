import { forgetModules } from '../../common/module-cache';
import { SortedWordSet } from './sorted-word-set';

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

/**
 * The passwords seen most often in breaches (zxcvbn-ts list, ~49,000), lower-cased, less the
 * ~31,000 shorter than PASSWORD_MIN_LENGTH: the length rule refuses those before the lookup, and
 * lower-casing never shortens a string in code points, so they could never match; kept, they
 * would only take heap.
 */
const COMMON_PASSWORDS = loadCommonPasswords();

/**
 * Copies the list into a compact set, then lets go of the package (its word lists and keyboard
 * graphs, 2.4 MiB of heap that nothing else reads); hence `require` here, not an import.
 */
function loadCommonPasswords(): SortedWordSet {
  const { dictionary } = require('@zxcvbn-ts/language-common') as typeof import('@zxcvbn-ts/language-common');
  const words = (dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase());
  const passwords = new SortedWordSet(words.filter((word) => [...word].length >= PASSWORD_MIN_LENGTH));
  forgetModules(/[\\/]node_modules[\\/]@zxcvbn-ts[\\/]/);
  return passwords;
}

/** Passwords are compared and hashed in NFKC form, so every Unicode spelling of one matches. */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

/**
 * The one password policy (register, reset, change), after NIST SP 800-63B: length in code
 * points, no breached-list passwords, not the account's own email. Returns the problem, or null.
 */
export function passwordProblem(password: string, email: string): string | null {
  const normalized = normalizePassword(password);
  const length = [...normalized].length;
  if (length < PASSWORD_MIN_LENGTH) return `password must be at least ${PASSWORD_MIN_LENGTH} characters`;
  if (length > PASSWORD_MAX_LENGTH) return `password must be at most ${PASSWORD_MAX_LENGTH} characters`;
  const lower = normalized.toLowerCase();
  if (COMMON_PASSWORDS.has(lower)) return 'password is too common';
  const address = email.trim().toLowerCase();
  if (lower === address || lower === address.split('@')[0]) return 'password must not be your email address';
  return null;
}
