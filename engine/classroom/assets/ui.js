/* The player's interface: shows the runtime's pages (Chronicle.scenePage & co.) in the page,
 * keeps saves and the transcript in the browser's local storage, reads and writes save files
 * and transcripts. Every piece of scenario text goes in as text (textContent, text nodes),
 * never as HTML; no inline handlers, no eval, no timers.
 */
(function () {
  "use strict";
  var C = Chronicle;
  var $ = function (id) { return document.getElementById(id); };
  var PREFIX = "chronicle/", MAX_EVENTS = 20000;
  var all = JSON.parse($("chronicle-data").textContent).stories;
  // the scenes come in chunks: the start scene's before this script, the rest after it, parsed
  // when first needed; until the page has been read to its end, actions wait (see `later`)
  var ready = document.readyState !== "loading", waiting = null;
  function source(index) {
    return function (name) {
      var node = $("chronicle-" + index + "-" + name.replace(" ", "-"));
      return node ? JSON.parse(node.textContent) : null;
    };
  }
  function later(fn) {
    return function () {
      var args = arguments;
      if (ready) return fn.apply(null, args);
      waiting = function () { fn.apply(null, args); };
    };
  }
  document.addEventListener("DOMContentLoaded", function () {
    ready = true;
    if (waiting) { var w = waiting; waiting = null; w(); }
  });
  var loaded = Object.create(null);
  // the game on screen: {story, state, note, game, origin (where undo and restart stop: the
  // start, or the chapter's first state), shownAt, tr (the transcript's open part)}
  var g = null;
  var told = Object.create(null);

  // ---- small helpers ----------------------------------------------------------------------
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function button(text, onClick, cls) {
    var b = el("button", cls, text);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  var storage = (function () {
    try { var s = window.localStorage, k = PREFIX + "probe"; s.setItem(k, "1"); s.removeItem(k); return s; }
    catch (e) { return null; }
  })();
  function store(key, value) {
    if (!storage) { tellOnce("storage", "This browser does not let the page keep saves; download a save file instead."); return false; }
    try { storage.setItem(PREFIX + key, value); return true; }
    catch (e) { tellOnce("full", "The browser's storage is full: the game goes on, but was not saved."); return false; }
  }
  function fetchKey(key) { try { return storage ? storage.getItem(PREFIX + key) : null; } catch (e) { return null; } }
  function dropKey(key) { try { if (storage) storage.removeItem(PREFIX + key); } catch (e) { /* nothing to drop */ } }
  function keys(prefix) {
    var out = [];
    if (!storage) return out;
    for (var k = 0; k < storage.length; k++) {
      var name = storage.key(k);
      if (name && name.indexOf(PREFIX + prefix) === 0) out.push(name.slice(PREFIX.length + prefix.length));
    }
    return out.sort();
  }
  function say(text, level) {
    var m = $("message");
    clear(m);
    m.className = "message" + (level === "error" ? " error" : "");
    m.textContent = text || "";
  }
  function tellOnce(key, text) { if (!told[key]) { told[key] = 1; say(text, "error"); } }
  function now() { return new Date().toISOString().replace("Z", "+00:00"); }  // saves: UTC, as store._now
  // transcripts: local time with its offset, as transcript._now (with milliseconds, which keep the
  // parts of one game in order however fast they follow each other)
  function localNow() {
    var d = new Date(), off = -d.getTimezoneOffset(), a = Math.abs(off);
    var p2 = function (n) { return (n < 10 ? "0" : "") + n; };
    return d.getFullYear() + "-" + p2(d.getMonth() + 1) + "-" + p2(d.getDate()) + "T" + p2(d.getHours()) + ":" +
      p2(d.getMinutes()) + ":" + p2(d.getSeconds()) + "." + ("00" + d.getMilliseconds()).slice(-3) +
      (off < 0 ? "-" : "+") + p2(Math.floor(a / 60)) + ":" + p2(a % 60);
  }
  function random32() {
    try { var a = new Uint32Array(1); window.crypto.getRandomValues(a); return a[0]; }
    catch (e) { return Math.floor(Math.random() * 4294967296); }
  }
  function hex8(n) { return ("0000000" + (n >>> 0).toString(16)).slice(-8); }
  function freshGame(story, chapter) { return C.newGame(story, random32(), hex8(random32()) + hex8(random32()), chapter); }
  function download(name, text, type) {
    var url = URL.createObjectURL(new Blob([text], {type: type}));
    var a = el("a");
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    document.body.removeChild(a);
    URL.revokeObjectURL(url);
  }
  function slug(text, fallback) {
    var s = C.pyStrip(text || "").toLowerCase().replace(/[^\p{L}\p{N}_]+/gu, "-").replace(/^[-_]+|[-_]+$/g, "").slice(0, 40);
    return s.replace(/^[-_]+|[-_]+$/g, "") || fallback;
  }
  // transcript._clean: Python's whitespace (not U+FEFF, which JavaScript's \s and trim() take)
  function cleanName(text) { return C.words(C.cleanLine(text || "")).slice(0, 120) || null; }

  // ---- blocks as DOM (the runtime's pages) --------------------------------------------------
  function contextText(before, passage, after, into) {
    into.appendChild(document.createTextNode("In context: " + (before ? before + " " : "")));
    into.appendChild(el("mark", null, "[" + passage + "]"));
    if (after) into.appendChild(document.createTextNode(/^[,.;:!?)\]]/.test(after) ? after : " " + after));
  }
  function renderBlocks(blocks, into, skipFirstHeading) {
    for (var k = 0; k < blocks.length; k++) {
      var b = blocks[k], kind = b[0], text = b[1], lvl = b[5] ? " lvl" + b[5] : "";
      if (kind === "gap" || kind === "header") continue;
      if (kind === "heading") {
        if (skipFirstHeading && k === 0) continue;
        into.appendChild(el(b[5] ? "h4" : "h3", null, text));
      } else if (kind === "text") into.appendChild(el("p", null, text));
      else if (kind === "note") into.appendChild(el("p", "note", text));
      else if (kind === "ours") into.appendChild(el("p", "ours" + lvl, "[" + text + "]"));
      else if (kind === "hint") into.appendChild(el("p", "hint", text));
      else if (kind === "item") into.appendChild(el("p", "item" + lvl, (b[2] !== null ? b[2] + ". " : "\u2022 ") + text));
      else if (kind === "quote") {
        var q = el("blockquote", lvl.trim());
        q.appendChild(el("p", null, "\u201c" + text + "\u201d"));
        if (b[3]) q.appendChild(el("p", "ref", "\u2014 " + b[3]));
        into.appendChild(q);
      } else if (kind === "context") {
        var p = el("p", "context" + lvl);
        contextText(text, b[3], b[4], p);
        into.appendChild(p);
      } else into.appendChild(el("p", null, text));
    }
  }

  // ---- the transcript: the terminal's JSON Lines events -------------------------------------
  // The page keeps one open part of the game's transcript (`g.tr`). Downloading it closes that part,
  // as leaving the terminal game closes its transcript; what follows goes into a new part of the
  // same game (a new header with the game's id, then where the game stands), which
  // `chronicle report` joins to the earlier ones by the game's id: one playthrough, nothing
  // counted twice. The open part of a game that another game replaces (a save loaded, a chapter
  // begun) is kept aside, and goes on when that game is loaded again.
  function trKey() { return g.story.id + "/transcript"; }
  function asideKey(id) { return g.story.id + "/transcript/" + id; }
  function trSave() { store(trKey(), JSON.stringify(g.tr)); }
  function trEvent(ev) {
    if (g.tr.events.length >= MAX_EVENTS) return;
    g.tr.events.push(ev);
    trSave();
  }
  function trBegin(part) {
    g.tr = {events: [C.transcriptStart(g.story, cleanName($("student").value), cleanName($("class-name").value), localNow(), g.game)],
            path: g.origin.path.slice(), ended: false, game: g.game.id, part: part || 1};
    trSave();
  }
  function trRead(text, game) {
    try {
      var tr = JSON.parse(text);
      if (!tr || !Array.isArray(tr.events) || !tr.events.length || !Array.isArray(tr.path)) return null;
      if (tr.game === undefined && tr.events[0]) tr.game = tr.events[0].game;  // kept by an earlier page
      return tr.game === game.id ? tr : null;
    } catch (e) { return null; }
  }
  // the game on screen becomes `game` (its origin and its own transcript part)
  function adopt(game) {
    if (g.tr && g.tr.game && g.tr.events.some(function (e) { return e.event === "choice" || e.event === "restore"; })) {
      store(asideKey(g.tr.game), JSON.stringify(g.tr));
    }
    g.game = game;
    g.origin = C.origin(g.story, game);
    var kept = fetchKey(asideKey(game.id));
    dropKey(asideKey(game.id));
    g.tr = kept ? trRead(kept, game) : null;
    if (g.tr) trSave(); else trBegin();
  }
  function trScene() {
    var st = g.state;
    if (st.path.join("\n") !== g.tr.path.join("\n")) {
      trEvent({event: "restore", scene: st.scene, step: st.path.length, path: st.path.slice()});
      g.tr.path = st.path.slice();
    }
    trEvent(C.sceneEvent(g.story, st));
    if (C.isEnding(g.story, st) && !g.tr.ended) { trEvent(C.endingEvent(g.story, st)); g.tr.ended = true; trSave(); }
  }
  function trText(tr) {
    var events = tr.events.slice();
    events[0] = Object.assign({}, events[0], {student: cleanName($("student").value), "class": cleanName($("class-name").value)});
    events.push({event: "end", ended: localNow()});
    return events.map(function (e) { return JSON.stringify(e); }).join("\n") + "\n";
  }
  // named as the terminal names a transcript: by the local time it began
  function trFile(tr) {
    var stamp = String(tr.events[0].started).replace(/[-:]/g, "").replace("T", "-").slice(0, 15), part = tr.part || 1;
    return stamp + "-" + slug($("student").value, "anonymous") + "-" + slug(g.story.id, "scenario") + "-" +
           slug(tr.game, "game") + (part > 1 ? "-" + part : "") + ".jsonl";
  }
  // the parts of this scenario's other games, kept when another game took the screen (`adopt`), not yet handed in
  function asideKeys() {
    var keys = [], prefix = PREFIX + asideKey("");
    try {
      for (var k = 0; storage && k < storage.length; k++) {
        var key = storage.key(k);
        if (key !== null && key.indexOf(prefix) === 0) keys.push(key.slice(PREFIX.length));
      }
    } catch (e) { /* storage that cannot be listed: nothing set aside to add */ }
    return keys.sort();
  }
  function downloadTranscript() {
    var part = g.tr.part || 1, earlier = 0;
    download(trFile(g.tr), trText(g.tr), "application/x-ndjson");
    trBegin(part + 1);
    trScene();
    // and every other game's moves not handed in yet, each its own file (the report joins them by game id);
    // handed in, they leave storage: loaded again, that game goes on in a new part, as in the terminal
    asideKeys().forEach(function (key) {
      var tr = null;
      try { tr = JSON.parse(fetchKey(key)); } catch (e) { tr = null; }
      if (tr && Array.isArray(tr.events) && tr.events.length && tr.events[0]) {
        tr.game = typeof tr.game === "string" ? tr.game : String(tr.events[0].game || "");
        download(trFile(tr), trText(tr), "application/x-ndjson");
        dropKey(key);
        earlier++;
      }  // else damaged: left where it is, never thrown away
    });
    say("Your playthrough was downloaded: hand the .jsonl file" + (earlier ? "s" : "") + " to your teacher." +
        (earlier ? " With it come the moves of your " + (earlier === 1 ? "other game" : earlier + " other games") +
         " on this scenario, each in its own file." : "") +
        (part > 1 ? " It goes on from your earlier download; hand in both." : ""));
  }

  // ---- the game -----------------------------------------------------------------------------
  function autosaveSlot() { return "autosave-" + g.story.id; }
  function saveTo(slot) {
    return store(g.story.id + "/save/" + slot, C.saveDocument(g.story, g.state, slot, now(), g.game));
  }
  // store.set_aside: before another game takes the autosave, the game in it (if it has a path) is
  // kept as "earlier-<scenario>-<date>"; what to tell the player
  function setAside() {
    var text = fetchKey(g.story.id + "/save/" + autosaveSlot()), doc;
    try { doc = C.readSave(g.story, text); } catch (e) { return ""; }
    if (!doc.state.path.length) return "";
    var base = "earlier-" + g.story.id + "-" + now().slice(0, 16).replace("T", "-").replace(":", ""), name = base;
    for (var n = 2; fetchKey(g.story.id + "/save/" + name) !== null; n++) name = base.slice(0, 64 - String(n).length - 1) + "-" + n;
    if (!store(g.story.id + "/save/" + name, C.saveDocument(g.story, doc.state, name, now(), doc.game))) return "";
    return ' Your earlier game is kept as "' + name + '" (under Saves & name).';
  }
  function open(index, chapter) {
    var data = all[index];
    var story = loaded[data.id] || (loaded[data.id] = C.load(data, source(index)));
    var game = freshGame(story);
    g = {story: story, state: C.start(story, game), note: "", game: game, origin: null, shownAt: 0, tr: null};
    g.origin = g.state;
    $("picker").hidden = true;
    $("game").hidden = false;
    $("story-title").textContent = C.cleanLine(story.title);
    document.title = C.cleanLine(story.title);
    $("b-chapters").hidden = !story.chapters.length;
    var message = "";
    var auto = fetchKey(story.id + "/save/" + autosaveSlot());
    if ((auto || chapter) && !ready) { waiting = function () { open(index, chapter); }; return; }  // resuming replays the path
    if (auto) {
      try {
        var got = C.readSave(story, auto);
        if (got.game) g.game = got.game;
        g.origin = C.origin(story, g.game);
        g.state = C.replay(story, got.state.path, g.game);
        message = "Welcome back: your game goes on where you left it. (Restart begins it again; Chapters starts another.)";
      } catch (e) {
        g.game = game; g.origin = g.state = C.start(story, game);
        message = "Your last game could not be resumed (" + e.message + "); a new one begins.";
      }
    } else if (story.chapters.length) {
      message = "This scenario can also begin at a chapter: see Chapters.";
    }
    var stored = fetchKey(trKey());
    g.tr = trRead(stored, g.game);
    if (!g.tr) {  // the open part of another game (its save could not be resumed): kept aside
      try { var other = JSON.parse(stored); if (other && other.game) store(asideKey(other.game), stored); } catch (e) { /* none */ }
      trBegin();
    }
    if (chapter !== undefined) { beginAt(chapter); return; }
    show("", message);
  }
  function show(note, message, level, previous) {
    g.note = note || "";
    closePanels();
    var st = g.state, story = g.story, sc = C.scene(story, st.scene);
    var blocks = C.scenePage(story, st, g.note, false, previous || null);
    var body = $("scene-body");
    clear(body);
    var list = null, h1 = null;
    for (var k = 0; k < blocks.length; k++) {
      var b = blocks[k];
      if (b[0] === "header") { $("where").textContent = b[1]; continue; }
      if (b[0] === "title") {
        h1 = el("h1", null, b[1]);
        h1.id = "scene-title";
        h1.tabIndex = -1;
        body.appendChild(h1);
        continue;
      }
      if (b[0] === "choice" || b[0] === "closed") {
        if (list === null) { list = el("ol", "choices"); list.setAttribute("aria-label", "Choices"); body.appendChild(list); }
        var li = el("li");
        if (b[0] === "choice") {
          var n = b[2];
          var btn = button("", later(take.bind(null, n)));
          btn.appendChild(el("span", "num", String(n)));
          btn.appendChild(el("span", "text", b[1]));
          li.appendChild(btn);
        } else {
          var box = el("div", "closed");
          box.appendChild(el("span", "text", b[1]));
          box.appendChild(el("span", "reason", "Closed: " + b[3]));
          li.appendChild(box);
        }
        list.appendChild(li);
        continue;
      }
      renderBlocks([b], body, false);
    }
    if (sc.ending === null && sc.disputed.length) body.appendChild(el("p", "hint", "The sources disagree about this moment: see Disputes."));
    if (sc.ending === null && list === null) body.appendChild(el("p", "hint", "No choice is open here: use Undo or Restart."));
    if (sc.ending !== null) {
      var end = el("p", "tools");
      end.appendChild(button("Download my playthrough", downloadTranscript));
      end.appendChild(button("Play again", askRestart));
      end.appendChild(button("Undo the last choice", undo));
      body.appendChild(end);
    }
    // the live region exists from the start; it gets only the new scene
    var log = $("announce");
    clear(log);
    var words = [sc.title].concat(blocks.filter(function (x) { return x[0] === "text" || x[0] === "note"; }).map(function (x) { return x[1]; }));
    log.appendChild(el("p", null, C.cleanLine(words.join(" "))));
    say(message || "", level);
    $("b-undo").disabled = st.path.length <= g.origin.path.length;
    g.shownAt = performance.now();
    trScene();
    if (h1) h1.focus();
  }
  function take(n) {
    if (!g || C.isEnding(g.story, g.state)) return;
    var open = C.rows(g.story, g.state).filter(function (r) { return r[0] !== null; });
    if (n < 1 || n > open.length) return;
    var choice = open[n - 1][1], seconds = (performance.now() - g.shownAt) / 1000, before = g.state;
    g.state = C.choose(g.story, g.state, choice);
    trEvent(C.choiceEvent(g.story, choice, g.state, seconds, C.renderText(g.story, choice.text, before)));
    g.tr.path = g.state.path.slice();
    saveTo(autosaveSlot());
    show(C.renderText(g.story, choice.note, g.state), "", "info", before);
  }
  function undo() {
    if (g.state.path.length <= g.origin.path.length) {
      say("Nothing to undo: this is " + (g.game.chapter ? "where this chapter begins" : "the beginning") + ".", "error");
      return;
    }
    g.state = C.undo(g.story, g.state);
    g.tr.ended = false;
    trEvent({event: "undo", scene: g.state.scene, step: g.state.path.length});
    g.tr.path = g.state.path.slice();
    saveTo(autosaveSlot());
    show("", "You take back your last choice.");
  }
  function askRestart() {
    var m = $("message");
    clear(m);
    m.className = "message";
    m.appendChild(el("span", null, "Start again from the beginning" + (g.game.chapter ? " of the chapter" : "") + "? "));
    var yes = button("Yes, start again", later(restart)), no = button("No", function () { say(""); focusScene(); });
    m.appendChild(yes);
    m.appendChild(document.createTextNode(" "));
    m.appendChild(no);
    yes.focus();
  }
  // session.restart: like undoing every choice -- the same game and transcript (one playthrough,
  // the restart shown); the game so far is kept as a save first
  function restart() {
    saveTo(autosaveSlot());
    var kept = setAside();
    g.state = g.origin;
    g.tr.ended = false;
    trEvent({event: "restart", scene: g.state.scene, step: g.state.path.length});
    g.tr.path = g.state.path.slice();
    saveTo(autosaveSlot());
    show("", "You start again from the beginning" + (g.game.chapter ? " of the chapter." : ".") + kept);
  }
  // `chronicle play X --chapter NAME` (null: from the beginning): a new game, with the state the
  // historical path has at the chapter's scene; the game in progress is kept as a save
  function beginAt(chapter) {
    if (g.state.path.length) saveTo(autosaveSlot());
    var kept = setAside();
    adopt(freshGame(g.story, chapter));
    g.state = g.origin;
    saveTo(autosaveSlot());
    show("", (chapter ? 'You begin at the chapter "' + C.cleanLine(chapter) + '".' : "A new game begins at the beginning.") + kept);
  }
  // a chapter's expected playing time in whole minutes, as `chronicle list` shows it (engine.tools.playtime)
  function aboutMinutes(minutes) {
    return typeof minutes === "number" ? " (about " + minutes + " min)" : "";
  }
  function chaptersPanel() {
    panel([["heading", "Chapters", null, "", "", 0]], function (body) {
      body.appendChild(el("p", null, "Begin a new game at one of these points of the story, with the situation as it " +
        "stood there in history. The game you are playing is kept as a save."));
      var ul = el("ul", "slots");
      [[null, null, null]].concat(g.story.chapters).forEach(function (c) {
        var name = c[0], st = name === null ? C.start(g.story) : C.chapterStart(g.story, name, null);
        var sc = C.scene(g.story, st.scene);
        var li = el("li");
        var b = button(name === null ? "From the beginning" : "Chapter \u201c" + C.cleanLine(name) + "\u201d", later(beginAt.bind(null, name)));
        li.appendChild(b);
        li.appendChild(document.createTextNode(" \u2014 " + C.cleanLine(sc.title) +
          (st.clock !== null ? ", " + C.formatClock(g.story, st.clock) : "") + aboutMinutes(c[2])));
        ul.appendChild(li);
      });
      body.appendChild(ul);
    });
  }
  function focusScene() { var h = $("scene-title"); if (h) h.focus(); }

  // ---- panels ---------------------------------------------------------------------------
  function closePanels() { $("panel").hidden = true; $("saves").hidden = true; $("scene").hidden = false; }
  function panel(blocks, extra) {
    closePanels();
    $("scene").hidden = true;
    $("panel-title").textContent = blocks.length && blocks[0][0] === "heading" ? blocks[0][1] : "";
    var body = $("panel-body");
    clear(body);
    renderBlocks(blocks, body, true);
    if (extra) extra(body);
    $("panel").hidden = false;
    $("panel-title").focus();
  }
  function references(body) {
    var sc = C.scene(g.story, g.state.scene), seen = Object.create(null), ids = [];
    var idx = sc.record.slice();
    C.rows(g.story, g.state).forEach(function (r) { idx = idx.concat(r[1].record); });
    sc.disputed.forEach(function (d) { d[1].forEach(function (a) { idx.push(a[2]); }); });
    idx.forEach(function (i) { var s = C.cite(g.story, i)[5]; if (!seen[s]) { seen[s] = 1; ids.push(s); } });
    var refs = ids.filter(function (s) { return g.story.sources[s] && g.story.sources[s][1]; });
    if (!refs.length) return;
    body.appendChild(el("h3", null, "References"));
    refs.forEach(function (s) { body.appendChild(el("p", "item", "\u2022 " + g.story.sources[s][1])); });
  }
  var HELP = [["1 to 9", "take that choice (can be turned off under Saves & name)"], ["Tab, Enter", "move between the choices and buttons, and take one"],
    ["Sources", "the passages from the record this scene rests on, in context, with their references"],
    ["Disputes", "where the sources disagree"], ["History", "your path so far, with the time of each scene"],
    ["Status", "what you know of the situation"], ["Undo", "take back the last choice"], ["Restart", "start again"],
    ["Chapters", "begin a new game at a chapter: a point of the story, with the situation as it stood there in history"],
    ["Saves & name", "save and load games, load a save file, write your name, download your playthrough"],
    ["Escape", "back to the scene"]];
  function help() {
    panel([["heading", "Help", null, "", "", 0]].concat(HELP.map(function (h) { return ["item", h[0] + " \u2014 " + h[1], null, "", "", 0]; })));
  }
  function savesPanel() {
    closePanels();
    $("scene").hidden = true;
    listSlots();
    $("saves").hidden = false;
    $("saves-title").focus();
  }
  function slotInfo(text) {
    try {
      var doc = JSON.parse(text), s = doc.summary || {};
      return [s.scene_title, s.place, s.clock].filter(function (x) { return typeof x === "string" && x; }).map(C.cleanLine).join(", ") +
        (typeof doc.saved_at === "string" ? "; saved " + doc.saved_at.slice(0, 16).replace("T", " ") + " UTC" : "");
    } catch (e) { return "cannot be read"; }
  }
  function listSlots() {
    var ul = $("slot-list");
    clear(ul);
    ul.className = "slots";
    var slots = keys(g.story.id + "/save/");
    if (!slots.length) ul.appendChild(el("li", "muted", "No saved games yet."));
    slots.forEach(function (slot) {
      var li = el("li");
      li.appendChild(el("strong", null, slot));
      li.appendChild(document.createTextNode(" \u2014 " + slotInfo(fetchKey(g.story.id + "/save/" + slot))));
      var load = button("Load", function () { loadSlot(slot); });
      load.setAttribute("aria-label", "Load " + slot);
      var del = button("Delete", function () { dropKey(g.story.id + "/save/" + slot); listSlots(); say('Deleted "' + slot + '".'); });
      del.setAttribute("aria-label", "Delete " + slot);
      li.appendChild(document.createTextNode(" "));
      li.appendChild(load);
      li.appendChild(del);
      ul.appendChild(li);
    });
  }
  var BAD_SLOT = /[\/\\<>:"|?*\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/;
  function checkSlot(name) {
    name = C.pyStrip((name || "").normalize("NFC"));
    if (!name) return [null, "a save name cannot be empty"];
    if (name.length > 64) return [null, "a save name is at most 64 characters"];
    if (BAD_SLOT.test(name) || name[0] === ".") return [null, 'a save name cannot start with a dot or contain / \\ < > : " | ? * or invisible characters'];
    return [name, null];
  }
  function saveNamed() {
    var got = checkSlot($("slot").value);
    if (!got[0]) { say("Not saved: " + got[1] + ".", "error"); return; }
    if (saveTo(got[0])) { say('Saved as "' + got[0] + '".'); listSlots(); }
  }
  // session._resume: a save other than the autosave keeps the game in the autosave first; a save
  // of another game makes it the game on screen (its id, order, chapter and transcript)
  function resume(result, message, slot) {
    var kept = "";
    if (slot !== autosaveSlot()) { if (g.state.path.length) saveTo(autosaveSlot()); kept = setAside(); }
    var game = result.game;
    if (game && (game.id !== g.game.id || game.seed !== g.game.seed || game.chapter !== g.game.chapter)) adopt(game);
    g.state = game ? result.state : C.replay(g.story, result.state.path, g.game);
    g.tr.ended = false;
    saveTo(autosaveSlot());
    show("", message + (result.notice ? " " + result.notice : "") + kept);
  }
  function loadSlot(slot) {
    var text = fetchKey(g.story.id + "/save/" + slot);
    if (text === null) { say('There is no save "' + slot + '".', "error"); return; }
    try { resume(C.readSave(g.story, text), 'Loaded "' + slot + '".', slot); }
    catch (e) { say("Not loaded: " + e.message, "error"); }
  }
  function importFile() {
    var input = $("import"), file = input.files && input.files[0];
    if (!file) return;
    if (file.size > (1 << 20)) { say("Not loaded: the file is too large to be a save (the limit is 1 MiB).", "error"); input.value = ""; return; }
    var reader = new FileReader();
    reader.addEventListener("load", function () {
      input.value = "";
      try { resume(C.readSave(g.story, String(reader.result)), "Loaded the save file.", null); }
      catch (e) { say("Not loaded: " + e.message, "error"); }
    });
    reader.addEventListener("error", function () { say("Not loaded: the file cannot be read.", "error"); });
    reader.readAsText(file);
  }
  function exportSave() {
    var got = checkSlot($("slot").value);
    var slot = got[0] || g.story.id;
    download(slug(slot, "save") + ".json", C.saveDocument(g.story, g.state, slot, now(), g.game), "application/json");
    say("The game was downloaded as a save file; load it here or with: chronicle saves import FILE");
  }

  // ---- the picker (export --all) ------------------------------------------------------------
  function picker() {
    g = null;
    $("game").hidden = true;
    $("picker").hidden = false;
    $("story-title").textContent = "Chronicle";
    $("where").textContent = "";
    var ul = $("picker-list");
    clear(ul);
    all.forEach(function (data, i) {
      var li = el("li");
      var b = button("", function () { open(i); });
      b.appendChild(el("strong", null, C.cleanLine(data.title)));
      li.appendChild(b);
      if (data.role) li.appendChild(el("p", "muted", "You are " + C.cleanLine(data.role) + "."));
      if (data.summary) li.appendChild(el("p", null, C.cleanLine(data.summary)));
      if (data.chapters && data.chapters.length) {
        var p = el("p", "chapters", "Or begin at a chapter: ");
        data.chapters.forEach(function (c, k) {
          var cb = button(C.cleanLine(c[0]) + aboutMinutes(c[2]), later(open.bind(null, i, c[0])));
          cb.setAttribute("aria-label", C.cleanLine(data.title) + ": begin at the chapter \u201c" + C.cleanLine(c[0]) + "\u201d" +
            aboutMinutes(c[2]));
          if (k) p.appendChild(document.createTextNode(" "));
          p.appendChild(cb);
        });
        li.appendChild(p);
      }
      ul.appendChild(li);
    });
    $("picker-title").focus();
  }

  // ---- wiring -------------------------------------------------------------------------------
  function wire(id, fn) { $(id).addEventListener("click", later(fn)); }
  wire("b-sources", function () { panel(C.sourcesPage(g.story, g.state), references); });
  wire("b-disputes", function () { panel(C.disputesPage(g.story, g.state), references); });
  wire("b-history", function () { panel(C.historyPage(g.story, g.state)); });
  wire("b-status", function () { panel(C.statusPage(g.story, g.state)); });
  wire("b-undo", undo);
  wire("b-chapters", chaptersPanel);
  wire("b-restart", askRestart);
  wire("b-saves", savesPanel);
  wire("b-help", help);
  wire("b-picker", picker);
  wire("panel-close", function () { closePanels(); focusScene(); });
  wire("saves-close", function () { closePanels(); focusScene(); });
  wire("b-save", saveNamed);
  wire("b-export", exportSave);
  wire("b-transcript", downloadTranscript);
  $("import").addEventListener("change", later(importFile));
  ["student", "class-name"].forEach(function (id) {
    var saved = fetchKey(id);
    if (saved) $(id).value = saved;
    $(id).addEventListener("change", function () { store(id, $(id).value.slice(0, 120)); });
  });
  $("numkeys").checked = fetchKey("numkeys") !== "off";
  $("numkeys").addEventListener("change", function () { store("numkeys", $("numkeys").checked ? "on" : "off"); });
  document.addEventListener("keydown", function (e) {
    if (!g || e.altKey || e.ctrlKey || e.metaKey) return;
    var t = e.target, tag = t && t.tagName;
    if (e.key === "Escape" && (!$("panel").hidden || !$("saves").hidden)) { closePanels(); focusScene(); e.preventDefault(); return; }
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") return;
    if ($("numkeys").checked && $("scene").hidden === false && /^[1-9]$/.test(e.key)) { e.preventDefault(); later(take)(+e.key); }
  });
  window.addEventListener("error", function () { say("Something went wrong in the page; your last choice is saved. Reload to go on.", "error"); });
  $("b-picker").hidden = all.length < 2;
  if (all.length > 1) picker(); else open(0);
})();
