// The expected messages of tests/vendors/intake24/node20_json_parse.jsonl (test_v8json.py), from a
// run of Node 20.20.2 itself. Each line holds a text ({"text": s}, or {"parts": [[s, n], ...]} for
// s repeated n times, joined) and what Node answers for it: "parse", the message JSON.parse throws
// (V8 11.3), and "strict" when it differs, the message body-parser 2.2.0's json() (strict, as
// Express 4.21.2 mounts it) answers for the text sent as UTF-16LE. The texts stay as they are (5,200
// hand-picked edge cases and seeded mutations); this script recomputes the messages and rewrites
// the file in the same spelling (Python's json.dumps: ", " and ": " separators, ASCII only), so a
// run that changes nothing leaves `git diff` empty. Outside the repository:
//   mkdir -p /tmp/oracle && cd /tmp/oracle && npm install express@4.21.2 body-parser@2.2.0
//   NODE_PATH=/tmp/oracle/node_modules node tools/intake24_json_parse_corpus.js \
//     < tests/vendors/intake24/node20_json_parse.jsonl > /tmp/oracle/out.jsonl
//   mv /tmp/oracle/out.jsonl tests/vendors/intake24/node20_json_parse.jsonl
'use strict';
const http = require('http');
const express = require('express');
const bodyParser = require('body-parser');

const entries = require('fs').readFileSync(0, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
const textOf = (entry) => (entry.text !== undefined ? entry.text : entry.parts.map(([s, n]) => s.repeat(n)).join(''));

// Python's json.dumps(ensure_ascii=True): every code unit outside ' '..'~' as \uXXXX (lowercase).
const ascii = (value) => JSON.stringify(value).replace(/[^ -~]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
const dumps = (value) => {
  if (Array.isArray(value)) return '[' + value.map(dumps).join(', ') + ']';
  if (value !== null && typeof value === 'object') {
    return '{' + Object.entries(value).map(([k, v]) => ascii(k) + ': ' + dumps(v)).join(', ') + '}';
  }
  return ascii(value);
};

const app = express();
app.use(bodyParser.json({ limit: '10mb' }));
app.post('/', (req, res) => res.json({ ok: true }));
app.use((err, req, res, next) => res.status(400).json({ message: err.message }));

const server = app.listen(0, '127.0.0.1', async () => {
  const port = server.address().port;
  const post = (buffer) => new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/json; charset=utf-16le', 'content-length': buffer.length };
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { data += chunk; });
      res.on('end', () => resolve(JSON.parse(data)));
    });
    req.on('error', reject);
    req.end(buffer);
  });
  const lines = [];
  for (const entry of entries) {
    const text = textOf(entry);
    let parse = null;
    try { JSON.parse(text); } catch (error) { parse = error.message; }
    const answer = await post(Buffer.from(text, 'utf16le'));
    const strict = answer.ok ? null : answer.message;
    const out = entry.text !== undefined ? { text: entry.text } : { parts: entry.parts };
    out.parse = parse;
    if (strict !== parse) out.strict = strict;
    lines.push(dumps(out));
  }
  process.stdout.write(lines.join('\n') + '\n');
  server.close();
});
