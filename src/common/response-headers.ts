/** An exception that brings headers for its error response (the filter sets them). */
export interface WithResponseHeaders {
  readonly responseHeaders: Record<string, string>;
}

export function hasResponseHeaders(exception: unknown): exception is WithResponseHeaders {
  return typeof exception === 'object' && exception !== null && typeof (exception as WithResponseHeaders).responseHeaders === 'object';
}
