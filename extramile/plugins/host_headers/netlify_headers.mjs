// Netlify's own headers engine (@netlify/headers, which `netlify dev` runs) applied
// to a built site's _headers: node netlify_headers.mjs FOLDER PATH... prints
// {"errors": [...], "headers": {PATH: {name: value}}} as JSON.
import { HeadersHandler } from "@netlify/headers";

const [folder, ...paths] = process.argv.slice(2);
const errors = [];
const logger = { error: (message) => errors.push(message), warn: () => {}, log: () => {} };
const handler = new HeadersHandler({ projectDir: folder, logger });
const headers = {};
for (const path of paths) {
  headers[path] = await handler.apply(new Request(`https://site.test${path}`));
}
console.log(JSON.stringify({ errors, headers }));
