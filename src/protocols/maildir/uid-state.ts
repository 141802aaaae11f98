import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** The name of the UID state file in each Maildir. */
export const STATE_FILE = 'torsion-uidlist.json';

/**
 * A Maildir's UID bookkeeping: UIDVALIDITY, the next UID, and the UID of every message by the
 * unique base of its file name. Kept in a small JSON file, replaced atomically (written beside
 * it, then renamed over it), so a crash leaves the old state or the new one, never half of one.
 */
export interface UidState {
  uidValidity: number;
  uidNext: number;
  uids: Map<string, number>;
}

interface StateFile {
  version: 1;
  uidValidity: number;
  uidNext: number;
  uids: Record<string, number>;
}

/** A fresh state: UIDVALIDITY from the clock (seconds, as Dovecot does), strictly above `atLeast`. */
export function freshState(atLeast = 0): UidState {
  return { uidValidity: Math.max(Math.floor(Date.now() / 1000), atLeast + 1), uidNext: 1, uids: new Map() };
}

/**
 * Reads the state of `dir`; undefined when there is none. A file that cannot be parsed also
 * gives undefined: the caller starts a fresh state with a new UIDVALIDITY, which tells clients
 * to drop what they cached (the one correct answer when UIDs may have been lost).
 */
export async function readState(dir: string): Promise<UidState | undefined> {
  let text: string;
  try {
    text = await fs.readFile(path.join(dir, STATE_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const file = JSON.parse(text) as StateFile;
    if (file.version !== 1 || !Number.isSafeInteger(file.uidValidity) || !Number.isSafeInteger(file.uidNext) || typeof file.uids !== 'object') return undefined;
    const uids = new Map<string, number>();
    for (const [base, uid] of Object.entries(file.uids)) {
      if (!Number.isSafeInteger(uid) || uid < 1 || uid >= file.uidNext) return undefined;
      uids.set(base, uid);
    }
    return { uidValidity: file.uidValidity, uidNext: file.uidNext, uids };
  } catch {
    return undefined;
  }
}

let writes = 0;

/** Replaces the state file of `dir` atomically (tmp/ of the same Maildir, then rename). */
export async function writeState(dir: string, state: UidState): Promise<void> {
  const file: StateFile = { version: 1, uidValidity: state.uidValidity, uidNext: state.uidNext, uids: Object.fromEntries(state.uids) };
  const temporary = path.join(dir, 'tmp', `${STATE_FILE}.${process.pid}.${++writes}`);
  const handle = await fs.open(temporary, 'w', 0o600);
  try {
    await handle.writeFile(JSON.stringify(file));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(temporary, path.join(dir, STATE_FILE));
}
