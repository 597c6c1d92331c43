// f2f: the browser's topology plans (signaling/static/f2fplan.js) against
// the tables of tests/check/libs/plan.c, so that a browser and f2fsignal
// keep the same plan and route the same way. Plain Node, no browser.
// Copyright (C) 2026 the f2f authors
// SPDX-License-Identifier: LGPL-2.1-or-later

import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const P = await import(pathToFileURL(path.join(here, '..', '..', 'signaling', 'static', 'f2fplan.js')));

let failures = 0;
let checks = 0;
function expect (cond, what) {
  checks++;
  if (!cond) {
    failures++;
    console.log(`FAIL: ${what}`);
  }
}

// "<epoch> <proposer> | <mixer> … | <client>><mixer> …", as plan.c writes them.
function spec (s) {
  const [head, mixers = '', assign = ''] = s.split('|');
  const [epoch, proposer] = head.trim().split(/\s+/);
  const a = {};
  for (const pair of assign.trim().split(/\s+/).filter(Boolean)) {
    const [c, m] = pair.split('>');
    a[c] = m;
  }
  return P.makePlan(Number(epoch), proposer, mixers.trim().split(/\s+/).filter(Boolean), a);
}

// ---- validation (plan.c validate_cases, and the JSON cases that apply to parsed objects) ----
const validate = [
  ['0 p', null, null],
  ['0 p', 'p a', null],
  ['8 p', 'p', null],
  ['7 p | a', 'p a', null],
  ['7 p | a b | c>a d>b', null, null],
  ['7 p | a b | c>a d>b', 'p a b c d e', null],
  ['7 p@x | a', null, 'proposer "p@x" is not a valid peer id'],
  ['7 p | a.b', null, 'mixer "a.b" is not a valid'],
  ['7 p | a | c/1>a', null, 'client "c/1" is not a valid'],
  ['7 p | a | c>', null, 'mixer "" is not a valid'],
  ['7 q | a', 'p a', 'proposer "q" is not in the room'],
  ['7 p | a b', 'p a', 'mixer "b" is not in the room'],
  ['7 p | a | c>a', 'p a', 'client "c" is not in the room'],
  ['7 p | a | c>z', 'p a c', 'mixer "z" is not in the room'],
  ['7 p | a b a', null, 'mixer "a" twice'],
  ['7 p | a | c>b', null, 'assigns "c" to "b", which is not one of its mixers'],
  ['0 p | | c>b', null, 'not one of its'],
  ['7 p | a b | b>a', null, 'makes the mixer "b" a client of "a"'],
  ['7 p | a | a>a', null, 'mixer "a" to itself'],
  ['0 p | a | c>a', null, 'epoch of at least 1']
];
for (const [s, members, says] of validate) {
  let error = null;
  try {
    P.validatePlan(spec(s), members ? members.split(' ') : null);
  } catch (e) {
    error = e;
  }
  if (says === null) expect(error === null, `"${s}" (members ${members}) is valid: ${error?.message}`);
  else expect(error instanceof P.PlanError && error.message.includes(says), `"${s}" is refused saying "${says}" (got ${error?.message})`);
}

