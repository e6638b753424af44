/* A post's slug made from its title, as Pelican's slugify makes it for
 * `invoke new-post` (extramile/slugs.py): strip tags, NFKC, transliterate to
 * ASCII with unidecode's own table, the site's SLUG_REGEX_SUBSTITUTIONS,
 * lower case, trim. The rule's data (substitutions, flags, table) comes from
 * the build (`rule` below is slugs.browser_rule); nothing is decided here.
 *
 * A character the table lacks (a script other than Latin, Greek or Cyrillic)
 * is returned in `unknown`: the caller refuses rather than guess.
 *
 * The same file runs in the browser (window.ExtramileSlug) and under node.
 */
(function (root) {
  "use strict";

  // Python's str.split() whitespace, which JavaScript's \s lacks a few of.
  const PY_SPACE = /[\s\x1c-\x1f\x85]+/g;
  const ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };

  // html.unescape: the browser's own parser where there is one (every HTML5 name).
  function unescape(text) {
    if (root.document) {
      const area = root.document.createElement("textarea");
      area.innerHTML = text;
      return area.value;
    }
    return text.replace(/&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z]+);/g, (whole, name) => {
      if (name[0] === "#") {
        return String.fromCodePoint(parseInt(name.slice(1).replace(/^[xX]/, ""), /^#[xX]/.test(name) ? 16 : 10));
      }
      return ENTITIES[name] ?? whole;
    });
  }

  // markupsafe's Markup.striptags: comments, then tags, spaces collapsed, entities read.
  function striptags(value) {
    let start;
    while ((start = value.indexOf("<!--")) !== -1) {
      const end = value.indexOf("-->", start);
      if (end === -1) {
        break;
      }
      value = value.slice(0, start) + value.slice(end + 3);
    }
    while ((start = value.indexOf("<")) !== -1) {
      const end = value.indexOf(">", start);
      if (end === -1) {
        break;
      }
      value = value.slice(0, start) + value.slice(end + 1);
    }
    return unescape(value.split(PY_SPACE).filter(Boolean).join(" "));
  }

  // {slug, unknown}: unknown lists the characters the table cannot transliterate.
  function slugify(title, rule) {
    let value = striptags(String(title || "")).normalize("NFKC");
    const unknown = [];
    value = Array.from(value, (char) => {
      if (char.codePointAt(0) < 0x80) {
        return char;
      }
      if (Object.prototype.hasOwnProperty.call(rule.table, char)) {
        return rule.table[char];
      }
      unknown.push(char);
      return char;
    }).join("");
    for (const [source, replacement] of rule.subs) {
      value = value.replace(new RegExp(source, "gi"), replacement);
    }
    if (!rule.preserve_case) {
      value = value.toLowerCase();
    }
    return { slug: value.replace(/^[\s\x1c-\x1f\x85]+|[\s\x1c-\x1f\x85]+$/g, ""), unknown: [...new Set(unknown)] };
  }

  const api = { slugify, striptags };
  if (typeof module === "object" && module.exports) {
    module.exports = api;
  }
  root.ExtramileSlug = api;
})(globalThis);
