/** UTF-8 sizes of JS strings, without encoding them. Pure. */

/**
 * Bytes `text` takes in UTF-8 (a lone surrogate counts 3, as U+FFFD would).
 * @param text - Any string.
 * @returns its UTF-8 length in bytes.
 */
export function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * `text` with every lone surrogate replaced by U+FFFD (as storing it alone
 * would): deltas are joined into one chunk per batch, and a high surrogate
 * ending one delta must not pair with a low one starting the next.
 */
export function wellFormed(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
}
