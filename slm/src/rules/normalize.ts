/**
 * The request normalisation the rules see, defined on UTF-8 bytes so the kernel can do the same
 * in a few lines of C: ASCII letters lowercased, typographic quotes (U+2018/2019, U+201C/201D)
 * turned into ' and ", runs of ASCII whitespace collapsed to one space, ends trimmed.
 */

const QUOTES: Record<number, number> = { 0x98: 0x27, 0x99: 0x27, 0x9c: 0x22, 0x9d: 0x22 };

function isSpace(b: number): boolean {
  return b === 0x20 || (b >= 0x09 && b <= 0x0d);
}

export function normalizeRequest(text: string): Buffer {
  const input = Buffer.from(text, 'utf8');
  const out: number[] = [];
  let pendingSpace = false;
  for (let i = 0; i < input.length; i++) {
    let b = input[i] as number;
    if (isSpace(b)) {
      pendingSpace = out.length > 0;
      continue;
    }
    if (b === 0xe2 && input[i + 1] === 0x80 && QUOTES[input[i + 2] as number] !== undefined) {
      b = QUOTES[input[i + 2] as number] as number;
      i += 2;
    } else if (b >= 0x41 && b <= 0x5a) {
      b += 0x20;
    }
    if (pendingSpace) out.push(0x20);
    pendingSpace = false;
    out.push(b);
  }
  return Buffer.from(out);
}
