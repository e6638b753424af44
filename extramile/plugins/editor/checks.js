/* Checks the editor makes before a save, with the build's own words: a
 * picture in the text without alt text, a cover without Cover_alt. The
 * messages come from plugins/pictures (plugins/editor puts them in this
 * script's data-messages); the pictures are found as extramile/sources.py
 * finds them for the build (plugins/editor/test_checks.py compares the two on
 * the same texts). A problem stops the save: Decap shows the error and writes
 * nothing. */
(function (root) {
  "use strict";

  // ![alt](target "title"){: attrs}, as MD_IMAGE in extramile/sources.py.
  const MD_IMAGE = /!\[((?:\\.|[^\]\\])*)\]\(\s*(<[^>]*>|[^\s)]+)(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)(\{:?[^}]*\})?/g;
  const IMG = /<img\b[^>]*>/gi;
  const ATTR = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
  const FENCE = /^\s{0,3}(`{3,}|~{3,})/;

  function htmlAttributes(tag) {
    const attrs = {};
    for (const match of tag.slice(4).matchAll(ATTR)) {
      attrs[match[1].toLowerCase()] = match[2] ?? match[3] ?? match[4] ?? "";
    }
    return attrs;
  }

  // Pictures of a markdown body without a text alternative: [{line, src}] (line 1 = the body's first).
  function picturesWithoutAlt(body) {
    const found = [];
    let fence = null;
    String(body || "").split("\n").forEach((line, index) => {
      const opened = FENCE.exec(line);
      if (fence) {
        if (opened && opened[1][0] === fence[0] && opened[1].length >= fence.length) {
          fence = null;
        }
        return;
      }
      if (opened) {
        fence = opened[1];
        return;
      }
      if (/^( {4}|\t)/.test(line) && !/^\s*(!\[|<img)/i.test(line)) {
        return; // an indented code block
      }
      const text = line.replace(/`[^`]*`/g, "");
      for (const image of text.matchAll(MD_IMAGE)) {
        const alt = image[1].replace(/\\(.)/g, "$1").trim();
        if (!alt && !(image[3] && /\.decorative\b/.test(image[3]))) {
          found.push({ line: index + 1, src: image[2] });
        }
      }
      for (const tag of text.matchAll(IMG)) {
        const attrs = htmlAttributes(tag[0]);
        const decorative = (attrs.class || "").split(/\s+/).includes("decorative");
        if (!(attrs.alt || "").trim() && !decorative) {
          found.push({ line: index + 1, src: attrs.src || "" });
        }
      }
    });
    return found;
  }

  // The problems of an entry's data, in validate's words.
  function problems(data, messages) {
    const found = [];
    if (String(data.cover || "").trim() && !String(data.cover_alt || "").trim()) {
      found.push(messages.cover);
    }
    for (const picture of picturesWithoutAlt(data.body)) {
      found.push(messages.picture.replace("{src}", picture.src));
    }
    return found;
  }

  const api = { picturesWithoutAlt, problems };
  if (typeof module === "object" && module.exports) {
    module.exports = api;
  }
  const script = root.document && root.document.currentScript;
  if (root.CMS && script && script.dataset.messages) {
    const messages = JSON.parse(script.dataset.messages);
    root.CMS.registerEventListener({
      name: "preSave",
      handler: ({ entry }) => {
        const found = problems(entry.get("data").toJS(), messages);
        if (found.length) {
          throw new Error(found.join(" "));
        }
      },
    });
  }
})(globalThis);
