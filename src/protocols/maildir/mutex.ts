/**
 * One async lock per key (a Maildir's path): work on one mailbox runs one job at a time, in
 * call order, so concurrent deliveries and sessions of this process never interleave their
 * reads and writes of the UID state. Keys are dropped once idle, so the map stays bounded by
 * the mailboxes in use.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `job` once every earlier job on `key` has settled; resolves or rejects as it does. */
  run<T>(key: string, job: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(job, job);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
