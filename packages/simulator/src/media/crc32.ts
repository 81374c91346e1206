const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** Continues a CRC-32 (ISO-HDLC, as PNG uses) over `bytes`; start with `crc = 0`. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = (TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return ~c >>> 0;
}

const ZEROS = new Uint8Array(64 * 1024);

/** Continues a CRC-32 over `length` zero bytes. */
export function crc32Zeros(length: number, crc = 0): number {
  let value = crc;
  let left = length;
  while (left > 0) {
    const n = Math.min(left, ZEROS.length);
    value = crc32(n === ZEROS.length ? ZEROS : ZEROS.subarray(0, n), value);
    left -= n;
  }
  return value;
}
