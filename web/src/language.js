// Syntax highlighting for the .reg language: a stream tokenizer following the
// terminals of src/ndrc_rules/grammar/regulation.lark.
import { StreamLanguage } from "@codemirror/language";

/** Case- and accent-insensitive spelling, as language/names.py `fold` compares keywords. */
export function fold(word) {
  const plain = word.toLowerCase().normalize("NFD").replace(/\p{M}/gu, "");
  return plain.replace(/_/g, "-");
}

const COMMENT = /^#.*/;
const STRING = /^(?:"[^"\n]*"|“[^”\n]*”|«[^»\n]*»)/;
const DURATION = /^\d+ ?(?:h(?:\d\d)?|min)(?![\p{L}\p{N}_])/u;
const NUMBER = /^\d+(?:[.,]\d+)?/;
const OPERATOR = /^(?:>=|<=|!=|[≥≤≠><=+\-*/])/;
// A unit or part code: U4, UF1, U5.ecrit.
const UNIT = /^U[A-Z]?\d+(?:\.[\p{L}_][\p{L}\p{N}_]*)?(?![\p{L}\p{N}_])/u;
const NAME = /^[\p{L}_][\p{L}\p{N}_]*(?:-[\p{L}_][\p{L}\p{N}_]*)*(?:\.\d+)*/u;
const PUNCTUATION = /^[:,()[\]]/;

/** The StreamLanguage for `.reg` files; `keywords` are the language's keywords, any spelling. */
export function regulationLanguage(keywords) {
  const known = new Set(keywords.map(fold));
  return StreamLanguage.define({
    name: "ndrc-reg",
    token(stream) {
      if (stream.eatSpace()) return null;
      if (stream.match(COMMENT)) return "comment";
      if (stream.match(STRING)) return "string";
      if (stream.match(DURATION) || stream.match(NUMBER)) return "number";
      if (stream.match(OPERATOR)) return "operator";
      if (stream.match(UNIT)) return "typeName";
      const name = stream.match(NAME);
      if (name) return known.has(fold(name[0])) ? "keyword" : "variableName";
      if (stream.match(PUNCTUATION)) return "punctuation";
      stream.next();
      return null;
    },
    languageData: { commentTokens: { line: "#" } },
  });
}
