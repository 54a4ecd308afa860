/** The span attribute that carries a request's id (its X-Request-Id) on every span of it. */
export const REQUEST_ID_ATTRIBUTE = 'callwarden.request_id';
