/* Chronicle's runtime for the browser: the pure machine (engine/core/machine.py), the
 * expression trees (engine/expressions/language.py, exported by Condition/Effect.to_json), the
 * two calendars (engine/core/calendar.py), the debrief (engine/core/debrief.py) and the pages
 * (engine/play/pages.py) as the same lists of blocks. No DOM here: Node runs this file in the
 * differential test (tests/test_player.py) and in `chronicle bench`.
 *
 *   renderText(story, text, state)     - text templates (engine/expressions/template.py), from
 *                                        the parsed forms player.py exports (Template.to_json);
 *   choiceOrder(story, state, sceneId) - the per-game order (engine/core/order.py);
 *   newGame(story, seed, id, chapter)  - a game's id, seed and chapter, kept in saves and
 *                                        transcripts and carried by every state (state.game).
 */
"use strict";
var Chronicle = (function () {
  var S = 1e15;               // SATURATION
  var MAX_STRING = 1000;      // MAX_STRING_VALUE (code points)
  var DAY = 1440;

  // ---- expressions ---------------------------------------------------------------------------
  function sat(x) { return (x >= -S && x <= S) ? x : (x > 0 ? S : -S); }
  function cut(s) {
    if (s.length <= MAX_STRING) return s;
    var cps = Array.from(s);
    return cps.length <= MAX_STRING ? s : cps.slice(0, MAX_STRING).join("");
  }
  function ev(n, v, s) {
    switch (n[0]) {
      case "c": return n[1];
      case "v": return v[n[1]];
      case "vd": return s[n[1]] > 0;
      case "vs": return s[n[1]];
      case "not": return !ev(n[1], v, s);
      case "neg": return sat(-ev(n[1], v, s));
      case "and": return ev(n[1], v, s) && ev(n[2], v, s);
      case "or": return ev(n[1], v, s) || ev(n[2], v, s);
      case "eq": return ev(n[1], v, s) === ev(n[2], v, s);
      case "ne": return ev(n[1], v, s) !== ev(n[2], v, s);
      case "lt": return ev(n[1], v, s) < ev(n[2], v, s);
      case "le": return ev(n[1], v, s) <= ev(n[2], v, s);
      case "gt": return ev(n[1], v, s) > ev(n[2], v, s);
      case "ge": return ev(n[1], v, s) >= ev(n[2], v, s);
      case "add": return sat(ev(n[1], v, s) + ev(n[2], v, s));
      case "sub": return sat(ev(n[1], v, s) - ev(n[2], v, s));
      case "mul": return sat(ev(n[1], v, s) * ev(n[2], v, s));
      case "concat": return cut(ev(n[1], v, s) + ev(n[2], v, s));
      case "min": { var a = ev(n[1], v, s), b = ev(n[2], v, s); return a <= b ? a : b; }
      case "max": { var c = ev(n[1], v, s), d = ev(n[2], v, s); return c >= d ? c : d; }
    }
    throw new Error("unknown expression node " + n[0]);
  }
  function clamp(x, lo, hi) { return x < lo ? lo : (x > hi ? hi : x); }
  // statements: [index, op, type, min, max, allowed or null, node], each seeing the ones before
  function applyEffect(stmts, vars, visits) {
    var v = vars.slice();
    for (var k = 0; k < stmts.length; k++) {
      var st = stmts[k], i = st[0], op = st[1], type = st[2], x = ev(st[6], v, visits);
      if (type === "int") {
        v[i] = clamp(op === "=" ? x : (op === "+=" ? v[i] + x : v[i] - x), st[3], st[4]);
      } else if (type === "bool") {
        v[i] = x;
      } else {
        var y = op === "=" ? x : cut(v[i] + x);
        if (st[5] === null || (op === "=" && st[6][0] === "c") || st[5].indexOf(y) >= 0) v[i] = y;
      }
    }
    return v;
  }

  // ---- the story -----------------------------------------------------------------------------
  // `data` is a story exported by engine/classroom/player.py. Its scenes are either in
  // `data.scenes`, or in chunks (`data.index` lists each chunk's scene ids) that `source("chunk
  // N")` parses when a scene of the chunk is first needed; likewise `source("cites")`. A page
  // paints its first scene from the start scene's chunk while the rest is still being read.
  function load(data, source) {
    var story = {data: data, id: data.id, title: data.title, start: data.start, scenes: Object.create(null),
                 choicesById: Object.create(null), vars: data.vars, tracked: data.tracked, cites: data.cites || null,
                 sources: data.sources, calendar: data.calendar, date: data.date, questions: data.questions,
                 hash: data.hash, chunkOf: Object.create(null), source: source || null,
                 templates: data.templates || {}, chapters: data.chapters || [], fixed: new Set(data.fixed || [])};
    if (data.scenes) addScenes(story, data.scenes);
    else data.index.forEach(function (ids, n) { ids.forEach(function (id) { story.chunkOf[id] = n; }); });
    return story;
  }
  function named(names, row) {  // a row of the story data as an object: the data names its places ("fields")
    var o = {};
    for (var i = 0; i < names.length; i++) o[names[i]] = row[i];
    return o;
  }
  function addScenes(story, rows) {
    var fields = story.data.fields;
    for (var k = 0; k < rows.length; k++) {
      var r = named(fields.scene, rows[k]);
      var sc = {id: r.id, title: r.title, place: r.place, text: r.text, time: r.time, record: r.record,
                disputed: r.disputed, choices: [],
                ending: r.ending ? {kind: r.ending[0], epilogue: r.ending[1], debrief: r.ending[2]} : null,
                historical: null, conditional: false, invented: r.invented || ""};
      for (var j = 0; j < r.choices.length; j++) {
        var ch = named(fields.choice, r.choices[j]);
        ch.id = r.id + "." + ch.key;
        ch.scene = r.id;
        if (ch.test !== null) sc.conditional = true;
        if (ch.mark === "historical" && sc.historical === null) sc.historical = ch;
        sc.choices.push(ch);
        story.choicesById[ch.id] = ch;
      }
      story.scenes[sc.id] = sc;
    }
  }
  function NotLoaded(what) { this.message = what + " is not loaded yet"; }
  NotLoaded.prototype = Object.create(Error.prototype);
  NotLoaded.prototype.name = "NotLoaded";
  function sceneOf(story, id) {
    var sc = story.scenes[id];
    if (sc !== undefined) return sc;
    var n = story.chunkOf[id];
    if (n === undefined) return undefined;
    var rows = story.source("chunk " + n);
    if (!rows) throw new NotLoaded("chunk " + n);
    addScenes(story, rows);
    for (var k = 0; k < rows.length; k++) delete story.chunkOf[rows[k][0]];
    return story.scenes[id];
  }
  function choiceOf(story, id) {
    var c = story.choicesById[id];
    if (c !== undefined) return c;
    var dot = id.indexOf(".");
    if (dot < 0 || sceneOf(story, id.slice(0, dot)) === undefined) return undefined;
    return story.choicesById[id];
  }
  function citeOf(story, i) {
    if (story.cites === null) {
      story.cites = story.source("cites");
      if (!story.cites) { story.cites = null; throw new NotLoaded("the citations"); }
    }
    return story.cites[i];
  }

  // ---- the machine ---------------------------------------------------------------------------
  function origin(story, game) {
    return game && game.chapter ? chapterStart(story, game.chapter, game) : start(story, game);
  }
  // machine.chapter_start: the historical path replayed from the start until the chapter's scene
  function chapterStart(story, chapter, game) {
    var sceneId = null;
    for (var k = 0; k < story.chapters.length; k++) if (story.chapters[k][0] === chapter) { sceneId = story.chapters[k][1]; break; }
    if (sceneId === null) throw new ChoiceError('no chapter "' + chapter + '"', null);
    var state = start(story, game), path = historicalPath(story);
    for (var n = 0; n < path.length; n++) {
      if (state.scene === sceneId) return state;
      state = choose(story, state, path[n]);
    }
    if (state.scene === sceneId) return state;
    throw new ChoiceError('the historical path never comes to "' + sceneId + '", where chapter "' + chapter + '" begins', null);
  }
  function historicalPath(story) {
    var limit = Math.max(10000, 4 * (Object.keys(story.scenes).length + Object.keys(story.chunkOf).length));
    var state = start(story), taken = [];
    while (!isEnding(story, state) && taken.length < limit) {
      var open = sceneOf(story, state.scene).choices.filter(function (c) { return isOpen(c, state); });
      var pick = null;
      for (var k = 0; k < open.length; k++) if (open[k].mark === "historical") { pick = open[k]; break; }
      if (pick === null) { if (open.length !== 1) break; pick = open[0]; }
      taken.push(pick);
      state = choose(story, state, pick);
    }
    return taken;
  }
  function start(story, game) {
    var visits = story.data.visits.slice();
    var t = story.tracked.indexOf(story.start);
    if (t >= 0) visits[t] = 1;
    var clock = story.data.clock;
    var first = sceneOf(story, story.start);
    if (clock === null && first.time !== null) clock = first.time;
    return {scene: story.start, vars: story.vars.map(function (v) { return v[2]; }), visits: visits,
            clock: clock, path: [], game: game || null};
  }
  function isOpen(choice, state) { return choice.test === null || ev(choice.test, state.vars, state.visits) === true; }
  // calendar.advance; a date-only clock (a scene with a date and no time) is day - DATE_ONLY
  var DATE_ONLY = 500000000;
  function isDateOnly(clock) { return clock !== null && clock <= -DATE_ONLY / 2; }
  function splitClock(clock) {
    if (isDateOnly(clock)) return [clock + DATE_ONLY, 0];
    var day = Math.floor(clock / DAY);
    return [day, clock - day * DAY];
  }
  function advance(clock, time, day) {
    if (time === null) {
      if (day === null || (clock !== null && splitClock(clock)[0] === day)) return clock;
      return day - DATE_ONLY;
    }
    if (day !== null) return day * DAY + time;
    if (clock === null) return time;
    var sp = splitClock(clock);
    if (isDateOnly(clock)) return sp[0] * DAY + time;
    return (sp[0] + (time < sp[1] ? 1 : 0)) * DAY + time;
  }
  function transition(state, choice) {
    var vars = choice.apply === null ? state.vars : applyEffect(choice.apply, state.vars, state.visits);
    var visits = state.visits, i = choice.toVisit;
    if (i >= 0 && visits[i] < choice.toVisitCap) { visits = visits.slice(); visits[i] += 1; }
    return {scene: choice.target, vars: vars, visits: visits, clock: advance(state.clock, choice.toTime, choice.toDay),
            path: state.path.concat([choice.id]), game: state.game};
  }
  function choose(story, state, choice) {
    if (typeof choice === "string") {
      var found = choiceOf(story, choice);
      if (!found || found.scene !== state.scene) throw new ChoiceError('no choice "' + choice + '" in scene "' + state.scene + '"', choice);
      choice = found;
    } else if (choice.scene !== state.scene) {
      throw new ChoiceError('choice "' + choice.id + '" belongs to scene "' + choice.scene + '", not "' + state.scene + '"', choice.id);
    }
    if (!isOpen(choice, state)) throw new ChoiceError('choice "' + choice.id + '" is not open now', choice.id);
    return transition(state, choice);
  }
  function ChoiceError(message, choiceId, step) {
    this.message = message; this.choiceId = choiceId; this.step = step === undefined ? -1 : step;
  }
  ChoiceError.prototype = Object.create(Error.prototype);
  ChoiceError.prototype.name = "ChoiceError";
  function replay(story, path, game) {
    var state = start(story, game);
    for (var n = 0; n < path.length; n++) {
      try { state = choose(story, state, path[n]); }
      catch (e) {
        if (e instanceof ChoiceError) throw new ChoiceError("step " + (n + 1) + ": " + e.message, path[n], n);
        throw e;
      }
    }
    return state;
  }
  function undo(story, state) { return replay(story, state.path.slice(0, Math.max(0, state.path.length - 1)), state.game); }
  function isEnding(story, state) { return sceneOf(story, state.scene).ending !== null; }

  // engine/core/order.py, bit for bit: FNV-1a of the scene id mixed with the seed, mulberry32,
  // Fisher-Yates; the author's order without a seed and in the story's fixed-order scenes
  function utf8(text) {
    var out = [];
    for (var ch of text) {
      var c = ch.codePointAt(0);
      if (c < 0x80) out.push(c);
      else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
      else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
    return out;
  }
  function permutation(seed, sceneId, n) {
    var out = [], k, h = (2166136261 ^ seed) >>> 0, bytes = utf8(sceneId);
    for (k = 0; k < n; k++) out.push(k);
    for (k = 0; k < bytes.length; k++) h = Math.imul(h ^ bytes[k], 16777619) >>> 0;
    var s = h;
    for (var i = n - 1; i > 0; i--) {
      s = (s + 0x6D2B79F5) >>> 0;
      var t = Math.imul(s ^ (s >>> 15), s | 1);
      t = (t ^ (t + Math.imul(t ^ (t >>> 7), t | 61))) >>> 0;
      var j = ((t ^ (t >>> 14)) >>> 0) % (i + 1), x = out[i];
      out[i] = out[j]; out[j] = x;
    }
    return out;
  }
  function choiceOrder(story, state, sceneId) {
    var list = sceneOf(story, sceneId).choices, game = state.game;
    if (!game || game.seed === null || game.seed === undefined || list.length < 2 || story.fixed.has(sceneId)) return list;
    return permutation(game.seed, sceneId, list.length).map(function (k) { return list[k]; });
  }
  // Scenario text as shown in this state: engine/core/prose.render of the exported template
  var TEMPLATE_MAX = 1 << 20;
  function show(value) { return value === true ? "true" : (value === false ? "false" : String(value)); }
  function runParts(parts, v, s) {
    var out = "";
    for (var k = 0; k < parts.length; k++) {
      var p = parts[k];
      if (typeof p === "string") out += p;
      else if (p[0] === "=") out += show(ev(p[1], v, s));
      else {
        for (var a = 0; a < p[1].length; a++) {
          var arm = p[1][a];
          if (arm[0] === null || ev(arm[0], v, s) === true) { out += runParts(arm[2], v, s); break; }
        }
      }
    }
    if (parts.length > 1 && out.length > TEMPLATE_MAX) {
      var cps = Array.from(out);
      if (cps.length > TEMPLATE_MAX) out = cps.slice(0, TEMPLATE_MAX).join("");
    }
    return out;
  }
  function renderText(story, text, state) {
    if (text.indexOf("{") < 0 && text.indexOf("}") < 0) return text;
    if (!Object.prototype.hasOwnProperty.call(story.templates, text)) return text;
    return runParts(story.templates[text], state.vars, state.visits);
  }
  // A new game: its id (16 hex digits), its 32-bit seed and its chapter (null: the beginning),
  // kept in saves ("game": {id, seed}) and in the transcript's start event, as the terminal's are.
  function newGame(story, seed, id, chapter) {
    return {id: String(id), seed: seed === null ? null : seed >>> 0, chapter: chapter || null};
  }

  // rows: [number or null, choice, reason or null]; closed choices without a reason are hidden
  function rows(story, state) {
    var out = [], n = 0, list = choiceOrder(story, state, state.scene);
    for (var k = 0; k < list.length; k++) {
      var c = list[k];
      if (isOpen(c, state)) out.push([++n, c, null]);
      else if (c.locked) out.push([null, c, c.locked]);
    }
    return out;
  }

  // ---- text safety: engine/base/safe_text.py ----------------------------------------------------
  var SEQUENCE = /(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?|(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?|\x1b[ -/]*[0-~]?/gu;
  var CONTROL = /[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]/gu;
  var ANY = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]/u;
  var SPACE = /[\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;
  function clean(text) {
    if (!ANY.test(text)) return text;
    text = text.replace(SEQUENCE, "");
    text = text.replace(/\r\n/g, "\n").replace(/\r/g, "\n").replace(/\t/g, " ").replace(/\x0c/g, " ");
    return text.replace(CONTROL, "");
  }
  function cleanLine(text) { return clean(text).split("\n").join(" "); }
  function words(text) { return text.split(SPACE).filter(function (w) { return w !== ""; }).join(" "); }

  // ---- the clock: engine/core/calendar.py ----------------------------------------------------
  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                "October", "November", "December"];
  function fdiv(a, b) { return Math.floor(a / b); }
  function toJdn(y, m, d, cal) {
    var a = fdiv(14 - m, 12), yy = y + 4800 - a, mm = m + 12 * a - 3;
    var jdn = d + fdiv(153 * mm + 2, 5) + 365 * yy + fdiv(yy, 4) - 32083;
    if (cal === "gregorian") jdn += -fdiv(yy, 100) + fdiv(yy, 400) + 38;
    return jdn;
  }
  function fromJdn(jdn, cal) {
    var b, c;
    if (cal === "gregorian") { var a = jdn + 32044; b = fdiv(4 * a + 3, 146097); c = a - fdiv(146097 * b, 4); }
    else { b = 0; c = jdn + 32082; }
    var d = fdiv(4 * c + 3, 1461), e = c - fdiv(1461 * d, 4), m = fdiv(5 * e + 2, 153);
    return [100 * b + d - 4800 + fdiv(m, 10), m + 3 - 12 * fdiv(m, 10), e - fdiv(153 * m + 2, 5) + 1];
  }
  function dayMonth(t) { return t[2] + " " + MONTHS[t[1] - 1]; }
  function formatDate(story, day) {
    var dates = story.dates || (story.dates = new Map()), got = dates.get(day);
    if (got === undefined) {
      if (dates.size >= 4096) dates.clear();
      got = computeDate(story, day);
      dates.set(day, got);
    }
    return got;
  }
  function computeDate(story, day) {
    var jdn = toJdn(story.date[0], story.date[1], story.date[2], story.calendar) + day;
    var jul = fromJdn(jdn, "julian"), gre = fromJdn(jdn, "gregorian");
    var main = jul, other = gre, tag = "N.S.";
    if (story.calendar !== "julian") { main = gre; other = jul; tag = "O.S."; }
    var alt = other[0] === main[0] ? dayMonth(other) : dayMonth(other) + " " + other[0];
    return dayMonth(main) + " " + main[0] + " (" + alt + " " + tag + ")";
  }
  function pad2(n) { return (n < 10 ? "0" : "") + n; }
  function formatClock(story, clock) {
    if (clock === null) return formatDate(story, 0);
    if (isDateOnly(clock)) return formatDate(story, clock + DATE_ONLY);
    var day = fdiv(clock, DAY), minutes = clock - day * DAY;
    return formatDate(story, day) + ", " + pad2(fdiv(minutes, 60)) + ":" + pad2(minutes % 60);
  }
  function clockLine(story, state) {
    var text = formatClock(story, state.clock);
    if (state.clock !== null && !isDateOnly(state.clock) && state.path.length && sceneOf(story, state.scene).time === null) {
      var at = text.lastIndexOf(", ");
      text = text.slice(0, at) + ", after " + text.slice(at + 2);
    }
    return text;
  }
  function headerLine(story, state) {
    return cleanLine(sceneOf(story, state.scene).place + " \u2014 " + clockLine(story, state));
  }

  // ---- pages: engine/play/pages.py, as [kind, text, number, extra, after, level] ------------
  var ONE_LINE = {header: 1, title: 1, heading: 1, choice: 1, closed: 1, hint: 1, ours: 1};
  function block(kind, text, number, extra, after, level) {
    return [kind, text ? (ONE_LINE[kind] ? cleanLine(text) : clean(text)) : "", number === undefined ? null : number,
            extra ? clean(extra) : "", after ? clean(after) : "", level || 0];
  }
  var GAP = ["gap", "", null, "", "", 0];
  var paragraphCache = new Map();
  function paragraphs(text) {
    var got = paragraphCache.get(text);
    if (got !== undefined) return got;
    got = clean(text).split("\n\n").map(words).filter(function (p) { return p !== ""; });
    if (paragraphCache.size >= 4096) paragraphCache.clear();
    paragraphCache.set(text, got);
    return got;
  }
  function textBlocks(out, text) {
    var ps = paragraphs(text);
    for (var k = 0; k < ps.length; k++) out.push(block("text", ps[k]));
  }
  // pages.citation_blocks; `together`: the page's quotes from this quote's paragraph (shown
  // once, as pages._shared_context does), `repeat`: that paragraph was shown above
  function citationBlocks(story, out, idx, context, level, together, repeat) {
    var c = citeOf(story, idx);
    out.push(block("quote", c[0], null, c[1], "", level));
    if (c[2]) out.push(block("item", c[2], null, "", "", level + 1));
    var shared = null;
    if (context && together && together.length > 1) {
      if (repeat) {
        out.push(block("hint", "In context: in the paragraph shown above, where it is marked too.", null, "", "", level + 2));
        context = false;
      } else shared = sharedContext(story, together);
    }
    if (shared !== null) out.push(block("context", shared[0], null, shared[1], shared[2], level + 1));
    else if (context) {
      if (c[3]) out.push(block("context", c[3][0], null, c[3][1], c[3][2], level + 1));
      if (c[4]) out.push(block("item", c[4], null, "", "", level + 1));
    }
  }
  var PY_STRIP = new RegExp("^(?:" + SPACE.source + ")|(?:" + SPACE.source + ")$", "g");
  function pyStrip(text) { return text.replace(PY_STRIP, ""); }
  function sharedContext(story, together) {
    var para = story.data.paragraphs[together[0][0]], cps = para.cps || (para.cps = Array.from(para[1]));
    var starts = para[2], ms = Infinity, me = -Infinity, k;
    for (k = 0; k < together.length; k++) { ms = Math.min(ms, together[k][1]); me = Math.max(me, together[k][2]); }
    var i = bisectRight(starts, ms) - 1, from = starts[Math.max(0, i - 2)];
    var j = bisectLeft(starts, me), to = j + 2 < starts.length ? starts[j + 2] : cps.length;
    var passage = pyStrip(cps.slice(ms, me).join(""));
    for (k = 0; k < together.length; k++) {
      var piece = pyStrip(cps.slice(together[k][1], together[k][2]).join(""));
      if (!piece || passage.indexOf(piece) < 0) return null;
    }
    if (clean(passage) !== passage) return null;
    return [pyStrip(cps.slice(from, ms).join("")), passage, pyStrip(cps.slice(me, to).join(""))];
  }
  function bisectRight(a, x) { var lo = 0, hi = a.length; while (lo < hi) { var m = (lo + hi) >> 1; if (x < a[m]) hi = m; else lo = m + 1; } return lo; }
  function bisectLeft(a, x) { var lo = 0, hi = a.length; while (lo < hi) { var m = (lo + hi) >> 1; if (a[m] < x) lo = m + 1; else hi = m; } return lo; }
  function shortName(story, source) {
    var s = story.sources[source];
    return s ? s[0] : source;
  }
  // pages.account_line: "Rabinowitch: the shot was a blank", unless `says` begins with the name
  function firstWord(text) {
    var w = text.split(SPACE).filter(function (x) { return x !== ""; });
    return w.length ? casefold(w[0].replace(/^[,:;]+|[,:;]+$/g, "")) : "";
  }
  // str.casefold: each character lowered, raised and lowered again (the full folds: "ß" and "ẞ"
  // to "ss", "ς" to "σ", "ﬁ" to "fi"), but for the two places where that is not Unicode's case
  // folding: the dotless "ı" stays, and Cherokee folds to its capitals. (Characters newer than
  // Python's Unicode may still differ.)
  function casefold(text) {
    if (!/[^\x00-\x7f]/.test(text)) return text.toLowerCase();
    var out = "";
    for (var ch of text) {
      var cp = ch.codePointAt(0);
      if (cp === 0x131 || (cp >= 0x13a0 && cp <= 0x13f5)) out += ch;
      else if ((cp >= 0xab70 && cp <= 0xabbf) || (cp >= 0x13f8 && cp <= 0x13fd)) out += ch.toUpperCase();
      else out += ch.toLowerCase().toUpperCase().toLowerCase();
    }
    return out;
  }
  function accountLine(name, says) {
    var first = firstWord(says);
    return first && first === firstWord(name) ? says : name + ": " + says;
  }
  // debrief.debrief; the first `skip` choices (the path before a chapter) are not decisions
  function debrief(story, state, skip) {
    var departures = [], disputes = [], seen = Object.create(null), followed = 0, decisions = 0;
    var invented = [], ours = Object.create(null), now = start(story);
    function note(sc) {
      if (sc.invented && !ours[sc.id]) { ours[sc.id] = 1; invented.push(sc); }
      for (var k = 0; k < sc.disputed.length; k++) {
        var key = sc.id + "\u0000" + sc.disputed[k][0];
        if (!seen[key]) { seen[key] = 1; disputes.push([sc, sc.disputed[k]]); }
      }
    }
    note(sceneOf(story, story.start));
    for (var step = 0; step < state.path.length; step++) {
      var choice = choiceOf(story, state.path[step]);
      if (!choice) continue;
      var before = now;
      if (now.scene === choice.scene) now = transition(now, choice);
      var sc = sceneOf(story, choice.scene), hist = sc.historical;
      if (hist !== null && sc.choices.length > 1 && step + 1 > (skip || 0)) {
        decisions += 1;
        if (hist.id === choice.id) followed += 1;
        else departures.push({scene: sc, taken: choice, historical: hist, step: step + 1, before: before});
      }
      var target = sceneOf(story, choice.target);
      if (target) note(target);
    }
    var final = sceneOf(story, state.scene);
    return {ending: final.ending, scene: final, departures: departures, followed: followed, decisions: decisions,
            disputes: disputes, questions: story.questions, invented: invented};
  }
  function originOf(story, state) { return origin(story, state.game); }
  function endingBlocks(story, state) {
    var d = debrief(story, state, originOf(story, state).path.length), e = d.ending, out = [];
    var kind = e !== null && e.kind === "historical" ? "What really happened" : "A road not taken: this did not happen";
    out.push(block("heading", "The end \u2014 " + kind));
    if (e !== null && e.epilogue) textBlocks(out, renderText(story, e.epilogue, state));
    out.push(GAP, block("heading", "Debrief: your path beside the record"));
    if (e !== null && e.debrief) textBlocks(out, renderText(story, e.debrief, state));
    if (d.decisions) out.push(block("text", "You followed the record at " + d.followed + " of " + d.decisions + " decisions."));
    var k, j;
    if (d.departures.length) {
      out.push(GAP, block("heading", "Where you left the record"));
      for (k = 0; k < d.departures.length; k++) {
        var dep = d.departures[k];
        out.push(block("item", 'At "' + dep.scene.title + '" you chose: ' + renderText(story, dep.taken.text, dep.before)));
        out.push(block("item", "What really happened: " + renderText(story, dep.historical.text, dep.before), null, "", "", 1));
        for (j = 0; j < dep.historical.record.length; j++) citationBlocks(story, out, dep.historical.record[j], false, 1);
      }
    } else if (d.decisions) {
      out.push(block("text", "You never left the record: every decision was the one really taken."));
    }
    if (d.invented.length) {
      out.push(GAP, block("heading", "What was ours on your path (invented, not in the record)"));
      for (k = 0; k < d.invented.length; k++) out.push(block("item", '"' + d.invented[k].title + '": ' + d.invented[k].invented));
    }
    if (d.disputes.length) {
      out.push(GAP, block("heading", "Where the sources disagree, on your path"));
      for (k = 0; k < d.disputes.length; k++) {
        var sc = d.disputes[k][0], dispute = d.disputes[k][1];
        out.push(block("item", dispute[0] + " (" + sc.title + ")"));
        for (j = 0; j < dispute[1].length; j++) {
          var acc = dispute[1][j];
          out.push(block("item", accountLine(shortName(story, acc[0]), acc[1]), null, "", "", 1));
          citationBlocks(story, out, acc[2], false, 1);
        }
      }
    }
    if (d.questions.length) {
      out.push(GAP, block("heading", "Questions for discussion"));
      for (k = 0; k < d.questions.length; k++) out.push(block("item", d.questions[k], k + 1));
    }
    return out;
  }
  // pages.changes: what the last choice changed of the values the player sees
  function changes(story, before, after) {
    var out = [];
    function shown(x) { return typeof x === "boolean" ? (x ? "yes" : "no") : String(x); }
    for (var k = 0; k < story.vars.length; k++) {
      var v = story.vars[k];
      if (v[3] && before.vars[k] !== after.vars[k]) {
        out.push((v[4] || v[0].split("_").join(" ")) + ": " + shown(after.vars[k]) + " (was " + shown(before.vars[k]) + ")");
      }
    }
    return out.slice(0, 6).join("; ") + (out.length > 6 ? "; \u2026" : "");
  }
  var OURS_LABEL = "Ours, not the record's";
  // The scene page: the same blocks as pages.scene_page (the terminal's closing hints are the
  // caller's: `hints` false leaves them out, as the browser shows buttons instead). `note` is
  // the note of the choice just taken, rendered by the caller; `previous` the state before it.
  function scenePage(story, state, note, hints, previous) {
    var sc = sceneOf(story, state.scene), out = [];
    var changed = previous ? changes(story, previous, state) : "";
    if (note) out.push(block("note", note));
    if (changed) out.push(block("note", "Now " + changed + "."));
    if (note || changed) out.push(GAP);
    out.push(block("header", headerLine(story, state)), block("title", sc.title));
    if (sc.invented) out.push(block("ours", OURS_LABEL + ": " + sc.invented));
    out.push(GAP);
    textBlocks(out, renderText(story, sc.text, state));
    if (sc.ending !== null) {
      out.push(GAP);
      out.push.apply(out, endingBlocks(story, state));
      if (hints !== false) out.push(GAP, block("hint", "Type restart to play again, undo to step back, or quit."));
      return out;
    }
    out.push(GAP);
    var rs = rows(story, state);
    for (var k = 0; k < rs.length; k++) {
      var text = renderText(story, rs[k][1].text, state);
      if (rs[k][0] !== null) out.push(block("choice", text, rs[k][0]));
      else out.push(block("closed", text, null, rs[k][2]));
    }
    if (sc.disputed.length && hints !== false) out.push(GAP, block("hint", "The sources disagree about this moment: type disputes."));
    return out;
  }
  function sourcesPage(story, state) {
    var sc = sceneOf(story, state.scene), out = [block("heading", 'Sources for "' + sc.title + '"')], k, j;
    if (!sc.record.length) out.push(block("text", "This scene cites no passage."));
    var shown = rows(story, state).map(function (r) { return r[1]; }).filter(function (c) { return c.record.length; });
    var all = sc.record.slice(), groups = new Map(), seen = new Set();
    for (k = 0; k < shown.length; k++) all = all.concat(shown[k].record);
    for (k = 0; k < all.length; k++) {
      var p = citeOf(story, all[k])[6];
      if (p) { if (!groups.has(p[0])) groups.set(p[0], []); groups.get(p[0]).push(p); }
    }
    function cite(idx) {
      var p = citeOf(story, idx)[6], key = p ? p[0] : null, repeat = key !== null && seen.has(key);
      if (key !== null) seen.add(key);
      citationBlocks(story, out, idx, true, 0, key !== null ? groups.get(key) : null, repeat);
    }
    for (k = 0; k < sc.record.length; k++) cite(sc.record[k]);
    for (k = 0; k < shown.length; k++) {
      out.push(GAP, block("heading", "Choice: " + renderText(story, shown[k].text, state)));
      for (j = 0; j < shown[k].record.length; j++) cite(shown[k].record[j]);
    }
    return out;
  }
  function disputesPage(story, state) {
    var sc = sceneOf(story, state.scene), out = [block("heading", "Where the sources disagree")];
    if (!sc.disputed.length) out.push(block("text", "The sources do not disagree about this scene."));
    for (var k = 0; k < sc.disputed.length; k++) {
      var d = sc.disputed[k];
      out.push(GAP, block("heading", d[0]));
      for (var j = 0; j < d[1].length; j++) {
        out.push(block("item", accountLine(shortName(story, d[1][j][0]), d[1][j][1])));
        citationBlocks(story, out, d[1][j][2], false, 1);
      }
    }
    return out;
  }
  var MARKS = {historical: " (as it happened)", counterfactual: " (it did not happen)", neutral: " (the record says neither way)"};
  function steps(story, state) {
    var st = start(story, state.game), out = [];
    for (var k = 0; k < state.path.length; k++) {
      var c = choiceOf(story, state.path[k]);
      out.push([st, c || null]);
      if (!c) break;
      try { st = choose(story, st, c); } catch (e) { break; }
    }
    out.push([st, null]);
    return out;
  }
  function historyPage(story, state) {
    var out = [block("heading", "Your path so far")], all = steps(story, state);
    var before = originOf(story, state).path.length;
    for (var j = 0; j < all.length; j++) {
      var st = all[j][0], sc = sceneOf(story, st.scene), ch = all[j][1];
      out.push(block("item", clockLine(story, st) + " \u2014 " + sc.title + ", " + sc.place + (sc.invented ? " (ours)" : "")));
      if (ch !== null) {
        var mark = j >= before ? (MARKS[ch.mark] || "") : "";
        var who = j < before ? "Before this chapter, as it happened" : "You chose";
        out.push(block("item", who + ": " + renderText(story, ch.text, st) + mark, null, "", "", 1));
      }
    }
    return out;
  }
  // pages.story_page: every scene passed through with its text and the choice taken there
  function storyPage(story, state) {
    var out = [block("heading", "The story so far")], all = steps(story, state);
    if (all.length > 500) {
      out.push(block("hint", "(the first " + (all.length - 500) + " scenes are left out)"));
      all = all.slice(-500);
    }
    for (var i = 0; i < all.length; i++) {
      var st = all[i][0], sc = sceneOf(story, st.scene), ch = all[i][1];
      out.push(GAP, block("title", sc.title), block("hint", headerLine(story, st)));
      textBlocks(out, renderText(story, sc.text, st));
      if (ch !== null) {
        out.push(block("item", "You chose: " + renderText(story, ch.text, st)));
        if (ch.note) out.push(block("note", renderText(story, ch.note, i + 1 < all.length ? all[i + 1][0] : st)));
      } else {
        out.push(block("hint", "You are here."));
      }
    }
    return out;
  }
  function statusPage(story, state) {
    var out = [block("heading", "Status")], shown = 0;
    for (var k = 0; k < story.vars.length; k++) {
      var v = story.vars[k];
      if (!v[3]) continue;
      shown++;
      var value = state.vars[k];
      var text = typeof value === "boolean" ? (value ? "yes" : "no") : String(value);
      out.push(block("item", (v[4] || v[0].split("_").join(" ")) + ": " + text));
    }
    if (!shown) out.push(block("text", "This scenario keeps no score to show."));
    return out;
  }

  // ---- saves: engine/saves/savefile.py (canonical JSON, SHA-256 checksum) --------------------
  var SAVE_KIND = "chronicle-save", SAVE_FORMAT = 1, SAVE_MAX_BYTES = 1 << 20, SAVE_MAX_DEPTH = 8;
  var SAVE_MAX_STEPS = 100000, SAVE_MAX_TEXT = 2000, SAVE_MAX_ITEMS = 10000;
  function asciiJson(s) {
    var out = '"';
    for (var k = 0; k < s.length; k++) {
      var ch = s.charCodeAt(k);
      if (ch === 34) out += '\\"';
      else if (ch === 92) out += "\\\\";
      else if (ch === 10) out += "\\n";
      else if (ch === 13) out += "\\r";
      else if (ch === 9) out += "\\t";
      else if (ch === 8) out += "\\b";
      else if (ch === 12) out += "\\f";
      else if (ch < 32 || ch > 126) out += "\\u" + ("000" + ch.toString(16)).slice(-4);
      else out += s[k];
    }
    return out + '"';
  }
  // json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
  function canonical(x) {
    if (x === null) return "null";
    if (typeof x === "boolean") return x ? "true" : "false";
    if (typeof x === "number") return String(x);
    if (typeof x === "string") return asciiJson(x);
    if (Array.isArray(x)) return "[" + x.map(canonical).join(",") + "]";
    var keys = Object.keys(x).sort(function (a, b) { return cmpCodePoints(a, b); });
    return "{" + keys.map(function (k) { return asciiJson(k) + ":" + canonical(x[k]); }).join(",") + "}";
  }
  function cmpCodePoints(a, b) {
    var A = Array.from(a), B = Array.from(b);
    for (var k = 0; k < Math.min(A.length, B.length); k++) {
      var x = A[k].codePointAt(0), y = B[k].codePointAt(0);
      if (x !== y) return x - y;
    }
    return A.length - B.length;
  }
  var K = [0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2];
  // SHA-256 of an ASCII string (canonical JSON is ASCII), as hex
  function sha256(ascii) {
    var n = ascii.length, words = new Array(((n + 9 + 63) >> 6) << 4).fill(0), k;
    for (k = 0; k < n; k++) words[k >> 2] |= (ascii.charCodeAt(k) & 255) << (24 - (k & 3) * 8);
    words[n >> 2] |= 0x80 << (24 - (n & 3) * 8);
    words[words.length - 1] = n * 8;
    words[words.length - 2] = Math.floor(n / 0x20000000);
    var h = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    var w = new Array(64);
    for (var off = 0; off < words.length; off += 16) {
      for (k = 0; k < 16; k++) w[k] = words[off + k];
      for (k = 16; k < 64; k++) {
        var a0 = w[k - 15], a1 = w[k - 2];
        var s0 = ((a0 >>> 7) | (a0 << 25)) ^ ((a0 >>> 18) | (a0 << 14)) ^ (a0 >>> 3);
        var s1 = ((a1 >>> 17) | (a1 << 15)) ^ ((a1 >>> 19) | (a1 << 13)) ^ (a1 >>> 10);
        w[k] = (w[k - 16] + s0 + w[k - 7] + s1) | 0;
      }
      var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
      for (k = 0; k < 64; k++) {
        var S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        var t1 = (hh + S1 + ((e & f) ^ (~e & g)) + K[k] + w[k]) | 0;
        var S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        var t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        hh = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + d) | 0;
      h[4] = (h[4] + e) | 0; h[5] = (h[5] + f) | 0; h[6] = (h[6] + g) | 0; h[7] = (h[7] + hh) | 0;
    }
    return h.map(function (x) { return ("0000000" + (x >>> 0).toString(16)).slice(-8); }).join("");
  }
  function snapshot(story, state) {
    var variables = {}, visits = {};
    for (var k = 0; k < story.vars.length; k++) variables[story.vars[k][0]] = state.vars[k];
    for (var j = 0; j < story.tracked.length; j++) visits[story.tracked[j]] = state.visits[j];
    return {scene: state.scene, variables: variables, visits: visits, clock: state.clock};
  }
  function saveDocument(story, state, slot, savedAt, game) {
    var sc = sceneOf(story, state.scene);
    var doc = {kind: SAVE_KIND, format: SAVE_FORMAT, engine: story.data.engine, scenario: story.id,
               content_hash: story.hash, slot: slot, saved_at: savedAt, path: state.path.slice(),
               state: snapshot(story, state),
               summary: {title: story.title, scene_title: sc.title, place: sc.place, clock: formatClock(story, state.clock)}};
    if (game) doc.game = {id: game.id, seed: game.seed, chapter: game.chapter || null};
    var body = canonical(doc);
    return body.slice(0, -1) + ',"checksum":"sha256:' + sha256(body) + '"}\n';
  }
  function SaveError(message) { this.message = message; }
  SaveError.prototype = Object.create(Error.prototype);
  SaveError.prototype.name = "SaveError";
  function depthOf(text, limit) {
    var depth = 0, deepest = 0, inString = false;
    for (var k = 0; k < text.length; k++) {
      var ch = text[k];
      if (inString) { if (ch === "\\") k++; else if (ch === '"') inString = false; continue; }
      if (ch === '"') inString = true;
      else if (ch === "[" || ch === "{") { depth++; if (depth > deepest) { deepest = depth; if (deepest > limit) return deepest; } }
      else if (ch === "]" || ch === "}") depth--;
    }
    return deepest;
  }
  function isText(x, empty, limit) { return typeof x === "string" && (empty || x !== "") && x.length <= (limit || SAVE_MAX_TEXT); }
  function isInt(x) { return typeof x === "number" && Number.isInteger(x); }
  // Parse and check a save file's text as the terminal does (savefile.parse + validate), then
  // replay its path through `story` (store.restore): the state, a notice, or a SaveError.
  function readSave(story, text) {
    if (typeof text !== "string" || text.length > SAVE_MAX_BYTES) throw new SaveError("the file is too large to be a save (the limit is 1 MiB)");
    if (/^[\t\n\x0b\x0c\r ]*$/.test(text)) throw new SaveError("the file is empty (it may have been cut off while saving)");
    if (depthOf(text, SAVE_MAX_DEPTH) > SAVE_MAX_DEPTH) throw new SaveError("it is not a Chronicle save: its JSON is nested far too deeply");
    var doc;
    try { doc = JSON.parse(text); } catch (e) {
      throw new SaveError("the file is damaged or is not a Chronicle save (it is not complete JSON; it may have been cut off while saving)");
    }
    if (doc === null || typeof doc !== "object" || Array.isArray(doc) || doc.kind !== SAVE_KIND) throw new SaveError('it is not a Chronicle save (it has no "kind": "chronicle-save")');
    if (!isInt(doc.format) || doc.format < 1) throw new SaveError("the file is damaged: its format number is missing or wrong");
    var given = doc.checksum;
    delete doc.checksum;
    var intact = typeof given === "string" && given === "sha256:" + sha256(canonical(doc));
    if (doc.format > SAVE_FORMAT) throw new SaveError(intact ? "it was written by a newer version of Chronicle (save format " + doc.format + "); update Chronicle to load it" : "the file is damaged (or comes from a newer Chronicle)");
    if (given === undefined) throw new SaveError("the file is damaged: its checksum is missing");
    if (!intact) throw new SaveError("the file is damaged: its checksum does not match its contents (it was cut off, changed or corrupted)");
    var path = doc.path, st = doc.state;
    if (!Array.isArray(path) || path.length > SAVE_MAX_STEPS || !path.every(function (p) { return isText(p, false, 300); })) throw new SaveError('the file is not a valid save: "path" must be a list of choice ids');
    if (st === null || typeof st !== "object" || Array.isArray(st)) throw new SaveError('the file is not a valid save: "state" is missing');
    var vars = st.variables, visits = st.visits;
    if (vars === null || typeof vars !== "object" || Array.isArray(vars) || Object.keys(vars).length > SAVE_MAX_ITEMS) throw new SaveError('the file is not a valid save: "state.variables" must map names to values');
    Object.keys(vars).forEach(function (name) {
      var v = vars[name];
      if (!(isInt(v) || typeof v === "boolean" || isText(v, true)) || name.length > 300) throw new SaveError('the file is not a valid save: variable "' + name.slice(0, 40) + '" has a wrong value');
    });
    if (visits === null || typeof visits !== "object" || Array.isArray(visits) || Object.keys(visits).length > SAVE_MAX_ITEMS) throw new SaveError('the file is not a valid save: "state.visits" must map scenes to counts');
    Object.keys(visits).forEach(function (name) {
      if (!isInt(visits[name]) || visits[name] < 0 || name.length > 300) throw new SaveError('the file is not a valid save: the visits of "' + name.slice(0, 40) + '" are wrong');
    });
    if (st.clock !== null && (!isInt(st.clock) || Math.abs(st.clock) > 1e9)) throw new SaveError('the file is not a valid save: "state.clock" must be a number of minutes');
    if (!isText(st.scene, false, 300) || !isText(doc.scenario, false, 200) || !isText(doc.content_hash, true, 200)) throw new SaveError("the file is not a valid save: a field is missing");
    if (doc.scenario !== story.id) throw new SaveError('this is a save of the scenario "' + doc.scenario + '", not of "' + story.id + '"');
    var gd = doc.game === undefined ? {} : doc.game;
    if (gd === null || typeof gd !== "object" || Array.isArray(gd) || !isText(gd.id === undefined ? "" : gd.id, true, 100) ||
        (gd.seed != null && !(isInt(gd.seed) && gd.seed >= 0 && gd.seed <= 0xFFFFFFFF)) ||
        (gd.chapter != null && !isText(gd.chapter, false, 100))) throw new SaveError('the file is not a valid save: "game" must have an id, a seed and a chapter');
    var game = gd.id ? {id: gd.id, seed: gd.seed == null ? null : gd.seed, chapter: gd.chapter || null} : null;
    // session._adopt: a chapter this version does not have (or cannot start) is played from the beginning
    if (game && game.chapter) { try { chapterStart(story, game.chapter, game); } catch (e) { game.chapter = null; } }
    var state;
    try { state = replay(story, path, game); } catch (e) {
      if (e instanceof ChoiceError) throw new SaveError("the save does not fit this scenario: " + e.message);
      throw e;
    }
    var now = snapshot(story, state), notice = null;
    var old = {scene: st.scene, variables: vars, visits: visits, clock: st.clock};
    if (doc.content_hash === story.hash) {
      if (canonical(now) !== canonical(old)) throw new SaveError("the save is damaged: its saved state does not match its path");
    } else {
      notice = "The scenario has changed since this save; your path still fits.";
    }
    return {state: state, notice: notice, slot: isText(doc.slot, true, 300) ? doc.slot : "", game: game};
  }

  // ---- transcripts: engine/saves/transcript.py's events, as JSON Lines -----------------------
  var MAX_TEXT = 4000;
  // the header: format 2, with the game's id, seed and chapter and the historical choices before
  // the chapter (`given`, which the student did not make), as transcript.Transcript writes it
  function transcriptStart(story, student, className, started, game) {
    return {event: "start", format: 2, student: student, "class": className, scenario: story.id,
            title: story.title.slice(0, MAX_TEXT), content_hash: story.hash, engine: story.data.engine, started: started,
            game: game ? game.id : null, seed: game ? game.seed : null, chapter: game ? game.chapter : null,
            given: origin(story, game).path.slice()};
  }
  function sceneEvent(story, state) {
    var sc = sceneOf(story, state.scene);
    return {event: "scene", scene: sc.id, title: sc.title.slice(0, MAX_TEXT), place: sc.place.slice(0, MAX_TEXT),
            clock: formatClock(story, state.clock), step: state.path.length};
  }
  // `shown`: the choice's text as the player saw it (its template rendered), as Session.take writes it
  function choiceEvent(story, choice, after, seconds, shown) {
    var sc = sceneOf(story, choice.scene), hist = sc ? sc.historical : null;
    var secs = isFinite(seconds) && seconds >= 0 ? Math.round(seconds * 100) / 100 : 0;
    return {event: "choice", choice: choice.id, scene: choice.scene, mark: choice.mark, historical: hist ? hist.id : null,
            text: (shown === undefined ? choice.text : shown).slice(0, MAX_TEXT), seconds: secs, to: after.scene, step: after.path.length};
  }
  function endingEvent(story, state) {
    var sc = sceneOf(story, state.scene);
    return {event: "ending", scene: sc.id, kind: sc.ending ? sc.ending.kind : null, title: sc.title.slice(0, MAX_TEXT),
            clock: formatClock(story, state.clock), step: state.path.length, path: state.path.slice()};
  }
  return {
    load: load, scene: sceneOf, choice: choiceOf, cite: citeOf, NotLoaded: NotLoaded, start: start, choose: choose, replay: replay, undo: undo, isOpen: isOpen, isEnding: isEnding,
    origin: origin, chapterStart: chapterStart, permutation: permutation, storyPage: storyPage,
    rows: rows, choiceOrder: choiceOrder, renderText: renderText, newGame: newGame, ChoiceError: ChoiceError,
    casefold: casefold, pyStrip: pyStrip, words: words, accountLine: accountLine,
    evaluate: ev, applyEffect: applyEffect, clean: clean, cleanLine: cleanLine, formatClock: formatClock,
    clockLine: clockLine, headerLine: headerLine, debrief: debrief, scenePage: scenePage, sourcesPage: sourcesPage,
    disputesPage: disputesPage, historyPage: historyPage, statusPage: statusPage, snapshot: snapshot,
    saveDocument: saveDocument, readSave: readSave, SaveError: SaveError, sha256: sha256, canonical: canonical,
    transcriptStart: transcriptStart, sceneEvent: sceneEvent, choiceEvent: choiceEvent, endingEvent: endingEvent
  };
})();
if (typeof module !== "undefined" && module.exports) module.exports = Chronicle;
