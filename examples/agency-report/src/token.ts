import type { FetchFn } from './report.js';

/**
 * An access token for the agency's system, by OAuth2 client credentials with its client
 * secret (`client_secret_basic`). A production integration would rather sign a JWT assertion
 * (SMART Backend Services); the gateway accepts both.
 */
export async function clientCredentialsToken(
  fetchFn: FetchFn,
  tokenUrl: string,
  clientId: string,
  clientSecret: string,
  scope = 'system/Appointment.rs',
): Promise<string> {
  const basic = Buffer.from(
    `${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`,
  ).toString('base64');
  const response = await fetchFn(tokenUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${basic}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
  });
  const body = (await response.json()) as { access_token?: string; error_description?: string };
  if (!response.ok || !body.access_token) {
    throw new Error(`the token endpoint refused: ${body.error_description ?? response.status}`);
  }
  return body.access_token;
}

/** The same fetch, with the access token on every request. */
export function withToken(fetchFn: FetchFn, token: string): FetchFn {
  return (url, init) => {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${token}`);
    return fetchFn(url, { ...init, headers });
  };
}