const json = [
  ['{"assign":{"c":"a"},"mixers":["a"],"proposer":"p","epoch":3}', null],
  ['{"epoch":3,"proposer":"p","mixers":["a"],"assign":{},"note":[1,{"x":null}]}', null],
  ['[1,2]', 'not a JSON object'],
  ['{"proposer":"p","mixers":[],"assign":{}}', '"epoch"'],
  ['{"epoch":"7","proposer":"p","mixers":[],"assign":{}}', '"epoch"'],
  ['{"epoch":-1,"proposer":"p","mixers":[],"assign":{}}', '"epoch"'],
  ['{"epoch":null,"proposer":"p","mixers":[],"assign":{}}', '"epoch"'],
  ['{"epoch":99999999999999999999,"proposer":"p","mixers":[],"assign":{}}', '"epoch"'],
  ['{"epoch":1,"mixers":[],"assign":{}}', 'proposer must be a string'],
  ['{"epoch":1,"proposer":7,"mixers":[],"assign":{}}', 'proposer must be a string'],
  ['{"epoch":1,"proposer":"","mixers":[],"assign":{}}', 'proposer ""'],
  ['{"epoch":1,"proposer":"p","assign":{}}', '"mixers" must be an array'],
  ['{"epoch":1,"proposer":"p","mixers":{"a":1},"assign":{}}', '"mixers" must be an array'],
  ['{"epoch":1,"proposer":"p","mixers":["a",2],"assign":{}}', 'mixer must be a string'],
  ['{"epoch":1,"proposer":"p","mixers":["a;"],"assign":{}}', 'mixer "a;"'],
  ['{"epoch":1,"proposer":"p","mixers":["a","a"],"assign":{}}', 'twice'],
  ['{"epoch":1,"proposer":"p","mixers":[]}', '"assign" must be an object'],
  ['{"epoch":1,"proposer":"p","mixers":["a"],"assign":["c","a"]}', '"assign" must be an object'],
  ['{"epoch":1,"proposer":"p","mixers":["a"],"assign":{"c":1}}', 'mixer must be a string'],
  ['{"epoch":1,"proposer":"p","mixers":["a"],"assign":{"c!":"a"}}', 'client "c!"'],
  ['{"epoch":1,"proposer":"p","mixers":["a"],"assign":{"c":"b"}}', 'not one of its mixers'],
  ['{"epoch":1,"proposer":"p","mixers":["a","b"],"assign":{"b":"a"}}', 'mixer "b" a client'],
  ['{"epoch":0,"proposer":"p","mixers":["a"],"assign":{}}', 'epoch'],
  [JSON.stringify({ epoch: 1, proposer: 'p', mixers: Array.from({ length: 65 }, (_, i) => `m${i}`), assign: {} }), 'at most 64 mixers'],
  [JSON.stringify({ epoch: 1, proposer: 'p', mixers: ['m'], assign: Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`c${i}`, 'm'])) }), 'at most 256 assignments']
];
for (const [text, says] of json) {
  let error = null;
  try {
    P.parsePlan(JSON.parse(text));
  } catch (e) {
    error = e;
  }
  if (says === null) expect(error === null, `${text} parses: ${error?.message}`);
  else expect(error instanceof P.PlanError && error.message.includes(says), `${text.slice(0, 80)} is refused saying "${says}" (got ${error?.message})`);
}

// The JSON text is f2fplan.c's exact form (plan.c test_json_exact).
expect(P.planToJson(spec('7 p | a b | d>b c>a')) === '{"epoch":7,"proposer":"p","mixers":["a","b"],"assign":{"c":"a","d":"b"}}',
  `the JSON form is f2f's (${P.planToJson(spec('7 p | a b | d>b c>a'))})`);

// ---- which plan wins (plan.c supersedes_cases) ----
const sup = [
  ['1 a | m | c>m', null, null, true],
  ['8 a | m | c>m', '7 z | n | c>n', 'z', true],
  ['7 z | n | c>n', '8 a | m | c>m', 'z', false],
  ['1 a | m', '0 z', null, true],
  ['0 z', '1 a | m', 'z', false],
  ['7 a | m | c>m', '7 a | m | c>m', null, false],
  ['7 a | m | c>m', '7 a | m | c>m', 'a', false],
  ['0 a', '0 a', null, false],
  ['7 a | m | c>m', '7 b | n | c>n', 'a', true],
  ['7 b | n | c>n', '7 a | m | c>m', 'a', false],
  ['7 a | m | c>m', '7 b | n | c>n', 'b', false],
  ['7 a | m | c>m', '7 b | n | c>n', null, false],
  ['7 b | n | c>n', '7 a | m | c>m', null, true],
  ['7 b | n | c>n', '7 a | m | c>m', 'x', true],
  ['0 b', '0 a', null, true],
  ['7 b | m | c>m', '7 a | m | c>m', null, true],
  ['7 a | m | c>m', '7 b | m | c>m', null, false],
  ['7 a | m n', '7 a | n m', null, false],
  ['7 a | n m', '7 a | m n', null, true],
  ['7 a | m | c>m', '7 a | m', null, false],
  ['7 a | m', '7 a | m | c>m', null, true]
];
for (const [cand, cur, leader, want] of sup) {
  expect(P.supersedes(spec(cand), cur ? spec(cur) : null, leader) === want, `"${cand}" over "${cur}" (leader ${leader}): ${want}`);
}

