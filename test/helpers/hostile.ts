import fc from "fast-check";

/** Strings built to break quoting: quotes, expansions, backticks, newlines, unicode. No NUL. */
export const hostileString = fc
  .oneof(
    fc.string({
      unit: fc.constantFrom("'", '"', "$", "`", "\\", "\n", "\r", "\t", " ", ";", "(", ")", "{", "}", "!", "*", "#", "&", "|", "<", ">", "a", "é", "😀", "\u2028"),
      minLength: 1,
    }),
    fc.string({ unit: "grapheme", minLength: 1 }),
    fc.constantFrom("$(touch CANARY)", "`touch CANARY`", "'; touch CANARY; '", "\"; touch CANARY; \"", "$HOME", "${PATH}", "a\nb\n", "'", "''", "\\'", "-n", "!!"),
  )
  .filter((value) => !value.includes("\0"));
