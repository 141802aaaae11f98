import { promises as fs, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { MaildirStore, type DeliveryEvent } from 'torsion/maildir';

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'torsion-maildir-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

const message = (n: number): Buffer => Buffer.from(`From: a@x.test\r\nSubject: message ${n}\r\n\r\nbody ${n}\r\n`);
const list = async (...parts: string[]): Promise<string[]> => (await fs.readdir(path.join(root, ...parts))).sort();

describe('MaildirStore delivery', () => {
  it('writes the message into new/ under a unique name, nothing left in tmp/, bytes exact', async () => {
    const store = new MaildirStore({ root });
    const result = await store.deliver('ann', message(1));
    expect(result).toMatchObject({ mailbox: 'INBOX', uid: 1 });
    const names = await list('ann', 'new');
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/^\d+\.M\d+P\d+Q\d+R[0-9a-f]{12}\..+,W=\d+$/);
    expect(await list('ann', 'tmp')).toEqual([]);
    expect(await fs.readFile(path.join(root, 'ann', 'new', names[0]))).toEqual(message(1));
  });

  it('gives concurrent deliveries distinct names and UIDs 1..n, and announces each', async () => {
    const store = new MaildirStore({ root });
    const seen: DeliveryEvent[] = [];
    store.events.on('delivered', (e: DeliveryEvent) => seen.push(e));
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => store.deliver('ann', message(i))));
    expect(results.map((r) => r.uid).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(new Set(await list('ann', 'new')).size).toBe(40);
    expect(seen.map((e) => e.uid).sort((a, b) => a - b)).toEqual(results.map((r) => r.uid).sort((a, b) => a - b));
    expect(seen[0]).toMatchObject({ user: 'ann', mailbox: 'INBOX', uidValidity: results[0].uidValidity });
  });

  it('never shows a partial message in new/ while large deliveries are under way', async () => {
    const store = new MaildirStore({ root });
    const big = (n: number): Buffer => Buffer.concat([message(n), Buffer.alloc(512 * 1024, 0x61 + n)]);
    await store.deliver('ann', message(0));
    const deliveries = Promise.all(Array.from({ length: 6 }, (_, i) => store.deliver('ann', big(i + 1))));
    let done = false;
    void deliveries.then(() => (done = true));
    const partial: string[] = [];
    for (let polls = 0; polls < 2000 && !done; polls++) {
      for (const name of await list('ann', 'new')) {
        const data = await fs.readFile(path.join(root, 'ann', 'new', name)).catch(() => undefined);
        if (data !== undefined && data.length !== message(0).length && data.length !== big(1).length) partial.push(name);
      }
    }
    await deliveries;
    expect(partial).toEqual([]);
    expect(await list('ann', 'new')).toHaveLength(7);
  });

  it('keeps message bytes as given and serves them with CRLF line ends', async () => {
    const store = new MaildirStore({ root });
    const lf = Buffer.from('Subject: lf\n\nline 1\nline 2\r\nend\n');
    const { uid } = await store.deliver('ann', lf);
    const [name] = await list('ann', 'new');
    expect(await fs.readFile(path.join(root, 'ann', 'new', name))).toEqual(lf);
    const served = await store.read('ann', 'INBOX', uid);
    expect(served?.toString()).toBe('Subject: lf\r\n\r\nline 1\r\nline 2\r\nend\r\n');
    const snapshot = await store.messages('ann', 'inbox');
    expect(snapshot.messages[0].size).toBe(served?.length);
  });

  it('sets INTERNALDATE from the option (the file time) and starts flagged deliveries in cur/', async () => {
    const store = new MaildirStore({ root });
    const when = new Date('2024-02-03T04:05:06Z');
    await store.deliver('ann', message(1), { internalDate: when, flags: ['\\Seen', '\\Flagged'] });
    const [name] = await list('ann', 'cur');
    expect(name.endsWith(':2,FS')).toBe(true);
    const { messages } = await store.messages('ann', 'INBOX');
    expect(messages[0]).toMatchObject({ uid: 1, flags: ['\\Flagged', '\\Seen'], recent: false, internalDate: when });
  });
});

