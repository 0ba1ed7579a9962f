/**
 * jose, loaded by the first DPoP proof rather than at start-up: most deployments have no
 * DPoP client, and the library is 0.5 MiB of heap that such a server would carry for nothing.
 */
export const jose = (): typeof import('jose') => require('jose') as typeof import('jose');
