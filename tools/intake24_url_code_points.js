// The expected file of tests/vendors/intake24/test_weburl_every_code_point.py, from a run of Node
// itself: every code point U+0000-U+10FFFF through new URL('https://' + host + '/'), alone ("single")
// and inside a label ("inner": 'a' + c + 'b'), plus generated sequences of code points (combining
// marks, joiners, viramas, bidi, Hangul jamo, recent scripts) and their xn-- spellings.
// Kept compact: the ranges where new URL() throws, and per block the SHA-256 (first 16 hex digits)
// of the hrefs, one a line ('!' where it throws).
//   node tools/intake24_url_code_points.js > tests/vendors/intake24/node20_url_code_points.json
'use strict';
const crypto = require('crypto');

const BLOCK = 0x1000;
const SEQUENCE_COUNT = 30000;
const SEQUENCE_BLOCK = 1000;
const POOLS = [
  [0x300, 0x36f], [0x200c, 0x200d], [0x94d, 0x94d], [0x9cd, 0x9cd], [0x1734, 0x1734], [0x11f41, 0x11f42],
  [0xa806, 0xa806], [0x620, 0x64a], [0x5d0, 0x5ea], [0x660, 0x669], [0x30, 0x39], [0x1100, 0x1112],
  [0x1161, 0x1175], [0x11a8, 0x11c2], [0xac00, 0xac3f], [0x41, 0x41], [0x61, 0x61], [0x2d, 0x2e],
  [0x3002, 0x3002], [0xff0e, 0xff0e], [0xad, 0xad], [0xdf, 0xdf], [0x3c2, 0x3c2], [0x130, 0x130],
  [0x870, 0x89f], [0x1e00, 0x1e0f], [0x1e08f, 0x1e08f], [0x10efd, 0x10eff], [0x1e4ec, 0x1e4ef],
  [0x16ff0, 0x16ff1], [0x1820, 0x182f], [0xa840, 0xa872], [0x710, 0x712], [0xb3e, 0xb57], [0xbbe, 0xbc6],
  [0xdcf, 0xdd9], [0x1025, 0x102e], [0x591, 0x59f], [0x2460, 0x246f], [0xd800, 0xdfff],
];

// xorshift32, reproduced by the test to rebuild the same sequences.
function generator(seed) {
  let state = seed >>> 0;
  return (bound) => {
    state ^= state << 13; state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5; state >>>= 0;
    return state % bound;
  };
}

function sequences() {
  const next = generator(19);
  const hosts = [];
  for (let n = 0; n < SEQUENCE_COUNT; n++) {
    const length = 1 + next(5);
    let host = next(5) === 0 ? 'xn--' : '';
    for (let i = 0; i < length; i++) {
      const [low, high] = POOLS[next(POOLS.length)];
      host += String.fromCodePoint(low + next(high - low + 1));
    }
    hosts.push(host);
  }
  return hosts;
}

function href(host) {
  try { return new URL('https://' + host + '/').href; } catch (e) { return null; }
}

function digestAndRanges(hosts, block) {
  const invalid = [];
  const digests = [];
  let start = -1;
  let hash = crypto.createHash('sha256');
  hosts.forEach((host, index) => {
    const result = href(host);
    if (result === null && start < 0) start = index;
    if (result !== null && start >= 0) { invalid.push([start, index - 1]); start = -1; }
    hash.update((result === null ? '!' : result) + '\n');
    if ((index + 1) % block === 0 || index === hosts.length - 1) {
      digests.push(hash.digest('hex').slice(0, 16));
      hash = crypto.createHash('sha256');
    }
  });
  if (start >= 0) invalid.push([start, hosts.length - 1]);
  return { invalid, digests };
}

// The sequences' invalid ranges are many and short: only their count is kept (the digests decide).
function sequenceSummary({ invalid, digests }) {
  return { invalidCount: invalid.reduce((sum, [low, high]) => sum + high - low + 1, 0), digests };
}

const codePoints = Array.from({ length: 0x110000 }, (_, cp) => String.fromCodePoint(cp));
const seq = sequences();
const xn = [];
for (const host of seq) {
  const result = href(host);
  if (result === null) continue;
  for (const label of new URL(result).hostname.split('.')) {
    if (label.startsWith('xn--')) xn.push(label, label.slice(0, -1), label + 'a', label.toUpperCase());
  }
}
console.log(JSON.stringify({
  node: process.version,
  ada: process.versions.ada,
  block: BLOCK,
  single: digestAndRanges(codePoints, BLOCK),
  inner: digestAndRanges(codePoints.map((c) => 'a' + c + 'b'), BLOCK),
  sequences: {
    seed: 19, count: SEQUENCE_COUNT, pools: POOLS, block: SEQUENCE_BLOCK, xn: xn.length,
    ...sequenceSummary(digestAndRanges(seq.concat(xn), SEQUENCE_BLOCK)),
  },
}));
