/**
 * Who is signed in, for this tab only (sessionStorage): a token from PUT /v2/api_auth (the API key
 * itself is never kept) or a console link's token, with the account it opens on.
 */
export interface Session {
  token: string;
  accountId: string;
  accountName?: string;
  /** A console link says what it may do; a key's token does not (the API decides). */
  mode?: 'read' | 'manage';
  expires?: string;
}

const KEY = 'switchboard.console.session';

export const session = {
  current(): Session | null {
    try {
      const raw = sessionStorage.getItem(KEY);
      return raw ? (JSON.parse(raw) as Session) : null;
    } catch {
      return null;
    }
  },
  start(value: Session): void {
    sessionStorage.setItem(KEY, JSON.stringify(value));
  },
  end(): void {
    sessionStorage.removeItem(KEY);
  },
  readOnly(): boolean {
    return session.current()?.mode === 'read';
  },
};

/**
 * A console link opens as /console/#token=…&account=…&mode=…: taken into the session, and the
 * fragment replaced at once so the token leaves the address bar and history.
 */
export function takeLinkFromUrl(): boolean {
  const params = new URLSearchParams(location.hash.slice(1));
  const token = params.get('token');
  const accountId = params.get('account');
  if (!token || !accountId) return false;
  const mode = params.get('mode');
  session.start({
    token,
    accountId,
    mode: mode === 'read' || mode === 'manage' ? mode : undefined,
  });
  history.replaceState(null, '', `${location.pathname}#/a/${accountId}/webhooks`);
  return true;
}