// What a heartbeat names of a plan (epoch, proposer) tells which side
// sends its plan; the same epoch and proposer count as one plan
// (plan.c test_supersedes_known).
for (const [cand, cur, leader, want] of sup) {
  const ours = spec(cand);
  const theirs = cur ? spec(cur) : null;
  const same = theirs && theirs.epoch === ours.epoch && theirs.proposer === ours.proposer;
  const got = P.supersedesKnown(ours, theirs ? theirs.epoch : 0, theirs ? theirs.proposer : null, leader);
  expect(got === (same ? false : want), `"${cand}" over what a heartbeat names of "${cur}" (leader ${leader}): ${same ? false : want}`);
}

// A total order: exactly one of two different plans wins, transitively.
const specs = ['0 a', '0 b', '1 a | m', '1 b | m', '1 a | n', '1 a | m n', '1 a | n m', '1 b | m | c>m', '1 z | m | c>m', '2 a | m', '2 z | m | c>m d>m'];
for (const leader of [null, 'a', 'b', 'z', 'x']) {
  const plans = specs.map(spec);
  for (let i = 0; i < plans.length; i++) {
    expect(!P.supersedes(plans[i], plans[i], leader), `"${specs[i]}" does not supersede itself`);
    for (let j = 0; j < plans.length; j++) {
      if (i === j) continue;
      const ij = P.supersedes(plans[i], plans[j], leader);
      expect(ij !== P.supersedes(plans[j], plans[i], leader), `exactly one of "${specs[i]}", "${specs[j]}" wins (leader ${leader})`);
      for (let k = 0; k < plans.length; k++) {
        if (ij && P.supersedes(plans[j], plans[k], leader)) expect(P.supersedes(plans[i], plans[k], leader), `transitive: ${specs[i]} > ${specs[j]} > ${specs[k]}`);
      }
    }
  }
}

