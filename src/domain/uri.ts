function decodeUserinfo(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/**
 * Remove basic-auth credentials from a URL. Returns the credential-free URL (what to put in the
 * request line and in the attempts log) and the `Authorization` header value they become.
 * Throws on an unparseable URL.
 */
export function splitCredentials(rawUrl: string): { url: URL; authorization: string | undefined } {
  const url = new URL(rawUrl);
  if (url.username === '' && url.password === '') return { url, authorization: undefined };
  const userinfo = `${decodeUserinfo(url.username)}:${decodeUserinfo(url.password)}`;
  url.username = '';
  url.password = '';
  return { url, authorization: `Basic ${Buffer.from(userinfo, 'utf8').toString('base64')}` };
}

/** A webhook uri as it may be shown or logged: basic-auth credentials removed. */
export function withoutCredentials(uri: string): string {
  try {
    const { url, authorization } = splitCredentials(uri);
    return authorization ? url.toString() : uri;
  } catch {
    return uri;
  }
}

/** What a password in a webhook uri reads as through the API. */
export const MASKED_PASSWORD = '****';

/**
 * A webhook uri as the API shows it: a basic-auth password replaced by `****` (the user name stays,
 * to tell credentials apart). Deliveries still send the real one.
 */
export function maskPassword(uri: string): string {
  try {
    const url = new URL(uri);
    if (url.password === '') return uri;
    url.password = MASKED_PASSWORD;
    return url.toString();
  } catch {
    return uri;
  }
}

/**
 * A uri written back as it was read (GET, edit, POST): the masked password stands for the stored
 * one. Any other uri is taken as given.
 */
export function unmaskPassword(incoming: string, stored: string): string {
  return incoming !== stored && incoming === maskPassword(stored) ? stored : incoming;
}
