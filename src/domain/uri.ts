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