describe('MaildirStore UIDs', () => {
  it('keeps UIDs and UIDVALIDITY across restarts (a new store on the same root)', async () => {
    const first = new MaildirStore({ root });
    for (let i = 0; i < 3; i++) await first.deliver('ann', message(i));
    const before = await first.messages('ann', 'INBOX');
    const second = new MaildirStore({ root });
    const after = await second.messages('ann', 'INBOX');
    expect(after.uidValidity).toBe(before.uidValidity);
    expect(after.messages.map((m) => m.uid)).toEqual([1, 2, 3]);
    expect((await second.deliver('ann', message(4))).uid).toBe(4);
    expect(await second.read('ann', 'INBOX', 2)).toEqual(message(1));
  });

  it('writes the state file atomically: only the state file, no temporary left in tmp/', async () => {
    const store = new MaildirStore({ root });
    await store.deliver('ann', message(1));
    const state = JSON.parse(await fs.readFile(path.join(root, 'ann', 'torsion-uidlist.json'), 'utf8')) as { uidNext: number; uids: Record<string, number> };
    expect(state.uidNext).toBe(2);
    expect(Object.values(state.uids)).toEqual([1]);
    expect(await list('ann', 'tmp')).toEqual([]);
  });

  it('gives a message another program dropped into new/ the next UID, and forgets deleted files', async () => {
    const store = new MaildirStore({ root });
    await store.deliver('ann', message(1));
    await store.deliver('ann', message(2));
    const state = JSON.parse(await fs.readFile(path.join(root, 'ann', 'torsion-uidlist.json'), 'utf8')) as { uids: Record<string, number> };
    const first = Object.keys(state.uids).find((base) => state.uids[base] === 1) as string;
    await fs.writeFile(path.join(root, 'ann', 'new', '1700000000.external.host'), 'Subject: external\n\nhi\n');
    await fs.rm(path.join(root, 'ann', 'new', first));
    const { messages, uidNext } = await store.messages('ann', 'INBOX');
    expect(messages.map((m) => m.uid)).toEqual([2, 3]);
    expect(uidNext).toBe(4);
    expect(messages[1].size).toBe('Subject: external\r\n\r\nhi\r\n'.length);
  });

  it('starts a new UIDVALIDITY, above the old one, when the state file is damaged', async () => {
    const store = new MaildirStore({ root });
    const { uidValidity } = await store.deliver('ann', message(1));
    await fs.writeFile(path.join(root, 'ann', 'torsion-uidlist.json'), '{ not json');
    const again = await store.messages('ann', 'INBOX');
    expect(again.uidValidity).toBeGreaterThanOrEqual(uidValidity);
    expect(again.messages.map((m) => m.uid)).toEqual([1]);
  });
});

describe('MaildirStore flags and expunge', () => {
  it('keeps flags in the :2, suffix, in ASCII letter order, moving the file into cur/', async () => {
    const store = new MaildirStore({ root });
    const { uid } = await store.deliver('ann', message(1));
    const changed = await store.setFlags('ann', 'INBOX', uid, ['\\Seen', '\\Deleted', '\\Answered', '\\Draft', 'custom']);
    expect(changed?.flags).toEqual(['\\Draft', '\\Answered', '\\Seen', '\\Deleted']);
    expect(await list('ann', 'new')).toEqual([]);
    const [name] = await list('ann', 'cur');
    expect(name.endsWith(':2,DRST')).toBe(true);
    // Read back from the name alone by another store.
    expect((await new MaildirStore({ root }).messages('ann', 'INBOX')).messages[0].flags).toEqual(['\\Draft', '\\Answered', '\\Seen', '\\Deleted']);
    expect(await store.setFlags('ann', 'INBOX', 99, ['\\Seen'])).toBeUndefined();
  });

  it('claims recent messages for one caller: new/ to cur/, recent once', async () => {
    const store = new MaildirStore({ root });
    await store.deliver('ann', message(1));
    expect((await store.status('ann', 'INBOX')).recent).toBe(1);
    const claimed = await store.messages('ann', 'INBOX', { claimRecent: true });
    expect(claimed.messages[0].recent).toBe(true);
    expect(await list('ann', 'new')).toEqual([]);
    expect((await store.messages('ann', 'INBOX')).messages[0].recent).toBe(false);
  });

  it('expunges only \\Deleted messages (of the UIDs given)', async () => {
    const store = new MaildirStore({ root });
    for (let i = 0; i < 4; i++) await store.deliver('ann', message(i));
    for (const uid of [1, 2, 4]) await store.setFlags('ann', 'INBOX', uid, ['\\Deleted']);
    expect(await store.expunge('ann', 'INBOX', [2, 3])).toEqual([2]);
    expect(await store.expunge('ann', 'INBOX')).toEqual([1, 4]);
    const status = await store.status('ann', 'INBOX');
    expect(status).toMatchObject({ messages: 1, unseen: 1, uidNext: 5 });
    expect(await store.read('ann', 'INBOX', 3)).toEqual(message(2));
  });
});