// ---- roles and routes (plan.c topologies) ----
const FEED = { '-': P.FEED.NONE, C: P.FEED.CAMERA, P: P.FEED.COMPOSITE, S: P.FEED.SUBMIX };
const USE = { '-': P.USE.NONE, V: P.USE.VIEW, O: P.USE.MIXER_OUTPUT, I: P.USE.CLIENT_INPUT, M: P.USE.MIXER_INPUT };
const topologies = [
  ['mesh of 4', '0 a', 'a b c d', 'mesh mesh mesh mesh',
    ['.CCC', 'C.CC', 'CC.C', 'CCC.'], ['.VVV', 'V.VV', 'VV.V', 'VVV.']],
  ['1 mixer + 3 clients', '3 c1 | m | c1>m c2>m c3>m', 'm c1 c2 c3', 'mixer client:m client:m client:m',
    ['.PPP', 'C.--', 'C-.-', 'C--.'], ['.III', 'O.--', 'O-.-', 'O--.']],
  ['2 mixers + 4 clients', '5 m1 | m1 m2 | c1>m1 c2>m1 c3>m2 c4>m2', 'm1 m2 c1 c2 c3 c4',
    'mixer mixer client:m1 client:m1 client:m2 client:m2',
    ['.SPP--', 'S.--PP', 'C-.---', 'C--.--', '-C--.-', '-C---.'],
    ['.MII--', 'M.--II', 'O-.---', 'O--.--', '-O--.-', '-O---.']],
  ['3 mixers + 3 clients', '9 m2 | m1 m2 m3 | c1>m1 c2>m2 c3>m3', 'm1 m2 m3 c1 c2 c3',
    'mixer mixer mixer client:m1 client:m2 client:m3',
    ['.SSP--', 'S.S-P-', 'SS.--P', 'C--.--', '-C--.-', '--C--.'],
    ['.MMI--', 'M.M-I-', 'MM.--I', 'O--.--', '-O--.-', '--O--.']],
  ['a mixer is absent', '4 m1 | m1 m2 | c1>m1 c2>m1 c3>m2', 'm1 c1 c2 c3', 'mixer client:m1 client:m1 client:m1',
    ['.PPP', 'C.--', 'C-.-', 'C--.'], ['.III', 'O.--', 'O-.-', 'O--.']],
  ['two orphans spread', '7 m1 | m1 m2 m3 | c1>m1 c2>m1 c3>m2 c4>m2 c5>m3', 'm1 m3 c1 c2 c3 c4 c5',
    'mixer mixer client:m1 client:m1 client:m3 client:m1 client:m3',
    ['.SPP-P-', 'S.--P-P', 'C-.----', 'C--.---', '-C--.--', 'C----.-', '-C----.'],
    ['.MII-I-', 'M.--I-I', 'O-.----', 'O--.---', '-O--.--', 'O----.-', '-O----.']],
  ['every mixer is absent', '4 m1 | m1 | c1>m1 c2>m1', 'c1 c2 c3', 'mesh mesh mesh',
    ['.CC', 'C.C', 'CC.'], ['.VV', 'V.V', 'VV.']],
  ['a late joiner', '6 m1 | m1 m2 | c1>m1 c2>m2 gone>m2', 'm1 m2 c1 c2 j',
    'mixer mixer client:m1 client:m2 client:m1',
    ['.SP-P', 'S.-P-', 'C-.--', '-C-.-', 'C---.'], ['.MI-I', 'M.-I-', 'O-.--', '-O-.-', 'O---.']]
];
for (const [name, s, presentText, rolesText, feeds, uses] of topologies) {
  const plan = spec(s);
  const present = presentText.split(' ');
  const roles = rolesText.split(' ');
  present.forEach((p, i) => {
    const r = P.roleOf(plan, p, present);
    const got = r.mixer ? `${r.role}:${r.mixer}` : r.role;
    expect(got === roles[i], `${name}: ${p} is ${got}, expected ${roles[i]}`);
    present.forEach((q, j) => {
      const wantFeed = feeds[i][j] === '.' ? P.FEED.NONE : FEED[feeds[i][j]];
      const wantUse = uses[i][j] === '.' ? P.USE.NONE : USE[uses[i][j]];
      expect(P.feedOf(plan, p, q, present) === wantFeed, `${name}: ${p} sends ${P.feedOf(plan, p, q, present)} to ${q}, expected ${wantFeed}`);
      expect(P.useOf(plan, p, q, present) === wantUse, `${name}: ${p} uses ${q}'s as ${P.useOf(plan, p, q, present)}, expected ${wantUse}`);
    });
    expect(P.feedOf(plan, p, 'gone', present) === P.FEED.NONE, `${name}: ${p} sends nothing to a peer that is gone`);
  });
  expect(P.roleOf(plan, 'nobody', present).role === P.ROLE.ABSENT, `${name}: an absent peer is absent`);
  expect(P.isMesh(plan, present) === rolesText.includes('mesh'), `${name}: mesh or not`);
}
expect(P.roleOf(null, 'a', ['a', 'b']).role === P.ROLE.MESH && P.feedOf(null, 'a', 'b', ['a', 'b']) === P.FEED.CAMERA, 'no plan is the mesh');

// ---- a browser named as mixer: the plan it proposes instead ----
{
  const present = ['br', 'g1', 'g2', 'g3'];
  const alone = P.planWithout(spec('4 g1 | br | g1>br g2>br g3>br'), 'br', present);
  expect(P.planToJson(alone) === '{"epoch":5,"proposer":"br","mixers":[],"assign":{}}', `the only mixer declines: the mesh, one epoch up (${P.planToJson(alone)})`);
  const two = P.planWithout(spec('4 g1 | g1 br | g2>g1 g3>br'), 'br', present);
  expect(P.planToJson(two) === '{"epoch":5,"proposer":"br","mixers":["g1"],"assign":{"br":"g1","g2":"g1","g3":"g1"}}', `one of two declines: the other serves everyone (${P.planToJson(two)})`);
  expect(P.supersedes(two, spec('4 g1 | g1 br | g2>g1 g3>br'), 'g1'), 'the declining plan supersedes the one it answers, even the leader\'s');
  let error = null;
  try { P.validatePlan(two, present); } catch (e) { error = e; }
  expect(error === null, `it is valid in the room (${error?.message})`);
}

console.log(`${checks - failures}/${checks} checks passed`);
process.exit(failures ? 1 : 0);
