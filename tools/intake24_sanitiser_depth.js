// The depths of sandbox/vendors/intake24/purify.py's STACK model (tests/vendors/intake24/
// test_wire_sanitiser_depth.py), from a run of Node 20.20.2 itself: Intake24's body sanitiser path at
// c93aaa5 (packages/common/src/rules/sanitize.ts's createSanitizer, run by express-validator's
// body('*').customSanitizer after body-parser's json({limit: '10mb'}), its last error handler's 500),
// bisected per body shape; prints the deepest depth that passes, the first that fails and its answer.
// Outside the repository:
//   mkdir -p /tmp/oracle && cd /tmp/oracle && npm install express@4.21.2 body-parser@2.2.0 \
//     express-validator@7.2.1 dompurify@3.2.6 jsdom@26.1.0
//   NODE_PATH=/tmp/oracle/node_modules node tools/intake24_sanitiser_depth.js [shape]
// Node 20.20.2 printed: arrays 2569/2570, arraysString 2551/2552, objects 2147/2148,
// objectsString 2605/2606, mixed 1171/1172, topArray 2569/2570, each failure 500 RangeError.
'use strict';
const http = require('http');
const express = require('express');
const { json } = require('body-parser');
const { body } = require('express-validator');
const createDOMPurify = require('dompurify');
const { JSDOM } = require('jsdom');
const DOMPurify = createDOMPurify(new JSDOM().window);
function createSanitizer({ allowHtml, emptyStringToNull } = {}) {
  const sanitize = (input) => {
    let output = input;
    if (typeof input === 'string') {
      output = DOMPurify.sanitize(input, allowHtml
        ? { USE_PROFILES: { html: true }, ADD_TAGS: ['iframe'], ADD_ATTR: ['allowfullscreen', 'frameborder', 'target'] }
        : { USE_PROFILES: { html: false, mathMl: false, svg: false, svgFilters: false } });
      output = output.trim();
      if (emptyStringToNull && !output.length) output = null;
    }
    if (Array.isArray(input)) output = input.map(item => sanitize(item));
    if (Object.prototype.toString.call(input) === '[object Object]') {
      output = Object.entries(input).reduce((acc, [key, value]) => { acc[key] = sanitize(value); return acc; }, {});
    }
    return output;
  };
  return sanitize;
}
const app = express();
app.use(json({ limit: '10mb' }));
app.use(body('*').customSanitizer(createSanitizer({ allowHtml: true, emptyStringToNull: true })));
app.post('/x', (req, res) => res.json({ ok: true }));
app.use((err, req, res, next) => { res.status(500).json({ message: 'Internal Server Error', name: err.name, detail: err.message }); });
const shapes = {
  arrays: (d) => '{"token":' + '['.repeat(d) + ']'.repeat(d) + '}',
  arraysString: (d) => '{"token":' + '['.repeat(d) + '" <b>x</b> "' + ']'.repeat(d) + '}',
  objects: (d) => '{"token":' + '{"a":'.repeat(d) + '1' + '}'.repeat(d) + '}',
  objectsString: (d) => '{"token":' + '{"a":'.repeat(d) + '"<b>x</b>"' + '}'.repeat(d) + '}',
  mixed: (d) => '{"token":' + '[{"a":'.repeat(d) + '1' + '}]'.repeat(d) + '}',
  topArray: (d) => '['.repeat(d + 1) + ']'.repeat(d + 1),
};
const server = app.listen(0, '127.0.0.1', async () => {
  const port = server.address().port;
  const post = (text) => new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/x', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } }, (res) => {
      let data = ''; res.on('data', (c) => { data += c; }); res.on('end', () => resolve([res.statusCode, data]));
    });
    req.on('error', reject); req.end(text);
  });
  const only = process.argv[2];
  for (const [name, build] of Object.entries(shapes)) {
    if (only && name !== only) continue;
    let lo = 1, hi = 200000, failure = null;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      const [status, data] = await post(build(mid));
      if (status === 200) lo = mid; else { hi = mid; failure = [status, data]; }
    }
    console.log(name, 'passes', lo, 'fails', hi, JSON.stringify(failure));
  }
  server.close();
});
