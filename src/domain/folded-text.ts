// Text as keywords are matched against it: NFKC (full-width ＡＢＣ and half-width katakana become
// their usual forms) and lower case, with no word boundaries, so "退货" is found in "我想退货怎么办".
// Each folded character remembers where it came from, so a match can be masked in the text as typed.

export function foldText(text: string): string {
  return text.normalize("NFKC").toLowerCase();
}

export interface FoldedText {
  folded: string;
  /** For each UTF-16 unit of `folded`, the code point of the original it came from (an index into `points`). */
  origin: number[];
  points: string[];
}

/** Folded code point by code point: a fold that changes lengths still maps back to what was typed. */
export function foldWithOrigin(text: string): FoldedText {
  const points = Array.from(text);
  let folded = "";
  const origin: number[] = [];
  points.forEach((point, index) => {
    const piece = foldText(point);
    folded += piece;
    for (let unit = 0; unit < piece.length; unit++) origin.push(index);
  });
  return { folded, origin, points };
}

/**
 * The text with every occurrence of the (already folded) words replaced by ＊, one per character
 * typed; null when none occurs.
 */
export function maskWords(text: string, words: readonly string[]): string | null {
  const { folded, origin, points } = foldWithOrigin(text);
  const masked = new Array<boolean>(points.length).fill(false);
  let found = false;
  for (const word of words) {
    for (let at = folded.indexOf(word); at !== -1; at = folded.indexOf(word, at + word.length)) {
      found = true;
      for (let unit = at; unit < at + word.length; unit++) masked[origin[unit]!] = true;
    }
  }
  return found ? points.map((point, index) => (masked[index] ? "＊" : point)).join("") : null;
}
