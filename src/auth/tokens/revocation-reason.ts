/** Why sessions ended: a label on the `auth_sessions_revoked_total` metric and on security events. */
export type RevocationReason =
  | 'logout'
  | 'logout_all'
  | 'reuse'
  | 'session_revoked'
  | 'password_reset'
  | 'password_change'
  | 'mfa_disabled'
  | 'mfa_recovery_codes_regenerated'
  /** An operator's `npm run sessions:end`. */
  | 'admin';
