/**
 * uid → user name, as `getpwuid(3)` answers from the passwd file: the first
 * entry with that uid wins. (Only the "files" source is read: sources that
 * nsswitch.conf may add for passwd — systemd, LDAP — are out of reach of a
 * pure-TS reader; on the machines this targets, files is what glibc consults.)
 */
import { readFileSync } from 'node:fs';

export class UserNames {
  private byUid: Map<number, string> | undefined;

  constructor(private readonly passwdPath = '/etc/passwd') {}

  /** The user name of a uid, or null when the passwd file has none. */
  name(uid: number): string | null {
    if (this.byUid === undefined) this.byUid = readPasswd(this.passwdPath);
    return this.byUid.get(uid) ?? null;
  }
}

function readPasswd(path: string): Map<number, string> {
  const byUid = new Map<number, string>();
  let text = '';
  try {
    text = readFileSync(path, 'latin1');
  } catch {
    return byUid;
  }
  for (const line of text.split('\n')) {
    const [name, , uid] = line.split(':');
    if (name === undefined || uid === undefined || !/^[0-9]+$/.test(uid)) continue;
    const value = Number(uid);
    if (!byUid.has(value)) byUid.set(value, name);
  }
  return byUid;
}
