import { OptionError } from '../errors';

/**
 * Eager validation of codec options (undici's habit): a bad option fails when the codec is
 * built, which happens while the app graph is declared, long before the first byte arrives.
 * Every message names the codec, the option, what was given and what to pass instead.
 */

/** Rejects keys the codec does not know, so a typo (`maxLenght`) is not silently ignored. */
export function checkKnownOptions(codec: string, options: object | undefined, known: readonly string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object') {
    throw new OptionError(`${codec}: options must be an object, got ${describeValue(options)}; pass e.g. ${codec}({})`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new OptionError(`${codec}: unknown option '${key}'; the options are ${known.map((k) => `'${k}'`).join(', ')}`);
    }
  }
}

/** A whole number of bytes (or items) >= `min`, at most Number.MAX_SAFE_INTEGER. */
export function integerOption(codec: string, name: string, value: unknown, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    const wanted = min === 1 ? 'a positive integer' : min === 0 ? 'a non-negative integer' : `an integer >= ${min}`;
    throw new OptionError(`${codec}: ${name} must be ${wanted}, got ${describeValue(value)}; pass e.g. { ${name}: ${fallback} } or omit it for the default`);
  }
  return value;
}

/** Any safe integer, negative allowed. */
export function signedIntegerOption(codec: string, name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new OptionError(`${codec}: ${name} must be an integer (it may be negative), got ${describeValue(value)}`);
  }
  return value;
}

/** true or false. */
export function booleanOption(codec: string, name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw new OptionError(`${codec}: ${name} must be true or false, got ${describeValue(value)}`);
  }
  return value;
}

/** One of `choices`. */
export function choiceOption<T extends string | number>(codec: string, name: string, value: unknown, fallback: T, choices: readonly T[]): T {
  if (value === undefined) return fallback;
  if (!choices.includes(value as T)) {
    throw new OptionError(`${codec}: ${name} must be one of ${choices.map((c) => JSON.stringify(c)).join(', ')}, got ${describeValue(value)}`);
  }
  return value as T;
}

/** A Node.js Buffer encoding name. */
export function encodingOption(codec: string, value: unknown, fallback: BufferEncoding): BufferEncoding {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !Buffer.isEncoding(value)) {
    throw new OptionError(`${codec}: encoding must be a Node.js Buffer encoding such as 'utf8' or 'latin1', got ${describeValue(value)}`);
  }
  return value;
}

/** A non-empty delimiter as bytes; strings are UTF-8 encoded. */
export function delimiterBytes(codec: string, name: string, value: unknown): Buffer {
  let bytes: Buffer | undefined;
  if (typeof value === 'string') bytes = Buffer.from(value, 'utf8');
  else if (value instanceof Uint8Array) bytes = Buffer.from(value); // a private copy: the caller may mutate theirs
  if (bytes === undefined || bytes.length === 0) {
    throw new OptionError(`${codec}: ${name} must be a non-empty string or Buffer, got ${describeValue(value)}; pass e.g. '\\n'`);
  }
  return bytes;
}

/** A short description of a bad option value for error messages (never a whole buffer). */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Uint8Array) return `a ${value.length}-byte buffer`;
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}
