/** A webhook uri as it may be shown or logged: basic-auth credentials removed. */
export function withoutCredentials(uri: string): string {
  try {
    const url = new URL(uri);
    if (!url.username && !url.password) return uri;
    url.username = '';
    url.password = '';
    return url.toString();
  } catch {
    return uri;
  }
}