describe('MaildirStore file index', () => {
  it('finds a message another program renamed or removed since it was last read', async () => {
    const store = new MaildirStore({ root });
    const { uid } = await store.deliver('ann', message(1));
    await store.deliver('ann', message(2));
    expect(await store.read('ann', 'INBOX', uid)).toEqual(message(1));
    const state = JSON.parse(await fs.readFile(path.join(root, 'ann', 'torsion-uidlist.json'), 'utf8')) as { uids: Record<string, number> };
    const base = Object.keys(state.uids).find((b) => state.uids[b] === uid) as string;
    // Another mail client marks it seen: new/<base> -> cur/<base>:2,S.
    await fs.rename(path.join(root, 'ann', 'new', base), path.join(root, 'ann', 'cur', `${base}:2,S`));
    expect(await store.read('ann', 'INBOX', uid)).toEqual(message(1));
    await fs.rename(path.join(root, 'ann', 'cur', `${base}:2,S`), path.join(root, 'ann', 'cur', `${base}:2,F`));
    expect((await store.setFlags('ann', 'INBOX', uid, ['\\Answered']))?.flags).toEqual(['\\Answered']);
    await fs.rm(path.join(root, 'ann', 'cur', `${base}:2,R`));
    expect(await store.read('ann', 'INBOX', uid)).toBeUndefined();
    expect(await store.setFlags('ann', 'INBOX', uid, ['\\Seen'])).toBeUndefined();
    expect(await store.read('ann', 'INBOX', 2)).toEqual(message(2));
  });
});

describe('MaildirStore mailboxes', () => {
  it('lists INBOX first, then Maildir++ folders; refuses names that leave the user directory', async () => {
    const store = new MaildirStore({ root });
    await store.createMailbox('ann', 'Sent');
    await store.createMailbox('ann', 'Archive.2024');
    expect(await store.mailboxes('ann')).toEqual(['INBOX', 'Archive.2024', 'Sent']);
    await store.deliver('ann', message(1), { mailbox: 'Sent' });
    expect((await store.status('ann', 'Sent')).messages).toBe(1);
    for (const bad of ['../bob', 'a/b', '.hidden', 'a..b', '']) {
      await expect(store.createMailbox('ann', bad)).rejects.toMatchObject({ code: 'TORSION_ERR_MAILBOX_NAME' });
    }
    await expect(store.deliver('../etc', message(1))).rejects.toMatchObject({ code: 'TORSION_ERR_MAILBOX_NAME' });
    await expect(store.messages('ann', 'Nope')).rejects.toMatchObject({ code: 'TORSION_ERR_NO_MAILBOX' });
  });
});

describe('MaildirStore under concurrency', () => {
  it('serves several async deliverers and a session changing flags and expunging at once, UIDs unique and stable', async () => {
    const store = new MaildirStore({ root });
    const deliverer = async (who: number): Promise<number[]> => {
      const uids: number[] = [];
      for (let i = 0; i < 10; i++) uids.push((await store.deliver('ann', message(who * 100 + i))).uid);
      return uids;
    };
    const session = async (): Promise<void> => {
      for (let round = 0; round < 15; round++) {
        const { messages } = await store.messages('ann', 'INBOX', { claimRecent: true });
        const odd = messages.filter((m) => m.uid % 5 === 0);
        for (const m of odd) await store.setFlags('ann', 'INBOX', m.uid, ['\\Seen', '\\Deleted']);
        await store.expunge('ann', 'INBOX');
      }
    };
    const [a, b, c] = await Promise.all([deliverer(1), deliverer(2), deliverer(3), session()]);
    const all = [...a, ...b, ...c].sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    await store.expunge('ann', 'INBOX');
    const left = (await store.messages('ann', 'INBOX')).messages.map((m) => m.uid);
    const survivors = all.filter((uid) => !left.includes(uid));
    expect(left.every((uid) => uid % 5 !== 0 || !survivors.includes(uid))).toBe(true);
    // Every file on disk has exactly one UID, and each surviving UID reads back a message.
    const files = [...(await list('ann', 'new')), ...(await list('ann', 'cur'))];
    expect(files).toHaveLength(left.length);
    for (const uid of left) expect((await store.read('ann', 'INBOX', uid))?.toString()).toMatch(/^From: a@x.test/);
  });
});
