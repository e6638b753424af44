/* Pelican's post format for the editor at /admin/: a "Key: value" header, a
 * blank line, then markdown; registered with Decap CMS as "pelican-md".
 *
 * Saving must not rewrite what the author did not touch: fromFile keeps the
 * header as written (each key's lines, in order, unknown keys too) in the
 * entry's `pelican_source`, and toFile writes each unchanged field back with
 * its own bytes, so one changed field changes one line.
 *
 * The same file runs in the browser (a classic script after decap-cms.js) and
 * under node for the tests (module.exports).
 */
(function (root) {
  "use strict";

  // Python-Markdown's meta syntax, as extramile/plugins/validate reads it.
  const META_LINE = /^[ ]{0,3}([A-Za-z0-9_-]+):\s*(.*)$/;
  const META_MORE = /^[ ]{4,}(.*)$/;
  // The fields the form edits, in the order `invoke new-post` writes them:
  // [data key, key as written in the file].
  const FIELDS = [
    ["title", "Title"], ["slug", "Slug"], ["date", "Date"], ["author", "Author"],
    ["category", "Category"], ["tags", "Tags"], ["summary", "Summary"], ["status", "Status"],
    ["cover", "Cover"], ["cover_alt", "Cover_alt"], ["series", "Series"],
  ];
  const WRITTEN = new Map(FIELDS);
  // What a missing line means to Pelican: an absent Status is "published".
  const IMPLIED = { status: "published" };
  const SOURCE = "pelican_source";

  function splitLines(text) {
    return text.match(/[^\n]*\n|[^\n]+$/g) || [];
  }

  function lineText(line) {
    return line.replace(/\r?\n$/, "");
  }

  function ending(line) {
    const match = /\r?\n$/.exec(line);
    return match ? match[0] : "\n";
  }

  // The header as entries {key, lines, value}, the separating blank line, and the body.
  function parse(text) {
    const bom = text.startsWith("\ufeff") ? "\ufeff" : "";
    const lines = splitLines(text.slice(bom.length));
    const entries = [];
    let index = 0;
    let separator = "";
    for (; index < lines.length; index += 1) {
      const line = lineText(lines[index]);
      if (!line.trim()) {
        separator = lines[index];
        index += 1;
        break;
      }
      const meta = META_LINE.exec(line);
      if (meta) {
        entries.push({ key: meta[1].toLowerCase(), lines: [lines[index]], value: meta[2].trim() });
        continue;
      }
      const more = META_MORE.exec(line);
      if (more && entries.length) {
        const last = entries[entries.length - 1];
        last.lines.push(lines[index]);
        last.value = (last.value + " " + more[1].trim()).trim();
        continue;
      }
      break; // the first line that is not metadata starts the body
    }
    return { bom, entries, separator, body: lines.slice(index).join("") };
  }

  function splitTags(value) {
    return String(value || "").split(",").map((tag) => tag.trim()).filter(Boolean);
  }

  function pad(number) {
    return String(number).padStart(2, "0");
  }

  // A form value as it would be written after "Key: ".
  function written(key, value) {
    if (value === undefined || value === null) {
      return "";
    }
    if (key === "tags") {
      return (Array.isArray(value) ? value.map((tag) => String(tag).trim()) : splitTags(value))
        .filter(Boolean).join(", ");
    }
    if (value instanceof Date) {
      return `${value.getFullYear()}-${pad(value.getMonth() + 1)}-${pad(value.getDate())} ` +
        `${pad(value.getHours())}:${pad(value.getMinutes())}`;
    }
    return String(value).replace(/\s*\n\s*/g, " ").trim();
  }

  function fromFile(text) {
    const parsed = parse(text);
    const data = {};
    for (const entry of parsed.entries) {
      if (!WRITTEN.has(entry.key)) {
        continue;
      }
      // A key written twice counts as one value, joined as Python-Markdown does.
      data[entry.key] = entry.key in data ? `${data[entry.key]}, ${entry.value}` : entry.value;
    }
    if ("tags" in data) {
      data.tags = splitTags(data.tags);
    }
    for (const [key, value] of Object.entries(IMPLIED)) {
      if (!(key in data)) {
        data[key] = value; // the form shows what Pelican reads (and a required field is filled)
      }
    }
    data.body = parsed.body;
    data[SOURCE] = parsed;
    return data;
  }

  // The form's tags: the chosen ones, then any typed into `new_tags`, each once.
  function tagsOf(data) {
    const chosen = Array.isArray(data.tags) ? data.tags : splitTags(data.tags);
    return [...new Set([...chosen, ...splitTags(data.new_tags)].map((tag) => String(tag).trim()))]
      .filter(Boolean);
  }

  function toFile(data) {
    const source = data[SOURCE] || { bom: "", entries: [], separator: "", body: null };
    const values = Object.assign({}, data, { tags: tagsOf(data) });
    const original = fromFile(joinSource(source));
    const header = [];
    const present = new Set();
    for (const entry of source.entries) {
      const key = entry.key;
      if (!WRITTEN.has(key)) {
        header.push(...entry.lines); // a key the form does not edit: as it was
        continue;
      }
      if (present.has(key)) {
        // A repeated key: kept while the field is unchanged, else folded into the first line.
        if (written(key, values[key]) === written(key, original[key])) {
          header.push(...entry.lines);
        }
        continue;
      }
      present.add(key);
      const now = written(key, values[key]);
      if (now === written(key, original[key])) {
        header.push(...entry.lines);
      } else if (now) {
        const name = META_LINE.exec(lineText(entry.lines[0]))[1];
        header.push(`${name}: ${now}${ending(entry.lines[0])}`);
      } // emptied: the line goes
    }
    // Fields the file did not have, each after the field it follows in new-post's order.
    FIELDS.forEach(([key, name], order) => {
      const now = written(key, values[key]);
      if (present.has(key) || !now || now === IMPLIED[key]) {
        return;
      }
      const line = `${name}: ${now}\n`;
      const before = FIELDS.slice(0, order).map(([earlier]) => earlier);
      let at = -1;
      header.forEach((text, position) => {
        const meta = META_LINE.exec(lineText(text));
        if (meta && before.includes(meta[1].toLowerCase())) {
          at = position;
        }
      });
      while (at >= 0 && at + 1 < header.length && META_MORE.test(lineText(header[at + 1]))) {
        at += 1; // after the continuation lines of the field it follows
      }
      header.splice(at + 1, 0, line);
      present.add(key);
    });
    const body = data.body === undefined || data.body === null ? "" : String(data.body);
    // An existing file keeps its separator; a body written under a header-only file gets one.
    const grown = !source.separator && !source.body && body;
    const separator = source.entries.length && !grown ? source.separator : "\n";
    return source.bom + header.join("") + separator + body;
  }

  function joinSource(source) {
    return source.bom + source.entries.map((entry) => entry.lines.join("")).join("") +
      source.separator + (source.body || "");
  }

  const api = { fromFile, toFile, parse, tagsOf, FIELDS, SOURCE };
  if (typeof module === "object" && module.exports) {
    module.exports = api;
  }
  root.ExtramileFormat = api; // for checks.js
  if (root.CMS && typeof root.CMS.registerCustomFormat === "function") {
    root.CMS.registerCustomFormat("pelican-md", "md", { fromFile, toFile });
  }
})(globalThis);
