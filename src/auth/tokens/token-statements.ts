import type { PreparedStatement } from '../../prisma/prisma.service';

// The statements every login and refresh runs, as data: the repository prepares them, and the
// benchmark's floor (bench/floor-server.js) runs these very texts from the build.

/** A session with its first refresh token, on every login: a prepared statement. */
export const CREATE_SESSION: PreparedStatement = {
  name: 'create_session',
  text: `
    WITH s AS (
      INSERT INTO sessions (id, user_id, absolute_expires_at, user_agent, ip)
      VALUES (gen_random_uuid(), $1::uuid, now() + make_interval(secs => $2), $3, $4)
      RETURNING id, user_id, absolute_expires_at
    )
    INSERT INTO refresh_tokens (id, token_hash, session_id, user_id, expires_at)
    SELECT $5::uuid, $6, s.id, s.user_id, LEAST(now() + make_interval(secs => $7), s.absolute_expires_at)
    FROM s
    RETURNING session_id AS "sessionId", user_id AS "userId", expires_at AS "expiresAt"`,
};

/** Retires a live token and inserts its successor; the hot path, so a prepared statement. */
export const ROTATE_REFRESH_TOKEN: PreparedStatement = {
  name: 'rotate_refresh_token',
  text: `
    WITH old AS (
      UPDATE refresh_tokens rt
         SET revoked = true, revoked_at = now(), replaced_by = $3::uuid
        FROM sessions s
       WHERE rt.token_hash = $1 AND NOT rt.revoked AND rt.expires_at > now()
         AND s.id = rt.session_id AND s.revoked_at IS NULL AND s.absolute_expires_at > now()
      RETURNING rt.session_id, rt.user_id, rt.expires_at, s.absolute_expires_at
    ), used AS (
      UPDATE sessions SET last_used_at = now() WHERE id = (SELECT session_id FROM old)
    )
    INSERT INTO refresh_tokens (id, token_hash, session_id, user_id, expires_at)
    SELECT $3::uuid, $2, old.session_id, old.user_id,
           LEAST(now() + make_interval(secs => $4), old.absolute_expires_at)
    FROM old
    RETURNING session_id AS "sessionId", user_id AS "userId", expires_at AS "expiresAt",
              (SELECT expires_at FROM old) AS "retiredExpiresAt", now() AS "rotatedAt"`,
};
