/** Seeded randomness: the generator must build the same organization for the same seed. */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

/** mulberry32: tiny, fast and good enough for test data (not for secrets). */
export function createRandom(seed: number | string): Random {
  let a = typeof seed === 'number' ? seed >>> 0 : hashString(seed);
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => {
      if (items.length === 0) throw new RangeError('pick from an empty list');
      return items[Math.floor(next() * items.length)] as (typeof items)[number];
    },
    chance: (p) => next() < p,
  };
}

/** FNV-1a, to turn string seeds (and seed + salt) into 32-bit states. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

const UPPER_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** One flat string per call: concatenating char by char would leave a rope of tiny objects per id. */
function randomString(random: Random, alphabet: string, length: number): string {
  const codes = new Array<number>(length);
  for (let i = 0; i < length; i++)
    codes[i] = alphabet.charCodeAt(Math.floor(random.next() * alphabet.length));
  return String.fromCharCode(...codes);
}

/** AWS ids are a 4-letter prefix (AKIA, ASIA, AIDA, AROA) plus 16 base32 characters. */
export function awsId(random: Random, prefix: string): string {
  return prefix + randomString(random, UPPER_DIGITS, 20 - prefix.length);
}

export function secretKey(random: Random): string {
  return randomString(random, SECRET_ALPHABET, 40);
}

export function sessionToken(random: Random): string {
  return 'FwoGZXIvYXdzE' + randomString(random, SECRET_ALPHABET, 120);
}

export function requestId(random: Random): string {
  const hex = '0123456789abcdef';
  const part = (n: number) => randomString(random, hex, n);
  return `${part(8)}-${part(4)}-${part(4)}-${part(4)}-${part(12)}`;
}
