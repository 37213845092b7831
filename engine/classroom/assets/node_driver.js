/* Runs the player's runtime in Node, for the differential test and `chronicle bench`.
 *
 *   node node_driver.js diff RUNTIME DATA RUNS MAX_STEPS SEED [CHAPTER]   seeded random games, as JSON
 *   node node_driver.js bench RUNTIME DATA STEPS                random-play steps per second
 *
 * DATA is a story exported by engine.classroom.player.story_json. The random games use the
 * xorshift32 generator that tests/test_player.py runs in Python, so both sides take the same
 * choices: at each step, r = next(); undo when r % 11 == 0 and there is a choice to take back,
 * else take open choice number r % (number open). Game r's seed (its choice order) is the first
 * number of the generator seeded with SEED * 7919 + r * 104729 + 17. Each game gives its states with their pages
 * (scene, sources, disputes; `renders` holds each distinct one once) and, at its last state,
 * the history and status pages.
 */
"use strict";
var fs = require("fs");
var mode = process.argv[2];
var C = require(require("path").resolve(process.argv[3]));
var story = C.load(JSON.parse(fs.readFileSync(process.argv[4], "utf8")));

function rng(x) {
  x = x >>> 0 || 1;
  return function () { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
}
function openChoices(state) {
  return C.rows(story, state).filter(function (r) { return r[0] !== null; }).map(function (r) { return r[1]; });
}

if (mode === "diff") {
  var runs = +process.argv[5], maxSteps = +process.argv[6], seed = +process.argv[7], chapter = process.argv[8] || null;
  var renders = [], seen = new Map(), games = [];
  var page = function (state, note) {
    var text = JSON.stringify([C.scenePage(story, state, note), C.sourcesPage(story, state), C.disputesPage(story, state)]);
    var at = seen.get(text);
    if (at === undefined) { at = renders.length; renders.push(text); seen.set(text, at); }
    return at;
  };
  for (var r = 0; r < runs; r++) {
    var game = C.newGame(story, rng(seed * 7919 + r * 104729 + 17)(), "game-" + r, chapter);
    var next = rng((seed + 1) * 1000003 + r * 7919 + 1), state = C.origin(story, game), note = "", steps = [];
    steps.push([state, page(state, note)]);
    for (var n = 0; n < maxSteps && !C.isEnding(story, state); n++) {
      var x = next(), open = openChoices(state);
      if (x % 11 === 0 && state.path.length) { state = C.undo(story, state); note = ""; }
      else if (!open.length) break;
      else { var c = open[x % open.length]; state = C.choose(story, state, c); note = C.renderText(story, c.note, state); }
      steps.push([state, page(state, note)]);
    }
    games.push({steps: steps, last: [C.historyPage(story, state), C.statusPage(story, state)]});
  }
  process.stdout.write(JSON.stringify({renders: renders.map(function (t) { return JSON.parse(t); }), games: games}));
} else if (mode === "bench") {
  var total = +process.argv[5], nextB = rng(1917), st = C.start(story), taken = 0;
  var t0 = process.hrtime.bigint();
  while (taken < total) {
    var opened = openChoices(st);
    if (C.isEnding(story, st) || !opened.length) { st = C.start(story); continue; }
    st = C.choose(story, st, opened[nextB() % opened.length]);
    taken++;
  }
  var secs = Number(process.hrtime.bigint() - t0) / 1e9;
  process.stdout.write(JSON.stringify({steps: taken, seconds: secs}));
} else {
  process.stderr.write("usage: node node_driver.js diff|bench RUNTIME DATA ...\n");
  process.exit(2);
}
