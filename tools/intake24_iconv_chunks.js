// The expected file of tests/vendors/intake24/test_iconv_chunks.py, from a run of Node itself:
// iconv-lite 0.6.3's decoder as raw-body 3.0.0 drives it (iconv.getDecoder(charset), write() per
// chunk, then end()), for sample bodies cut at every byte (two chunks), cut at every byte (one-byte
// chunks) and cut in three at a few places.
//   (cd /tmp/x && npm install iconv-lite@0.6.3) && NODE_PATH=/tmp/x/node_modules \
//     node tools/intake24_iconv_chunks.js > tests/vendors/intake24/iconv_lite_chunks.json
'use strict';
const iconv = require('iconv-lite');

function decode(buf, charset, cuts) {
  const decoder = iconv.getDecoder(charset);
  let out = '';
  let last = 0;
  for (const cut of cuts.concat([buf.length])) {
    if (cut > last) { out += decoder.write(buf.slice(last, cut)); last = cut; }
  }
  return out + (decoder.end() || '');
}

const u16le = (s) => Buffer.from(s, 'utf16le');
const samples = [
  ['utf-8', Buffer.from('{"a":"h\u00e9llo \u{1F600}"}')],
  ['utf-8', Buffer.from([0x7b, 0xe2, 0x82, 0x41, 0xf0, 0x9f, 0x98, 0xc3, 0x7d, 0xef, 0xbb, 0xbf])],
  ['utf-8', Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d])],
  ['utf-16le', Buffer.concat([Buffer.from([0xff, 0xfe]), u16le('{"a":"\u{1F600}x"}'), Buffer.from([0x3d, 0xd8, 0x41])])],
  ['utf-16be', iconv.encode('\ufeff{"a":"\u{1F600}x"}', 'utf16be')],
  ['utf-16', Buffer.concat([Buffer.from([0xff, 0xfe]), u16le('{}')])],
  ['utf-16', Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode('{"a":"x"}', 'utf16be')])],
  ['utf-16', Buffer.concat([u16le('{"ab":"cdefgh'), iconv.encode('ijklmnopqrstuvwxyz0123456789"}', 'utf16be')])],
  ['utf-16', iconv.encode('{"a":"\u00e9\u0100\u4100\u0041"}', 'utf16be')],
  ['utf-32le', iconv.encode('\ufeff{"a":"\u{1F600}\u00e9"}', 'utf32le')],
  ['utf-32be', iconv.encode('{"a":"x\u{10FFFF}"}', 'utf32be')],
  ['utf-32', iconv.encode('{"a":"x"}', 'utf32le')],
  ['utf-32', Buffer.concat([Buffer.from([0, 0, 0xfe, 0xff]), iconv.encode('{}', 'utf32be')])],
  ['utf-32', Buffer.concat([iconv.encode('{"abcdefg', 'utf32le'), iconv.encode('hijklmnopqrstuvwxyz0123"}', 'utf32be')])],
  ['utf-7', Buffer.from('{"a":"+AGEAYgBj-"}')],
  ['utf-7', Buffer.from('{"a":"+/v8AYQ-x+-y"}')],
  ['utf-7', Buffer.from('{"a":"+AGEAYgBj/v8AZAB-"}')],
  ['utf-7', Buffer.from('{"a":"+2D3eAA.\u00e9+AGE"}', 'latin1')],
  ['utf-7-imap', Buffer.from('{"a":"&AGEAYgBj/v8AZA-&-x,"}')],
];

const cases = [];
for (const [charset, buf] of samples) {
  const cutSets = [[]];
  for (let i = 1; i < buf.length; i++) cutSets.push([i]);
  cutSets.push([...Array(buf.length).keys()].slice(1));
  for (let i = 3; i + 5 < buf.length; i += 4) cutSets.push([i, i + 5]);
  cases.push({
    charset,
    body: buf.toString('hex'),
    results: cutSets.map((cuts) => [cuts, decode(buf, charset, cuts)]),
  });
}
console.log(JSON.stringify({ iconvLite: require('iconv-lite/package.json').version, node: process.version, cases }));
