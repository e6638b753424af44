// The editor's file format (format.js): `node --test extramile/plugins/editor/`.
// Run by pytest too (test_editor.py), so `invoke test` covers it.
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const { fromFile, toFile } = createRequire(import.meta.url)("./format.js");
const postsDir = process.env.EDITOR_POSTS || join(here, "..", "..", "..", "content", "posts");
const posts = readdirSync(postsDir).filter((name) => name.endsWith(".md")).sort();

function edit(text, change) {
  const data = fromFile(text);
  change(data);
  return toFile(data);
}

// The lines that differ, as [line number, before, after]; both texts must have as many lines.
function changedLines(before, after) {
  const a = before.split("\n");
  const b = after.split("\n");
  assert.equal(b.length, a.length, "the number of lines changed");
  return a.flatMap((line, i) => (line === b[i] ? [] : [[i + 1, line, b[i]]]));
}

test("there are posts to check", () => {
  assert.ok(posts.length >= 5, `only ${posts.length} posts in ${postsDir}`);
});

for (const name of posts) {
  const text = readFileSync(join(postsDir, name), "utf8");

  test(`${name}: opened and saved unchanged, same bytes`, () => {
    assert.equal(toFile(fromFile(text)), text);
  });

  test(`${name}: a new title changes the Title line only`, () => {
    const after = edit(text, (data) => { data.title = "A title changed in the editor"; });
    const line = text.split("\n").findIndex((l) => l.startsWith("Title:")) + 1;
    assert.deepEqual(changedLines(text, after),
      [[line, text.split("\n")[line - 1], "Title: A title changed in the editor"]]);
  });

  test(`${name}: one word changed in the body changes that line only`, () => {
    const data = fromFile(text);
    const lines = data.body.split("\n");
    const at = lines.findIndex((l) => / the /.test(l));
    lines[at] = lines[at].replace(" the ", " THE ");
    data.body = lines.join("\n");
    const after = toFile(data);
    const changed = changedLines(text, after);
    assert.equal(changed.length, 1);
    assert.equal(changed[0][2], changed[0][1].replace(" the ", " THE "));
  });

  test(`${name}: the form shows the Status Pelican reads`, () => {
    const line = text.split("\n").find((l) => l.startsWith("Status:"));
    assert.equal(fromFile(text).status, line ? line.slice(7).trim() : "published");
  });

  test(`${name}: the tags the form shows are the file's`, () => {
    const data = fromFile(text);
    const line = text.split("\n").find((l) => l.startsWith("Tags:"));
    assert.deepEqual(data.tags, line.slice(5).split(",").map((t) => t.trim()));
  });
}

const WITH_EXTRAS = [
  "\ufeffTitle: Parts of a longer story",
  "Slug: parts-of-a-longer-story",
  "Date: 2026-11-20 09:00",
  "Modified: 2026-11-21",
  "Author: The Editors",
  "Lang: en",
  "Category: Service Culture",
  "Tags: training,  travel",
  "Summary: A summary written over",
  "    two lines, as Python-Markdown allows.",
  "Series: Lessons",
  "Series_index: 2",
  "Contents: no",
  "",
  "The text.",
  "",
].join("\n");

test("unknown keys, continuation lines, spacing and key order are kept", () => {
  assert.equal(toFile(fromFile(WITH_EXTRAS)), WITH_EXTRAS);
  const data = fromFile(WITH_EXTRAS);
  assert.equal(data.summary, "A summary written over two lines, as Python-Markdown allows.");
  assert.deepEqual(data.tags, ["training", "travel"]);
});

test("changing a field written over two lines rewrites it on one line, nothing else", () => {
  const after = edit(WITH_EXTRAS, (data) => { data.summary = "A shorter summary."; });
  assert.equal(after, WITH_EXTRAS.replace(
    "Summary: A summary written over\n    two lines, as Python-Markdown allows.\n",
    "Summary: A shorter summary.\n"));
});

test("a new tag typed beside the chosen ones changes the Tags line only", () => {
  const after = edit(WITH_EXTRAS, (data) => { data.new_tags = "loyalty, travel"; });
  assert.equal(after, WITH_EXTRAS.replace("Tags: training,  travel", "Tags: training, travel, loyalty"));
});

test("a field the file lacked is added after the one it follows; an emptied one is removed", () => {
  const after = edit(WITH_EXTRAS, (data) => {
    data.status = "draft";
    data.series = "";
  });
  assert.equal(after, WITH_EXTRAS
    .replace("Summary: A summary written over\n    two lines, as Python-Markdown allows.\n",
      "Summary: A summary written over\n    two lines, as Python-Markdown allows.\nStatus: draft\n")
    .replace("Series: Lessons\n", ""));
});

test("an absent Status stays absent when the form says published", () => {
  const after = edit(WITH_EXTRAS, (data) => { data.status = "published"; });
  assert.equal(after, WITH_EXTRAS);
});

test("a new post is written in new-post's order, with a blank line before the body", () => {
  const text = toFile({
    title: "A new post", slug: "a-new-post", date: "2026-12-01 10:30", author: "Cynthia Kay",
    category: "Service Culture", tags: ["training"], new_tags: "hospitality", summary: "What it says.",
    status: "draft", cover: "", cover_alt: "", series: "", body: "The text.\n",
  });
  assert.equal(text, [
    "Title: A new post", "Slug: a-new-post", "Date: 2026-12-01 10:30", "Author: Cynthia Kay",
    "Category: Service Culture", "Tags: training, hospitality", "Summary: What it says.",
    "Status: draft", "", "The text.", "",
  ].join("\n"));
});

test("a body written under a header-only file is separated by a blank line", () => {
  const after = edit("Title: Only a title\n", (data) => { data.body = "Now a text.\n"; });
  assert.equal(after, "Title: Only a title\n\nNow a text.\n");
});

test("CRLF line endings are kept, and used for a changed line", () => {
  const text = "Title: Old\r\nDate: 2026-11-20\r\n\r\nBody.\r\n";
  assert.equal(toFile(fromFile(text)), text);
  assert.equal(edit(text, (data) => { data.title = "New"; }), text.replace("Title: Old", "Title: New"));
});
